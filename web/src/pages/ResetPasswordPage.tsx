import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { NewPasswordFields, useNewPassword } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useFragmentToken } from '../useFragmentToken';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

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
  const newPassword = useNewPassword();
  const submission = useSubmission();
  usePageTitle(t('resetPasswordTitle'));

  const invalid = submission.error instanceof ApiError && submission.error.code === 'reset_token_invalid';
  return (
    <Card id="reset" title={t('resetPasswordTitle')} page>
      {token === '' ? (
        <InvalidLink />
      ) : (
        <SubmitForm
          submission={submission}
          check={newPassword.confirmed}
          action={async () => {
            await auth.resetPassword({ token, new_password: newPassword.password });
            navigate('/signin?reset=1', { replace: true });
            return undefined;
          }}
          submitLabel={t('resetPasswordButton')}
          errorNotice={invalid ? <InvalidLink /> : undefined}
        >
          <NewPasswordFields idPrefix="reset" entry={newPassword} passwordError={submission.fieldError('new_password')} />
        </SubmitForm>
      )}
      <p className="aside">
        <Link to="/signin">{t('backToSignIn')}</Link>
      </p>
    </Card>
  );
}
