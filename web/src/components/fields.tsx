import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
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

function Frame({ frame, children }: { readonly frame: FieldFrame; readonly children: ReactNode }) {
  return (
    <div className={frame.error === undefined ? 'field' : 'field field-invalid'}>
      <label htmlFor={frame.id}>{frame.label}</label>
      {children}
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

type InputProps = FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>;

export function TextField({ id, label, hint, error, ...input }: InputProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <input id={id} name={id} aria-invalid={error === undefined ? undefined : true} aria-describedby={describedBy(frame)} {...input} />
    </Frame>
  );
}

type TextAreaProps = FieldFrame & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'>;

export function TextAreaField({ id, label, hint, error, ...textarea }: TextAreaProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <textarea id={id} name={id} aria-invalid={error === undefined ? undefined : true} aria-describedby={describedBy(frame)} {...textarea} />
    </Frame>
  );
}

type SelectProps = FieldFrame & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> & { readonly children: ReactNode };

export function SelectField({ id, label, hint, error, children, ...select }: SelectProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <select id={id} name={id} aria-invalid={error === undefined ? undefined : true} aria-describedby={describedBy(frame)} {...select}>
        {children}
      </select>
    </Frame>
  );
}

interface NewPasswordFieldsProps {
  /** Id of the new-password input. */
  readonly newId: string;
  /** Id of its confirmation. */
  readonly confirmId: string;
  readonly password: string;
  readonly confirmation: string;
  /** The server's complaint about the new password, if any. */
  readonly passwordError: string | undefined;
  /** The two entries differ (checked before submitting). */
  readonly mismatch: boolean;
  readonly onPasswordChange: (value: string) => void;
  readonly onConfirmationChange: (value: string) => void;
}

/** A new password and its confirmation: registration, password change and reset. */
export function NewPasswordFields(props: NewPasswordFieldsProps) {
  const { t } = useI18n();
  return (
    <>
      <TextField
        id={props.newId}
        label={t('newPassword')}
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        hint={t('passwordHint')}
        value={props.password}
        error={props.passwordError}
        onChange={(event) => {
          props.onPasswordChange(event.target.value);
        }}
      />
      <TextField
        id={props.confirmId}
        label={t('confirmPassword')}
        type="password"
        autoComplete="new-password"
        required
        value={props.confirmation}
        error={props.mismatch ? t('errorPasswordsDiffer') : undefined}
        onChange={(event) => {
          props.onConfirmationChange(event.target.value);
        }}
      />
    </>
  );
}
