import { useState } from 'react';
import { signIn } from '../api/client';
import { auth } from '../api/endpoints';
import { PasswordField, TextField } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { useI18n } from '../i18n/i18n';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

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
  const submission = useSubmission();
  usePageTitle(t('signInTitle'));

  const notice =
    query.get('registered') === '1'
      ? t('registeredNotice')
      : query.get('reset') === '1'
        ? t('passwordResetNotice')
        : query.get('signedout') === '1'
          ? t('signedOut')
          : undefined;
  return (
    <Card id="signin" title={t('signInTitle')} page>
      <SubmitForm
        submission={submission}
        action={async () => {
          await signIn(email, password);
          setUser(await auth.me());
          navigate(safeNextPath(query.get('next')), { replace: true });
          return undefined;
        }}
        submitLabel={t('signInButton')}
        busyLabel={t('signingIn')}
        status={notice}
        errorNotice={
          sessionLost && submission.error === undefined ? (
            <p className="notice notice-error" role="alert">
              {t('errorSessionEnded')}
            </p>
          ) : undefined
        }
      >
        <TextField id="signin-email" label={t('email')} type="email" autoComplete="username" required value={email} error={submission.fieldError('email')} onValue={setEmail} />
        <PasswordField id="signin-password" label={t('password')} value={password} error={submission.fieldError('password')} onValue={setPassword} />
      </SubmitForm>
      <p className="aside">
        <Link to="/forgot-password">{t('forgotPasswordLink')}</Link>
      </p>
      <p className="aside">
        {t('noAccount')} <Link to="/register">{t('registerLink')}</Link>
      </p>
    </Card>
  );
}
