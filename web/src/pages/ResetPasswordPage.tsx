import { useState, type SyntheticEvent } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { ErrorNotice, fieldError } from '../components/feedback';
import { NewPasswordFields } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useFragmentToken } from '../useFragmentToken';
import { usePageTitle } from '../usePageTitle';

function InvalidLink() {
  const { t } = useI18n();
  return (
    <div className="notice notice-error" role="alert">
      <p>{t('resetTokenInvalid')}</p>
      <p>
        <Link to="/forgot-password">{t('requestNewLink')}</Link>
      </p>
    </div>
  );
}

export function ResetPasswordPage() {
  const { t } = useI18n();
  const token = useFragmentToken();
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  usePageTitle(t('resetPasswordTitle'));

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setError(undefined);
    const differ = password !== confirmation;
    setMismatch(differ);
    if (differ) return;
    setBusy(true);
    try {
      await auth.resetPassword({ token, new_password: password });
      navigate('/signin?reset=1', { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const invalid = token === '' || (error instanceof ApiError && error.code === 'reset_token_invalid');
  return (
    <section className="card narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">{t('resetPasswordTitle')}</h1>
      {invalid ? <InvalidLink /> : <ErrorNotice error={error} />}
      {token === '' ? null : (
        <form
          onSubmit={(event) => {
            void submit(event);
          }}
          noValidate
        >
          <NewPasswordFields
            newId="reset-password"
            confirmId="reset-password-confirm"
            password={password}
            confirmation={confirmation}
            passwordError={fieldError(error, 'new_password', t)}
            mismatch={mismatch}
            onPasswordChange={setPassword}
            onConfirmationChange={setConfirmation}
          />
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('saving') : t('resetPasswordButton')}
          </button>
        </form>
      )}
      <p className="aside">
        <Link to="/signin">{t('backToSignIn')}</Link>
      </p>
    </section>
  );
}
