import { useState } from 'react';
import { fetchCsrfToken, signOut, signOutEverywhere } from '../api/client';
import { auth } from '../api/endpoints';
import type { User } from '../api/types';
import { AsyncItems, ErrorNotice, StatusNotice } from '../components/feedback';
import { FullNameField, NewPasswordFields, PasswordField, TextField, useNewPassword } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { useStepUp } from '../components/stepUp';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

function ProfileForm({ user }: { readonly user: User }) {
  const { t, formatDate } = useI18n();
  const { setUser } = useSession();
  const [fullName, setFullName] = useState(user.full_name ?? '');
  const submission = useSubmission();

  return (
    <Card id="profile" title={t('profile')} intro={t('memberSince', { date: formatDate(user.created_at) })}>
      <SubmitForm
        submission={submission}
        action={async () => {
          setUser(await auth.updateProfile({ full_name: fullName.trim() === '' ? null : fullName.trim() }));
          return 'profileSaved';
        }}
        submitLabel={t('save')}
      >
        <FullNameField id="profile-name" value={fullName} error={submission.fieldError('full_name')} onValue={setFullName} />
      </SubmitForm>
    </Card>
  );
}

/** Whether the address is verified; if not, a button that mails a new link. */
function EmailVerification({ user }: { readonly user: User }) {
  const { t, formatDate } = useI18n();
  const submission = useSubmission();

  return (
    <Card id="email-verification" title={t('emailVerificationTitle')}>
      <p>
        {user.email}:{' '}
        <strong id="email-verification-state">{user.email_verified ? t('emailVerifiedState') : t('emailNotVerifiedState')}</strong>
        {user.email_verified_at === null ? null : ` (${formatDate(user.email_verified_at)})`}
      </p>
      {user.email_verified ? null : (
        <>
          <p className="secondary-text">{t('emailNotVerifiedIntro')}</p>
          <ErrorNotice error={submission.error} />
          <StatusNotice message={submission.status} />
          <button
            type="button"
            className="button"
            disabled={submission.busy}
            onClick={() => {
              void submission.run(async () => {
                await auth.resendVerification();
                return { key: 'verificationSent', values: { email: user.email } };
              });
            }}
          >
            {submission.busy ? t('saving') : t('resendVerificationButton')}
          </button>
        </>
      )}
    </Card>
  );
}

/** Lets password managers file a changed password or address under the right account. */
function AccountName({ email }: { readonly email: string }) {
  return <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />;
}

/** The address changes only through a link mailed to the new one, after the password is given here. */
function EmailForm({ email }: { readonly email: string }) {
  const { t } = useI18n();
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const submission = useSubmission();
  const stepUp = useStepUp('email');

  return (
    <Card id="email" title={t('changeEmail')} intro={t('changeEmailIntro')}>
      <SubmitForm
        submission={submission}
        action={async () => {
          await stepUp.guard(() => auth.requestEmailChange({ new_email: newEmail.trim(), password }));
          setNewEmail('');
          setPassword('');
          return { key: 'changeEmailSent', values: { email: newEmail.trim() } };
        }}
        submitLabel={t('changeEmailButton')}
      >
        <AccountName email={email} />
        <TextField id="email-new" label={t('newEmail')} type="email" autoComplete="email" required value={newEmail} error={submission.fieldError('new_email')} onValue={setNewEmail} />
        <PasswordField id="email-password" label={t('currentPassword')} value={password} error={submission.fieldError('password')} onValue={setPassword} />
      </SubmitForm>
      {stepUp.panel}
    </Card>
  );
}

function PasswordForm({ email }: { readonly email: string }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const newPassword = useNewPassword();
  const submission = useSubmission();
  const stepUp = useStepUp('password');

  return (
    <Card id="password" title={t('changePassword')}>
      <SubmitForm
        submission={submission}
        check={newPassword.confirmed}
        action={async () => {
          await stepUp.guard(() => auth.changePassword({ current_password: current, new_password: newPassword.password }));
          setCurrent('');
          newPassword.clear();
          return 'passwordChanged';
        }}
        submitLabel={t('changePasswordButton')}
      >
        <AccountName email={email} />
        <PasswordField id="password-current" label={t('currentPassword')} value={current} error={submission.fieldError('current_password')} onValue={setCurrent} />
        <NewPasswordFields idPrefix="change" entry={newPassword} passwordError={submission.fieldError('new_password')} />
      </SubmitForm>
      {stepUp.panel}
    </Card>
  );
}

/** The signed-in browsers of this account, each but this one with an "End session" button. */
function SessionList() {
  const { t, formatDate } = useI18n();
  const [list, reload] = useAsync(() => auth.sessions(), []);
  const [ending, setEnding] = useState<string>();
  const submission = useSubmission();

  const end = (id: string) => {
    setEnding(id);
    void submission.run(async () => {
      await auth.endSession(id);
      reload();
      return 'sessionEnded';
    });
  };

  return (
    <>
      <p className="secondary-text">{t('sessionsIntro')}</p>
      <StatusNotice message={submission.status} />
      <ErrorNotice error={submission.error} />
      <AsyncItems state={list} emptyText={t('sessionsEmpty')}>
        {(items) => (
          <ul className="session-list">
            {items.map((session) => {
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
                      disabled={submission.busy}
                      onClick={() => {
                        end(session.id);
                      }}
                    >
                      {submission.busy && ending === session.id ? t('sessionEnding') : t('sessionEnd')}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </AsyncItems>
    </>
  );
}

function Sessions() {
  const { t } = useI18n();
  const submission = useSubmission();

  const end = (everywhere: boolean) => {
    void submission.run(async () => {
      await (everywhere ? signOutEverywhere() : signOut());
      navigate('/signin?signedout=1', { replace: true });
      return undefined;
    });
  };

  return (
    <Card id="sessions" title={t('sessions')}>
      <SessionList />
      <ErrorNotice error={submission.error} />
      <div className="button-row">
        <button
          type="button"
          className="button primary"
          disabled={submission.busy}
          onClick={() => {
            end(false);
          }}
        >
          {t('signOut')}
        </button>
        <button
          type="button"
          className="button danger"
          disabled={submission.busy}
          aria-describedby="sign-out-everywhere-hint"
          onClick={() => {
            end(true);
          }}
        >
          {t('signOutEverywhere')}
        </button>
      </div>
      <p className="field-hint" id="sign-out-everywhere-hint">
        {t('signOutEverywhereHint')}
      </p>
    </Card>
  );
}

/** Erasure: the password again and, with a second factor, a fresh confirmation; every session ends with it. */
function EraseAccount({ email }: { readonly email: string }) {
  const { t } = useI18n();
  const { setUser } = useSession();
  const [password, setPassword] = useState('');
  const [sure, setSure] = useState(false);
  const submission = useSubmission();
  const stepUp = useStepUp('erase');

  return (
    <Card id="erase" title={t('eraseTitle')} intro={t('eraseIntro')}>
      {sure ? (
        <SubmitForm
          submission={submission}
          action={async () => {
            await stepUp.guard(() => auth.eraseAccount({ password }));
            // The session (and its CSRF token) died with the account.
            await fetchCsrfToken().catch(() => undefined);
            navigate('/signin?erased=1', { replace: true });
            setUser(null);
            return undefined;
          }}
          submitLabel={t('eraseButton')}
          busyLabel={t('erasing')}
          actions={
            <button
              type="button"
              className="button"
              onClick={() => {
                setSure(false);
                setPassword('');
              }}
            >
              {t('cancel')}
            </button>
          }
        >
          <AccountName email={email} />
          <PasswordField id="erase-password" label={t('currentPassword')} value={password} error={submission.fieldError('password')} onValue={setPassword} />
        </SubmitForm>
      ) : (
        <button
          type="button"
          className="button danger"
          onClick={() => {
            setSure(true);
          }}
        >
          {t('eraseStart')}
        </button>
      )}
      {stepUp.panel}
    </Card>
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
      <p className="aside">
        <Link to="/account/security">{t('securityLink')}</Link>
      </p>
      <EmailVerification user={user} />
      <div className="columns">
        <ProfileForm user={user} />
        <PasswordForm email={user.email} />
        <EmailForm email={user.email} />
      </div>
      <Sessions />
      <EraseAccount email={user.email} />
    </>
  );
}
