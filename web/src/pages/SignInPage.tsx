import { useState, type SyntheticEvent } from 'react';
import { signIn } from '../api/client';
import { auth } from '../api/endpoints';
import { ErrorNotice, StatusNotice, fieldError } from '../components/feedback';
import { TextField } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { usePageTitle } from '../usePageTitle';

/** Only a path of this site: `next` must never send a freshly signed-in user elsewhere. */
export function safeNextPath(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/garage';
}

export function SignInPage() {
  const { t } = useI18n();
  const { query } = useLocation();
  const { setUser, sessionLost } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  usePageTitle(t('signInTitle'));

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email, password);
      setUser(await auth.me());
      navigate(safeNextPath(query.get('next')), { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const notice =
    query.get('registered') === '1'
      ? t('registeredNotice')
      : query.get('reset') === '1'
        ? t('passwordResetNotice')
        : query.get('signedout') === '1'
          ? t('signedOut')
          : undefined;
  return (
    <section className="card narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('signInTitle')}</h1>
      <StatusNotice message={notice} />
      {sessionLost && error === undefined ? (
        <p className="notice notice-error" role="alert">
          {t('errorSessionEnded')}
        </p>
      ) : (
        <ErrorNotice error={error} />
      )}
      <form
        onSubmit={(event) => {
          void submit(event);
        }}
        noValidate
      >
        <TextField
          id="signin-email"
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
        <TextField
          id="signin-password"
          label={t('password')}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          error={fieldError(error, 'password', t)}
          onChange={(event) => {
            setPassword(event.target.value);
          }}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('signingIn') : t('signInButton')}
        </button>
      </form>
      <p className="aside">
        <Link to="/forgot-password">{t('forgotPasswordLink')}</Link>
      </p>
      <p className="aside">
        {t('noAccount')} <Link to="/register">{t('registerLink')}</Link>
      </p>
    </section>
  );
}
