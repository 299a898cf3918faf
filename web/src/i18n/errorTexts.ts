import type { ErrorCode } from '../api/types';
import type { Language } from './messages';

/**
 * What each error code of the server means to a person, in each UI language.
 * Keyed by the server's own catalog (src/errors.ts): a code added there fails
 * `tsc -p web` here until both languages say it. The server's English message
 * is never shown; 429 answers get "try again in …" appended by the caller.
 */
type ErrorTexts = Readonly<Record<ErrorCode, string>>;

const en: ErrorTexts = {
  invalid_body: 'The request could not be read. Reload the page and try again.',
  invalid_url: 'This address is malformed.',
  reset_token_invalid: 'This password-reset link is invalid, expired or already used; request a new one.',
  email_token_invalid: 'This e-mail link is invalid, expired or already used.',
  invalid_host: 'The server does not accept the address it was reached at.',
  malformed_request: 'The request could not be understood. Reload the page and try again.',
  authentication_required: 'Please sign in to continue.',
  invalid_credentials: 'The email or password is incorrect.',
  token_invalid: 'Your session is no longer valid. Please sign in again.',
  token_expired: 'Your session has ended. Please sign in again.',
  token_revoked: 'You have been signed out, here or on another device. Please sign in again.',
  refresh_token_reused: 'Your session was ended for safety. Please sign in again.',
  second_factor_invalid: 'The code is incorrect or was already used.',
  second_step_expired: 'This sign-in step has expired. Please sign in again.',
  passkey_rejected: 'The passkey could not be verified.',
  account_disabled: 'This account is disabled.',
  password_reset_required: 'An administrator asked you to set a new password. Use "Forgot your password?" below to get a reset link, then sign in with the new password.',
  forbidden: 'This action is not allowed.',
  step_up_required: 'Confirm it is you with your passkey or authenticator code first.',
  csrf_missing: 'The page was open for too long. Reload it and try again.',
  csrf_mismatch: 'The page belongs to an earlier session. Reload it and try again.',
  csrf_expired: 'The page was open for too long. Reload it and try again.',
  csrf_origin: 'The request came from another site and was refused.',
  not_found: 'Not found.',
  dtc_not_found: 'This trouble code is not in the database.',
  method_not_allowed: 'The server does not allow this action here.',
  request_timeout: 'The request did not arrive in time. Try again.',
  email_taken: 'An account with this email already exists.',
  totp_already_enabled: 'An authenticator app is already set up. Remove it before adding another.',
  totp_enrolment_missing: 'Start setting up the authenticator app first.',
  recovery_codes_need_factor: 'Recovery codes need a passkey or an authenticator app first.',
  precondition_failed: 'The data changed meanwhile. Reload the page and try again.',
  payload_too_large: 'What you sent is too large.',
  unsupported_media_type: 'The server cannot read data of this kind.',
  range_not_satisfiable: 'The requested part cannot be served.',
  validation_failed: 'Some of the data is not valid. Please correct the highlighted fields.',
  passkey_registration_failed: 'The passkey could not be registered. Please try again.',
  vin_invalid: 'This is not a VIN.',
  vin_check_digit_mismatch: 'The VIN check digit does not match: the VIN is mistyped.',
  rate_limited: 'Too many requests.',
  login_throttled: 'Too many failed sign-in attempts.',
  refresh_rate_limited: 'The session was renewed too many times.',
  headers_too_large: 'The request is too large; clearing this site’s cookies may help.',
  internal_error: 'Something went wrong on the server. Please try again.',
  database_unavailable: 'The database is temporarily unavailable. Try again in a moment.',
  store_unavailable: 'The service is temporarily unavailable. Try again in a moment.',
  second_factor_unavailable: 'Authenticator-app codes are not set up on this server.',
  service_unavailable: 'The service is busy or temporarily unavailable. Try again in a moment.',
};

const hu: ErrorTexts = {
  invalid_body: 'A kérést nem sikerült feldolgozni. Töltse újra az oldalt, és próbálja újra.',
  invalid_url: 'Ez a cím hibás formátumú.',
  reset_token_invalid: 'Ez a jelszó-visszaállító hivatkozás érvénytelen, lejárt vagy már felhasználták; kérjen újat.',
  email_token_invalid: 'Ez a hivatkozás érvénytelen, lejárt vagy már felhasználták.',
  invalid_host: 'A szerver nem fogadja el a címet, amelyen elérték.',
  malformed_request: 'A kérés nem értelmezhető. Töltse újra az oldalt, és próbálja újra.',
  authentication_required: 'A folytatáshoz jelentkezzen be.',
  invalid_credentials: 'Hibás e-mail-cím vagy jelszó.',
  token_invalid: 'A munkamenet már nem érvényes. Jelentkezzen be újra.',
  token_expired: 'A munkamenet lejárt. Jelentkezzen be újra.',
  token_revoked: 'Kijelentkeztették, itt vagy egy másik eszközön. Jelentkezzen be újra.',
  refresh_token_reused: 'A munkamenetet biztonsági okból lezártuk. Jelentkezzen be újra.',
  second_factor_invalid: 'A kód hibás, vagy már felhasználták.',
  second_step_expired: 'Ez a bejelentkezési lépés lejárt. Jelentkezzen be újra.',
  passkey_rejected: 'A jelkulcsot nem sikerült ellenőrizni.',
  account_disabled: 'Ez a fiók le van tiltva.',
  password_reset_required: 'Az adminisztrátor új jelszó beállítását kérte. Kérjen visszaállító hivatkozást lent az „Elfelejtette a jelszavát?” lehetőséggel, majd jelentkezzen be az új jelszóval.',
  forbidden: 'Ez a művelet nem engedélyezett.',
  step_up_required: 'Előbb igazolja magát jelkulccsal vagy hitelesítő kóddal.',
  csrf_missing: 'Az oldal túl sokáig volt nyitva. Töltse újra, és próbálja újra.',
  csrf_mismatch: 'Az oldal egy korábbi munkamenethez tartozik. Töltse újra, és próbálja újra.',
  csrf_expired: 'Az oldal túl sokáig volt nyitva. Töltse újra, és próbálja újra.',
  csrf_origin: 'A kérés másik webhelyről érkezett, ezért elutasítottuk.',
  not_found: 'Nem található.',
  dtc_not_found: 'Ez a hibakód nincs az adatbázisban.',
  method_not_allowed: 'A szerver itt nem engedi ezt a műveletet.',
  request_timeout: 'A kérés nem érkezett meg időben. Próbálja újra.',
  email_taken: 'Ezzel az e-mail-címmel már van fiók.',
  totp_already_enabled: 'A hitelesítő alkalmazás már be van állítva. Előbb távolítsa el, ha újat adna hozzá.',
  totp_enrolment_missing: 'Előbb kezdje el a hitelesítő alkalmazás beállítását.',
  recovery_codes_need_factor: 'Helyreállító kódokhoz előbb jelkulcs vagy hitelesítő alkalmazás kell.',
  precondition_failed: 'Az adatok időközben megváltoztak. Töltse újra az oldalt, és próbálja újra.',
  payload_too_large: 'Az elküldött adat túl nagy.',
  unsupported_media_type: 'A szerver nem tudja feldolgozni ezt az adattípust.',
  range_not_satisfiable: 'A kért rész nem szolgálható ki.',
  validation_failed: 'Néhány adat nem megfelelő. Javítsa a megjelölt mezőket.',
  passkey_registration_failed: 'A jelkulcsot nem sikerült regisztrálni. Próbálja újra.',
  vin_invalid: 'Ez nem alvázszám (VIN).',
  vin_check_digit_mismatch: 'Az alvázszám ellenőrző jegye nem egyezik: elírás van benne.',
  rate_limited: 'Túl sok kérés.',
  login_throttled: 'Túl sok sikertelen bejelentkezési kísérlet.',
  refresh_rate_limited: 'A munkamenetet túl sokszor újították meg.',
  headers_too_large: 'A kérés túl nagy; segíthet, ha törli az oldal sütijeit.',
  internal_error: 'Hiba történt a szerveren. Próbálja újra.',
  database_unavailable: 'Az adatbázis átmenetileg nem érhető el. Próbálja újra egy kis idő múlva.',
  store_unavailable: 'A szolgáltatás átmenetileg nem érhető el. Próbálja újra egy kis idő múlva.',
  second_factor_unavailable: 'A hitelesítő alkalmazásos kódok ezen a szerveren nincsenek beállítva.',
  service_unavailable: 'A szolgáltatás túlterhelt vagy átmenetileg nem érhető el. Próbálja újra egy kis idő múlva.',
};

export const ERROR_TEXTS: Readonly<Record<Language, ErrorTexts>> = { hu, en };

/** True for a code of the server's catalog; an unknown one (a proxy's `http_502`, a newer server) is told by its status instead. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(en, code);
}
