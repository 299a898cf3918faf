import { useState, type SyntheticEvent } from 'react';
import { auth } from '../api/endpoints';
import { ErrorNotice, StatusNotice, fieldError } from '../components/feedback';
import { TextField } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router';
import { usePageTitle } from '../usePageTitle';

/** Asks for a reset link. The answer is the same whether or not the account exists, and so is the page. */
export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  usePageTitle(t('forgotPasswordTitle'));

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSent(false);
    try {
      await auth.forgotPassword(email.trim());
      setSent(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t('forgotPasswordTitle')}</h1>
      <p className="secondary-text">{t('forgotPasswordIntro')}</p>
      <StatusNotice message={sent ? t('forgotPasswordSent') : undefined} />
      <ErrorNotice error={error} />
      <form
        onSubmit={(event) => {
          void submit(event);
        }}
        noValidate
      >
        <TextField
          id="forgot-email"
          label={t('email')}
          type="email"
          autoComplete="username"
          required
          value={email}
          error={fieldError(error, 'email', t)}
          onChange={(event) => {
            setEmail(event.target.value);
          }}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('forgotPasswordSending') : t('forgotPasswordButton')}
        </button>
      </form>
      <p className="aside">
        <Link to="/signin">{t('backToSignIn')}</Link>
      </p>
    </section>
  );
}
