import { useState } from 'react';
import { auth } from '../api/endpoints';
import { TextField } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

/** Asks for a reset link. The answer is the same whether or not the account exists, and so is the page. */
export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const submission = useSubmission();
  usePageTitle(t('forgotPasswordTitle'));

  return (
    <Card id="forgot" title={t('forgotPasswordTitle')} intro={t('forgotPasswordIntro')} page>
      <SubmitForm
        submission={submission}
        action={async () => {
          await auth.forgotPassword(email.trim());
          return 'forgotPasswordSent';
        }}
        submitLabel={t('forgotPasswordButton')}
        busyLabel={t('forgotPasswordSending')}
      >
        <TextField id="forgot-email" label={t('email')} type="email" autoComplete="username" required value={email} error={submission.fieldError('email')} onValue={setEmail} />
      </SubmitForm>
      <p className="aside">
        <Link to="/signin">{t('backToSignIn')}</Link>
      </p>
    </Card>
  );
}
