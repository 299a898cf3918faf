import { useMemo, useState } from 'react';
import { auth } from '../api/endpoints';
import type { SecurityActivity } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { deviceText, securityEventText, securityReasonText } from '../i18n/securityEventTexts';
import { useAsync } from '../useAsync';
import { AsyncItems, ErrorNotice } from './feedback';
import { Card } from './forms';

/** "Recent security activity": my sign-ins, sign-outs and credential changes of the last 90 days, newest first, in local time. */
export function SecurityActivityCard() {
  const { t } = useI18n();
  const [first] = useAsync(() => auth.securityActivity(), []);
  // Older pages the user asked for, after the first one.
  const [more, setMore] = useState<{ items: readonly SecurityActivity[]; cursor: string | null }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>();
  const cursor = more === undefined ? (first.status === 'done' ? first.value.next_cursor : null) : more.cursor;

  const loadMore = (from: string) => {
    setLoadingMore(true);
    auth.securityActivity(from).then(
      (page) => {
        setMore((current) => ({ items: [...(current?.items ?? []), ...page.items], cursor: page.next_cursor }));
        setMoreError(undefined);
        setLoadingMore(false);
      },
      (error: unknown) => {
        setMoreError(error);
        setLoadingMore(false);
      },
    );
  };

  return (
    <Card id="security-activity" title={t('securityActivityTitle')} intro={t('securityActivityIntro')}>
      <AsyncItems state={first} emptyText={t('securityActivityEmpty')}>
        {(items) => (
          <ol className="security-activity" data-testid="security-activity">
            {[...items, ...(more?.items ?? [])].map((entry) => (
              <SecurityEventEntry key={entry.id} entry={entry} />
            ))}
          </ol>
        )}
      </AsyncItems>
      <ErrorNotice error={moreError} />
      {cursor === null ? null : (
        <button
          type="button"
          className="button"
          disabled={loadingMore}
          onClick={() => {
            loadMore(cursor);
          }}
        >
          {loadingMore ? t('loading') : t('securityActivityMore')}
        </button>
      )}
    </Card>
  );
}

/** One security event, as the user's own list and the admin's view of a user show it. */
export function SecurityEventEntry({ entry }: { entry: Pick<SecurityActivity, 'event' | 'reason' | 'occurred_at' | 'device' | 'address' | 'by_administrator'> }) {
  const { t, language } = useI18n();
  const dateTime = useMemo(
    () => new Intl.DateTimeFormat(language === 'hu' ? 'hu-HU' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
    [language],
  );
  return (
    <li className="security-event" data-event={entry.event}>
      <p>
        <strong>{securityEventText(language, entry.event)}</strong>
        {entry.reason === null ? null : <> ({securityReasonText(language, entry.reason)})</>}
        {entry.by_administrator ? <> <span className="badge">{t('securityActivityByAdmin')}</span></> : null}
      </p>
      <dl className="session-details">
        <dt>{t('securityActivityWhen')}</dt>
        <dd>
          <time dateTime={entry.occurred_at}>{dateTime.format(new Date(entry.occurred_at))}</time>
        </dd>
        <dt>{t('securityActivityDevice')}</dt>
        <dd>{entry.device === null ? t('securityActivityUnknown') : deviceText(language, entry.device)}</dd>
        <dt>{t('securityActivityAddress')}</dt>
        <dd>{entry.address ?? t('securityActivityUnknown')}</dd>
      </dl>
    </li>
  );
}
