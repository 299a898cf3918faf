import { useState } from 'react';
import { auth } from '../api/endpoints';
import { FullNameField, NewPasswordFields, TextField, useNewPassword } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

export function RegisterPage() {
  const { t, language } = useI18n();
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const newPassword = useNewPassword();
  const submission = useSubmission();
  usePageTitle(t('registerTitle'));

  return (
    <Card id="register" title={t('registerTitle')} page>
      <SubmitForm
        submission={submission}
        check={newPassword.confirmed}
        action={async () => {
          // The account's mail is written in the language the user registered in.
          await auth.register({ email, password: newPassword.password, language, ...(fullName.trim() === '' ? {} : { full_name: fullName.trim() }) });
          navigate('/signin?registered=1');
          return undefined;
        }}
        submitLabel={t('registerButton')}
        busyLabel={t('registering')}
      >
        <TextField id="register-email" label={t('email')} type="email" autoComplete="email" required value={email} error={submission.fieldError('email')} onValue={setEmail} />
        <FullNameField id="register-name" value={fullName} error={submission.fieldError('full_name')} onValue={setFullName} />
        <NewPasswordFields idPrefix="register" entry={newPassword} passwordError={submission.fieldError('password')} />
      </SubmitForm>
      <p className="aside">
        {t('haveAccount')} <Link to="/signin">{t('navSignIn')}</Link>
      </p>
    </Card>
  );
}
