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
  password: 'with password',
  second_factor: 'with password and a second factor',
  passkey: 'passkey',
  unknown_account: 'no such account',
  wrong_password: 'wrong password',
  account_disabled: 'account locked',
  password_reset_required: 'a new password is required',
  rate_limited: 'too many attempts',
  passkey_rejected: 'passkey not accepted',
  after_grace: 'an old sign-in token was used again',
  stale: 'an old sign-in token was used again',
  totp: 'authenticator app',
  recovery_code: 'recovery code',
  recovery_codes: 'recovery codes',
  confirmed: 'confirmed',
  undone: 'undone',
  lock: 'account locked',
  unlock: 'account unlocked',
  end_sessions: 'every session ended',
  require_password_reset: 'a new password required',
  reset_factors: 'every second factor removed',
  cli_lock: 'account locked (command line)',
  cli_unlock: 'account unlocked (command line)',
};

const reasonsHu: Readonly<Record<string, string>> = {
  password: 'jelszó',
  second_factor: 'jelszóval és második lépéssel',
  passkey: 'jelkulcs',
  unknown_account: 'nincs ilyen fiók',
  wrong_password: 'hibás jelszó',
  account_disabled: 'zárolt fiók',
  password_reset_required: 'új jelszót kell beállítani',
  rate_limited: 'túl sok próbálkozás',
  passkey_rejected: 'a jelkulcsot nem fogadta el',
  after_grace: 'egy régi bejelentkezési tokent újra felhasználtak',
  stale: 'egy régi bejelentkezési tokent újra felhasználtak',
  totp: 'hitelesítő alkalmazás',
  recovery_code: 'helyreállító kód',
  recovery_codes: 'helyreállító kódok',
  confirmed: 'megerősítve',
  undone: 'visszavonva',
  lock: 'a fiók zárolva',
  unlock: 'a fiók zárolása feloldva',
  end_sessions: 'minden munkamenet befejezve',
  require_password_reset: 'új jelszó előírva',
  reset_factors: 'minden második lépés törölve',
  cli_lock: 'a fiók zárolva (parancssor)',
  cli_unlock: 'a fiók zárolása feloldva (parancssor)',
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
