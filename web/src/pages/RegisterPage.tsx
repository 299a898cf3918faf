import { useState, type SyntheticEvent } from 'react';
import { auth } from '../api/endpoints';
import { ErrorNotice, fieldError } from '../components/feedback';
import { NewPasswordFields, TextField } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { usePageTitle } from '../usePageTitle';

export function RegisterPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [error, setError] = useState<unknown>();
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  usePageTitle(t('registerTitle'));

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setError(undefined);
    const differ = password !== confirmation;
    setMismatch(differ);
    if (differ) return;
    setBusy(true);
    try {
      await auth.register({ email, password, ...(fullName.trim() === '' ? {} : { full_name: fullName.trim() }) });
      navigate('/signin?registered=1');
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <section className="card narrow" aria-labelledby="register-title">
      <h1 id="register-title">{t('registerTitle')}</h1>
      <ErrorNotice error={error} />
      <form
        onSubmit={(event) => {
          void submit(event);
        }}
        noValidate
      >
        <TextField
          id="register-email"
          label={t('email')}
          type="email"
          autoComplete="email"
          required
          value={email}
          error={fieldError(error, 'email', t)}
          onChange={(event) => {
            setEmail(event.target.value);
          }}
        />
        <TextField
          id="register-name"
          label={`${t('fullName')} ${t('optional')}`}
          autoComplete="name"
          maxLength={200}
          value={fullName}
          error={fieldError(error, 'full_name', t)}
          onChange={(event) => {
            setFullName(event.target.value);
          }}
        />
        <NewPasswordFields
          newId="register-password"
          confirmId="register-confirm"
          password={password}
          confirmation={confirmation}
          passwordError={fieldError(error, 'password', t)}
          mismatch={mismatch}
          onPasswordChange={setPassword}
          onConfirmationChange={setConfirmation}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('registering') : t('registerButton')}
        </button>
      </form>
      <p className="aside">
        {t('haveAccount')} <Link to="/signin">{t('navSignIn')}</Link>
      </p>
    </section>
  );
}
