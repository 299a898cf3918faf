import { useState, type SyntheticEvent } from 'react';
import { signOut, signOutEverywhere } from '../api/client';
import { auth } from '../api/endpoints';
import type { User } from '../api/types';
import { ErrorNotice, Loading, StatusNotice, fieldError } from '../components/feedback';
import { NewPasswordFields, TextField } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

function ProfileForm({ user }: { readonly user: User }) {
  const { t, formatDate } = useI18n();
  const { setUser } = useSession();
  const [fullName, setFullName] = useState(user.full_name ?? '');
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      setUser(await auth.updateProfile({ full_name: fullName.trim() === '' ? null : fullName.trim() }));
      setStatus(t('profileSaved'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('profile')}</h2>
      <p className="secondary-text">{t('memberSince', { date: formatDate(user.created_at) })}</p>
      <StatusNotice message={status} />
      <ErrorNotice error={error} />
      <form
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        <TextField
          id="profile-name"
          label={`${t('fullName')} ${t('optional')}`}
          autoComplete="name"
          maxLength={200}
          value={fullName}
          error={fieldError(error, 'full_name', t)}
          onChange={(event) => {
            setFullName(event.target.value);
          }}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('saving') : t('save')}
        </button>
      </form>
    </section>
  );
}

/** The address changes only through a link mailed to the new one, after the password is given here. */
function EmailForm({ email }: { readonly email: string }) {
  const { t } = useI18n();
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      await auth.requestEmailChange({ new_email: newEmail.trim(), password });
      setStatus(t('changeEmailSent', { email: newEmail.trim() }));
      setNewEmail('');
      setPassword('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title">{t('changeEmail')}</h2>
      <p className="secondary-text">{t('changeEmailIntro')}</p>
      <StatusNotice message={status} />
      <ErrorNotice error={error} />
      <form
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
        <TextField
          id="email-new"
          label={t('newEmail')}
          type="email"
          autoComplete="email"
          required
          value={newEmail}
          error={fieldError(error, 'new_email', t)}
          onChange={(event) => {
            setNewEmail(event.target.value);
          }}
        />
        <TextField
          id="email-password"
          label={t('currentPassword')}
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
          {busy ? t('saving') : t('changeEmailButton')}
        </button>
      </form>
    </section>
  );
}

function PasswordForm({ email }: { readonly email: string }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setError(undefined);
    setStatus(undefined);
    const differ = next !== confirmation;
    setMismatch(differ);
    if (differ) return;
    setBusy(true);
    try {
      await auth.changePassword({ current_password: current, new_password: next });
      setCurrent('');
      setNext('');
      setConfirmation('');
      setStatus(t('passwordChanged'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t('changePassword')}</h2>
      <StatusNotice message={status} />
      <ErrorNotice error={error} />
      <form
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        {/* Lets password managers file the new password under the right account. */}
        <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
        <TextField
          id="password-current"
          label={t('currentPassword')}
          type="password"
          autoComplete="current-password"
          required
          value={current}
          error={fieldError(error, 'current_password', t)}
          onChange={(event) => {
            setCurrent(event.target.value);
          }}
        />
        <NewPasswordFields
          newId="password-new"
          confirmId="password-confirm"
          password={next}
          confirmation={confirmation}
          passwordError={fieldError(error, 'new_password', t)}
          mismatch={mismatch}
          onPasswordChange={setNext}
          onConfirmationChange={setConfirmation}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('saving') : t('changePasswordButton')}
        </button>
      </form>
    </section>
  );
}

/** The signed-in browsers of this account, each but this one with an "End session" button. */
function SessionList() {
  const { t, formatDate } = useI18n();
  const [list, reload] = useAsync(() => auth.sessions(), []);
  const [ending, setEnding] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();

  const end = async (id: string) => {
    setEnding(id);
    setError(undefined);
    setStatus(undefined);
    try {
      await auth.endSession(id);
      setStatus(t('sessionEnded'));
      reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setEnding(undefined);
    }
  };

  return (
    <>
      <p className="secondary-text">{t('sessionsIntro')}</p>
      <StatusNotice message={status} />
      <ErrorNotice error={list.status === 'failed' ? list.error : error} />
      {list.status === 'loading' ? <Loading /> : null}
      {list.status === 'done' && list.value.items.length === 0 ? <p className="empty">{t('sessionsEmpty')}</p> : null}
      {list.status === 'done' && list.value.items.length > 0 ? (
        <ul className="session-list">
          {list.value.items.map((session) => {
            const agent = session.user_agent ?? t('sessionUnknownAgent');
            return (
              <li key={session.id} className="session" data-session-id={session.id} aria-current={session.current ? 'true' : undefined}>
                <p>
                  <strong>{agent}</strong>
                  {session.current ? <> <span className="badge">{t('sessionCurrent')}</span></> : null}
                </p>
                <dl className="session-details">
                  <dt>{t('sessionAddress')}</dt>
                  <dd>{session.ip_prefix ?? '—'}</dd>
                  <dt>{t('sessionCreated')}</dt>
                  <dd>{formatDate(session.created_at)}</dd>
                  <dt>{t('sessionLastUsed')}</dt>
                  <dd>{formatDate(session.last_used_at)}</dd>
                </dl>
                {session.current ? null : (
                  <button
                    type="button"
                    className="button danger"
                    disabled={ending !== undefined}
                    onClick={() => {
                      void end(session.id);
                    }}
                  >
                    {ending === session.id ? t('sessionEnding') : t('sessionEnd')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
    </>
  );
}

function Sessions() {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const end = async (everywhere: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await (everywhere ? signOutEverywhere() : signOut());
      navigate('/signin?signedout=1', { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('sessions')}</h2>
      <SessionList />
      <ErrorNotice error={error} />
      <div className="button-row">
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() => {
            void end(false);
          }}
        >
          {t('signOut')}
        </button>
        <button
          type="button"
          className="button danger"
          disabled={busy}
          aria-describedby="sign-out-everywhere-hint"
          onClick={() => {
            void end(true);
          }}
        >
          {t('signOutEverywhere')}
        </button>
      </div>
      <p className="field-hint" id="sign-out-everywhere-hint">
        {t('signOutEverywhereHint')}
      </p>
    </section>
  );
}

export function AccountPage() {
  const { t } = useI18n();
  const { user } = useSession();
  usePageTitle(t('accountTitle'));
  if (user === null || user === undefined) return null;
  return (
    <>
      <h1 className="page-title">{t('accountTitle')}</h1>
      <p className="secondary-text">{user.email}</p>
      <div className="columns">
        <ProfileForm user={user} />
        <PasswordForm email={user.email} />
        <EmailForm email={user.email} />
      </div>
      <Sessions />
    </>
  );
}
