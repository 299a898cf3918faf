import type { SecurityEventCode } from '../api/types';
import type { Language } from './messages';

/**
 * What each security event and reason code means to a person, in each UI
 * language. Keyed by the server's own list (src/security/security-events.ts):
 * an event added there fails `tsc -p web` here until both languages say it.
 */
type EventTexts = Readonly<Record<SecurityEventCode, string>>;

const eventsEn: EventTexts = {
  sign_in_succeeded: 'Signed in',
  sign_in_failed: 'Failed sign-in',
  second_step_succeeded: 'Two-step verification passed',
  second_step_failed: 'Two-step verification failed',
  refresh_token_reused: 'A stolen or copied session was blocked',
  signed_out: 'Signed out',
  signed_out_everywhere: 'Signed out everywhere',
  session_ended: 'Session ended',
  password_changed: 'Password changed',
  password_reset: 'Password reset by e-mail link',
  email_change_requested: 'E-mail change requested',
  email_change_confirmed: 'E-mail address changed',
  email_verified: 'E-mail address verified',
  factor_added: 'Sign-in method added',
  factor_removed: 'Sign-in method removed',
  recovery_code_used: 'Recovery code used',
  account_erased: 'Account erased',
  admin_action: 'Change by an administrator',
};

const eventsHu: EventTexts = {
  sign_in_succeeded: 'Bejelentkezés',
  sign_in_failed: 'Sikertelen bejelentkezés',
  second_step_succeeded: 'Sikeres kétlépcsős azonosítás',
  second_step_failed: 'Sikertelen kétlépcsős azonosítás',
  refresh_token_reused: 'Ellopott vagy lemásolt munkamenet letiltva',
  signed_out: 'Kijelentkezés',
  signed_out_everywhere: 'Kijelentkezés mindenhonnan',
  session_ended: 'Munkamenet befejezve',
  password_changed: 'Jelszóváltoztatás',
  password_reset: 'Új jelszó e-mailes hivatkozással',
  email_change_requested: 'E-mail-cím módosításának kérése',
  email_change_confirmed: 'E-mail-cím módosítva',
  email_verified: 'E-mail-cím megerősítve',
  factor_added: 'Új bejelentkezési mód',
  factor_removed: 'Bejelentkezési mód törölve',
  recovery_code_used: 'Helyreállító kód felhasználva',
  account_erased: 'Fiók törölve',
  admin_action: 'Rendszergazdai módosítás',
};

/** Reasons the server records (failure reasons, factor kinds, admin actions); an unknown one is shown as its code. */
const reasonsEn: Readonly<Record<string, string>> = {
  invalid_credentials: 'wrong password',
  unknown_account: 'no such account',
  account_disabled: 'account disabled',
  throttled: 'too many attempts',
  totp_invalid: 'wrong authenticator code',
  recovery_code_invalid: 'wrong recovery code',
  passkey_rejected: 'passkey not accepted',
  password: 'with password',
  totp: 'authenticator app',
  passkey: 'passkey',
  recovery_code: 'recovery code',
  recovery_codes: 'recovery codes',
  deactivated: 'account deactivated',
  activated: 'account reactivated',
  second_factors_reset: 'every sign-in method removed',
  role_changed: 'role changed',
  expired: 'expired',
  revoked: 'ended',
};

const reasonsHu: Readonly<Record<string, string>> = {
  invalid_credentials: 'hibás jelszó',
  unknown_account: 'nincs ilyen fiók',
  account_disabled: 'letiltott fiók',
  throttled: 'túl sok próbálkozás',
  totp_invalid: 'hibás hitelesítő kód',
  recovery_code_invalid: 'hibás helyreállító kód',
  passkey_rejected: 'a jelkulcsot nem fogadta el',
  password: 'jelszó',
  totp: 'hitelesítő alkalmazás',
  passkey: 'jelkulcs',
  recovery_code: 'helyreállító kód',
  recovery_codes: 'helyreállító kódok',
  deactivated: 'a fiók letiltva',
  activated: 'a fiók újra engedélyezve',
  second_factors_reset: 'minden bejelentkezési mód törölve',
  role_changed: 'szerepkör módosítva',
  expired: 'lejárt',
  revoked: 'befejezve',
};

const EVENTS: Readonly<Record<Language, EventTexts>> = { en: eventsEn, hu: eventsHu };
const REASONS: Readonly<Record<Language, Readonly<Record<string, string>>>> = { en: reasonsEn, hu: reasonsHu };

export function securityEventText(language: Language, event: string): string {
  const texts = EVENTS[language];
  return Object.hasOwn(texts, event) ? texts[event as SecurityEventCode] : event;
}

export function securityReasonText(language: Language, reason: string): string {
  const texts = REASONS[language];
  return Object.hasOwn(texts, reason) ? (texts[reason] ?? reason) : reason;
}

/**
 * The server's device label ("Firefox 133 on Linux", src/security/device-label.ts) in the UI's
 * language: the Hungarian page shows "Firefox 133 (Linux)", no English word.
 */
export function deviceText(language: Language, label: string): string {
  if (language === 'en') return label;
  const match = /^(.+) on (.+)$/.exec(label);
  return match === null ? label : `${match[1] ?? ''} (${match[2] ?? ''})`;
}

/** Every event code with a text in every language: for tests. */
export const SECURITY_EVENT_TEXTS = EVENTS;
export const SECURITY_REASON_TEXTS = REASONS;
