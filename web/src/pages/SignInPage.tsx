import { useState } from 'react';
import { ApiError, passkeySignInOptions, signIn, signInSecondFactor, signInWithPasskey, type SecondStep } from '../api/client';
import { auth } from '../api/endpoints';
import { ErrorNotice } from '../components/feedback';
import { AuthenticatorCodeField, compactCode, PasswordField, TextField } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { PasskeyButton } from '../components/stepUp';
import { useI18n } from '../i18n/i18n';
import { authenticateWithPasskey, passkeysSupported } from '../passkeys';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

/** Only a path of this site: `next` must never send a freshly signed-in user elsewhere. */
export function safeNextPath(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/garage';
}

/** After any way in: who is signed in, then where the user was going. */
function useFinishSignIn(): () => Promise<undefined> {
  const { query } = useLocation();
  const { setUser } = useSession();
  return async () => {
    setUser(await auth.me());
    navigate(safeNextPath(query.get('next')), { replace: true });
    return undefined;
  };
}

/** The second step, in place of the password form: a code, a recovery code, or a passkey. */
function SecondStepForm({ step, onExpired }: { readonly step: SecondStep; readonly onExpired: (error: ApiError) => void }) {
  const { t } = useI18n();
  const finish = useFinishSignIn();
  const hasTotp = step.methods.includes('totp');
  const hasRecovery = step.methods.includes('recovery_code');
  const [useRecovery, setUseRecovery] = useState(!hasTotp && hasRecovery);
  const [code, setCode] = useState('');
  const submission = useSubmission();
  const passkey = useSubmission();

  /** An expired ticket sends the user back to the password: nothing else can help. */
  const orBackToPassword = async (action: () => Promise<void>): Promise<undefined> => {
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'second_step_expired') {
        onExpired(error);
        return undefined;
      }
      throw error;
    }
    return finish();
  };

  return (
    <>
      <p className="secondary-text">{t('secondStepIntro')}</p>
      {hasTotp || hasRecovery ? (
        <SubmitForm
          submission={submission}
          action={() =>
            orBackToPassword(() =>
              signInSecondFactor(useRecovery ? { ticket: step.ticket, recovery_code: code.trim() } : { ticket: step.ticket, totp_code: compactCode(code) }),
            )
          }
          submitLabel={t('secondStepButton')}
          busyLabel={t('checking')}
        >
          {useRecovery ? (
            <TextField
              key="recovery"
              id="signin-recovery-code"
              label={t('recoveryCode')}
              hint={t('recoveryCodeHint')}
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              required
              autoFocus
              value={code}
              onValue={setCode}
            />
          ) : (
            <AuthenticatorCodeField
              key="totp"
              id="signin-totp-code"
              label={t('authenticatorCode')}
              hint={t('authenticatorCodeHint')}
              autoFocus
              value={code}
              onValue={setCode}
            />
          )}
        </SubmitForm>
      ) : null}
      {hasTotp && hasRecovery ? (
        <p className="aside">
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setUseRecovery(!useRecovery);
              setCode('');
              submission.clear();
            }}
          >
            {useRecovery ? t('useAuthenticatorInstead') : t('useRecoveryCodeInstead')}
          </button>
        </p>
      ) : null}
      {step.methods.includes('passkey') && passkeysSupported() ? (
        <PasskeyButton
          label={t('usePasskey')}
          busyLabel={t('waitingForPasskey')}
          submission={passkey}
          action={() =>
            orBackToPassword(async () => {
              await signInWithPasskey(await authenticateWithPasskey(await passkeySignInOptions(step.ticket)), step.ticket);
            })
          }
        />
      ) : null}
    </>
  );
}

/** Passwordless: a discoverable passkey says who the user is. */
function PasskeySignIn() {
  const { t } = useI18n();
  const finish = useFinishSignIn();
  const submission = useSubmission();
  if (!passkeysSupported()) return null;
  return (
    <div className="passkey-sign-in">
      <p className="divider">
        <span>{t('or')}</span>
      </p>
      <PasskeyButton
        label={t('signInWithPasskey')}
        busyLabel={t('waitingForPasskey')}
        submission={submission}
        action={async () => {
          await signInWithPasskey(await authenticateWithPasskey(await passkeySignInOptions()));
          return finish();
        }}
      />
    </div>
  );
}

export function SignInPage() {
  const { t } = useI18n();
  const { query } = useLocation();
  const { sessionLost } = useSession();
  const finish = useFinishSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [secondStep, setSecondStep] = useState<SecondStep>();
  const [expired, setExpired] = useState<ApiError>();
  const submission = useSubmission();
  usePageTitle(secondStep === undefined ? t('signInTitle') : t('secondStepTitle'));

  const notice =
    query.get('registered') === '1'
      ? t('registeredNotice')
      : query.get('reset') === '1'
        ? t('passwordResetNotice')
        : query.get('signedout') === '1'
          ? t('signedOut')
          : query.get('erased') === '1'
            ? t('accountErased')
            : undefined;

  if (secondStep !== undefined) {
    return (
      <Card id="signin" title={t('secondStepTitle')} page>
        <SecondStepForm
          step={secondStep}
          onExpired={(error) => {
            setSecondStep(undefined);
            setPassword('');
            setExpired(error);
          }}
        />
        <p className="aside">
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSecondStep(undefined);
              setPassword('');
            }}
          >
            {t('backToSignIn')}
          </button>
        </p>
      </Card>
    );
  }

  return (
    <Card id="signin" title={t('signInTitle')} page>
      <SubmitForm
        submission={submission}
        action={async () => {
          setExpired(undefined);
          const outcome = await signIn(email, password);
          if (!outcome.signedIn) {
            setSecondStep(outcome.secondStep);
            return undefined;
          }
          return finish();
        }}
        submitLabel={t('signInButton')}
        busyLabel={t('signingIn')}
        status={notice}
        errorNotice={
          submission.error !== undefined ? undefined : expired !== undefined ? (
            <ErrorNotice error={expired} />
          ) : sessionLost ? (
            <p className="notice notice-error" role="alert">
              {t('errorSessionEnded')}
            </p>
          ) : undefined
        }
      >
        <TextField id="signin-email" label={t('email')} type="email" autoComplete="username" required value={email} error={submission.fieldError('email')} onValue={setEmail} />
        <PasswordField id="signin-password" label={t('password')} value={password} error={submission.fieldError('password')} onValue={setPassword} />
      </SubmitForm>
      <PasskeySignIn />
      <p className="aside">
        {/* An admin asked for a new password: the way forward is the reset link, said plainly. */}
        {submission.error instanceof ApiError && submission.error.code === 'password_reset_required' ? (
          <Link to="/forgot-password" className="button primary">
            {t('passwordResetRequiredLink')}
          </Link>
        ) : (
          <Link to="/forgot-password">{t('forgotPasswordLink')}</Link>
        )}
      </p>
      <p className="aside">
        {t('noAccount')} <Link to="/register">{t('registerLink')}</Link>
      </p>
    </Card>
  );
}
