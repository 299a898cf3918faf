import { useI18n } from '../i18n/i18n';
import { Link } from '../router';
import { usePageTitle } from '../usePageTitle';

export function NotFoundPage() {
  const { t } = useI18n();
  usePageTitle(t('notFoundTitle'));
  return (
    <section className="card">
      <h1>{t('notFoundTitle')}</h1>
      <p>{t('notFoundText')}</p>
      <p>
        <Link to="/">{t('backHome')}</Link>
      </p>
    </section>
  );
}
