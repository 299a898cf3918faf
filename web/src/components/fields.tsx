import { useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { useI18n } from '../i18n/i18n';

interface FieldFrame {
  readonly id: string;
  readonly label: string;
  readonly hint?: string | undefined;
  /** Shown under the field and tied to it with aria-describedby; marks it aria-invalid. */
  readonly error?: string | undefined;
}

function describedBy(frame: FieldFrame): string | undefined {
  const ids = [frame.hint === undefined ? undefined : `${frame.id}-hint`, frame.error === undefined ? undefined : `${frame.id}-error`].filter((id) => id !== undefined);
  return ids.length === 0 ? undefined : ids.join(' ');
}

/** Called with the new text on every change. */
interface ValueProp {
  readonly onValue: (value: string) => void;
}

/** The attributes that tie a control to its label, hint and error, and report its value as text. */
interface ControlAttributes {
  readonly id: string;
  readonly name: string;
  readonly 'aria-invalid': true | undefined;
  readonly 'aria-describedby': string | undefined;
  readonly onChange: (event: { target: { value: string } }) => void;
}

/** Label, hint and error around one control; `control` renders it with the attributes that tie it to them. */
function Frame({ frame, onValue, control }: { readonly frame: FieldFrame; readonly onValue: (value: string) => void; readonly control: (attributes: ControlAttributes) => ReactNode }) {
  const attributes: ControlAttributes = {
    id: frame.id,
    name: frame.id,
    'aria-invalid': frame.error === undefined ? undefined : true,
    'aria-describedby': describedBy(frame),
    onChange: (event) => {
      onValue(event.target.value);
    },
  };
  return (
    <div className={frame.error === undefined ? 'field' : 'field field-invalid'}>
      <label htmlFor={frame.id}>{frame.label}</label>
      {control(attributes)}
      {frame.hint === undefined ? null : (
        <p className="field-hint" id={`${frame.id}-hint`}>
          {frame.hint}
        </p>
      )}
      {frame.error === undefined ? null : (
        <p className="field-error" id={`${frame.id}-error`}>
          {frame.error}
        </p>
      )}
    </div>
  );
}

type InputProps = FieldFrame & ValueProp & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'onChange'>;

export function TextField({ id, label, hint, error, onValue, ...input }: InputProps) {
  return <Frame frame={{ id, label, hint, error }} onValue={onValue} control={(attributes) => <input {...attributes} {...input} />} />;
}

type TextAreaProps = FieldFrame & ValueProp & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'onChange'>;

export function TextAreaField({ id, label, hint, error, onValue, ...textarea }: TextAreaProps) {
  return <Frame frame={{ id, label, hint, error }} onValue={onValue} control={(attributes) => <textarea {...attributes} {...textarea} />} />;
}

type SelectProps = FieldFrame & ValueProp & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'onChange'> & { readonly children: ReactNode };

export function SelectField({ id, label, hint, error, onValue, children, ...select }: SelectProps) {
  return (
    <Frame
      frame={{ id, label, hint, error }}
      onValue={onValue}
      control={(attributes) => (
        <select {...attributes} {...select}>
          {children}
        </select>
      )}
    />
  );
}

/** What a person types as an authenticator-app code ("123 456" pasted with a space) sent as the six digits. */
export function compactCode(entry: string): string {
  return entry.replace(/\s/g, '');
}

/** An authenticator app's six digits: a numeric keypad, one-time-code autofill, room for a pasted "123 456". */
export function AuthenticatorCodeField(props: FieldFrame & ValueProp & Pick<InputProps, 'value' | 'autoFocus'>) {
  return <TextField inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]*" maxLength={7} required {...props} />;
}

/** The optional full name: registration and the profile. */
export function FullNameField(props: Omit<FieldFrame, 'label'> & ValueProp & { readonly value: string }) {
  const { t } = useI18n();
  return <TextField label={`${t('fullName')} ${t('optional')}`} autoComplete="name" maxLength={200} {...props} />;
}

/** The password a person already has: sign-in, and confirming a change to the account. */
export function PasswordField(props: FieldFrame & ValueProp & { readonly value: string }) {
  return <TextField type="password" autoComplete="current-password" required {...props} />;
}

/** A new password and its confirmation as typed, for {@link NewPasswordFields}. */
export interface NewPasswordEntry {
  readonly password: string;
  readonly confirmation: string;
  /** The two entries differed at the last check. */
  readonly mismatch: boolean;
  readonly setPassword: (value: string) => void;
  readonly setConfirmation: (value: string) => void;
  /** The check before submitting: true when the two agree, else the confirmation field is marked. */
  readonly confirmed: () => boolean;
  readonly clear: () => void;
}

export function useNewPassword(): NewPasswordEntry {
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  return {
    password,
    confirmation,
    mismatch,
    setPassword,
    setConfirmation,
    confirmed: () => {
      setMismatch(password !== confirmation);
      return password === confirmation;
    },
    clear: () => {
      setPassword('');
      setConfirmation('');
    },
  };
}

/** What both inputs of a new password share. */
const NEW_PASSWORD = { type: 'password', autoComplete: 'new-password', required: true } as const;

/** A new password and its confirmation: registration, password change and reset. */
export function NewPasswordFields({ idPrefix, entry, passwordError }: { readonly idPrefix: string; readonly entry: NewPasswordEntry; readonly passwordError: string | undefined }) {
  const { t } = useI18n();
  return (
    <>
      <TextField {...NEW_PASSWORD} id={`${idPrefix}-password`} label={t('newPassword')} minLength={12} hint={t('passwordHint')} value={entry.password} error={passwordError} onValue={entry.setPassword} />
      <TextField
        {...NEW_PASSWORD}
        id={`${idPrefix}-confirm`}
        label={t('confirmPassword')}
        value={entry.confirmation}
        error={entry.mismatch ? t('errorPasswordsDiffer') : undefined}
        onValue={entry.setConfirmation}
      />
    </>
  );
}
