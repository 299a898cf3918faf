import type { Clock } from '../clock.js';
import type { SignInHistoryRepository } from '../db/repositories/sign-in-history.js';
import type { User, UsersRepository } from '../db/repositories/users.js';
import { composeMail, type MailBlock, type MailLanguage } from '../mail/compose.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { deviceLabel } from './device-label.js';
import type { SecurityEvent, SecurityEventCode, SecurityEventListener } from './security-events.js';
import { coarsenAddress } from './sessions.js';
import { notificationMailsKey } from './store-keys.js';

/** At most this many notification mails per user in one hour: nothing anyone does can flood an inbox. */
export const NOTIFICATION_MAILS_PER_HOUR = 20;
const HOUR_MS = 3_600_000;
/** A sign-in from a device and network not seen in this window (and not the account's first) is mailed about. */
export const NEW_SIGN_IN_WINDOW_MS = 90 * 86_400_000;

/**
 * The events the owner is told about by mail. Only what happens with the
 * account's own credentials or sessions: a failed sign-in (which any stranger
 * can cause) never sends mail.
 */
export const NOTIFIED_EVENTS: ReadonlySet<SecurityEventCode> = new Set<SecurityEventCode>([
  'sign_in_succeeded',
  'password_changed',
  'password_reset',
  'factor_added',
  'factor_removed',
  'recovery_code_used',
  'refresh_token_reused',
]);

/** Why a notification was not sent, for the log. */
export type SkippedNotification = 'cap_reached' | 'store_unavailable';

export interface SecurityNotificationsOptions {
  readonly users: UsersRepository;
  readonly history: SignInHistoryRepository;
  readonly store: KeyValueStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The web app's origin: every mail links to `<publicUrl>/account/security`. */
  readonly publicUrl: string;
  /** A notification that could not be prepared or sent (never blocks or fails the request). */
  readonly onError: (error: unknown, event: SecurityEventCode) => void;
  /** A notification deliberately not sent (the per-user cap, or the store that counts it did not answer). */
  readonly onSkipped: (reason: SkippedNotification, event: SecurityEventCode, error?: unknown) => void;
  readonly mailsPerHour?: number;
}

/** A device label as it may appear in a mail: no URL or domain a mail client would turn into a link (the User-Agent is the client's to choose). */
export function mailSafeDevice(label: string | null): string | null {
  if (label === null) return null;
  const safe = label
    .replace(/[^\p{L}\p{N} .()+-]+/gu, ' ')
    .replace(/\.(?!\d)|(?<!\d)\./g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 64);
  return safe === '' ? null : safe;
}

/** The device as compared across sign-ins: without version numbers, so a browser update is not a new device. */
export function comparableDevice(label: string | null): string {
  return (label ?? '').replace(/\d+(\.\d+)*/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The network an address belongs to (IPv4 /24, IPv6 /48); an address already stored coarsened stays as it is. */
export function networkOf(address: string | null): string {
  if (address === null) return '';
  return address.includes('/') ? address : (coarsenAddress(address) ?? address);
}

/**
 * Mails the owner of an account about security events on it: a sign-in from
 * a new device or network, a password change or reset, second factors added
 * or removed, a recovery code used, and a refresh token used twice. It is a
 * listener of the security event hub: it takes the event at once and mails
 * later, so a request never waits for (or fails with) a mail. Each mail is in
 * the user's language, as plain text and escaped HTML, and links to the
 * security page. A per-user cap in the key-value store bounds how many go out.
 */
export class SecurityNotifications {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: SecurityNotificationsOptions) {}

  /** Subscribe this to `security.events`. */
  readonly listener: SecurityEventListener = (event) => {
    if (!NOTIFIED_EVENTS.has(event.code) || event.userId === null) return;
    const job: Promise<void> = this.notify(event, event.userId)
      .catch((error: unknown) => {
        this.options.onError(error, event.code);
      })
      .finally(() => {
        this.pending.delete(job);
      });
    this.pending.add(job);
  };

  /** Resolves when every notification taken so far is sent or given up (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async notify(event: SecurityEvent, userId: string): Promise<void> {
    const user = await this.options.users.findById(userId);
    if (user === undefined) return;
    if (event.code === 'sign_in_succeeded' && !(await this.isNewSignIn(event, userId))) return;
    if (!(await this.withinCap(event, userId))) return;
    await this.options.mailer.send(this.messageFor(event, user));
  }

  /**
   * Whether no sign-in of the last 90 days came from this device (its label
   * without version numbers) and network. A new account's first sign-in is
   * not news to its owner.
   */
  private async isNewSignIn(event: SecurityEvent, userId: string): Promise<boolean> {
    const { history } = this.options;
    const device = comparableDevice(deviceLabel(event.userAgent));
    const network = networkOf(event.address);
    const earlier = await history.signInsBetween(userId, event.occurredAtMs - NEW_SIGN_IN_WINDOW_MS, event.occurredAtMs);
    if (earlier.some((signIn) => comparableDevice(signIn.device) === device && networkOf(signIn.address) === network)) return false;
    return earlier.length > 0 || (await history.hasSignInBefore(userId, event.occurredAtMs));
  }

  /** Counts this mail; false past the hourly cap, or when the store does not answer (the mail is skipped, never the request failed). */
  private async withinCap(event: SecurityEvent, userId: string): Promise<boolean> {
    let count: number;
    try {
      ({ count } = await this.options.store.increment(notificationMailsKey(userId), HOUR_MS));
    } catch (error) {
      this.options.onSkipped('store_unavailable', event.code, error);
      return false;
    }
    if (count > (this.options.mailsPerHour ?? NOTIFICATION_MAILS_PER_HOUR)) {
      this.options.onSkipped('cap_reached', event.code);
      return false;
    }
    return true;
  }

  private messageFor(event: SecurityEvent, user: User): MailMessage {
    const language = user.language;
    const text = notificationText(event, language);
    const details = detailLines(event, language);
    const securityPage = `${this.options.publicUrl}/account/security`;
    const blocks: MailBlock[] = [...text.lead, ...details, ...text.advice, SECURITY_PAGE_INTRO[language], { url: securityPage }, FOOTER[language]];
    return composeMail(user.email, language, `AutoCognitix: ${text.subject}`, blocks);
  }
}

interface NotificationText {
  readonly subject: string;
  readonly lead: readonly string[];
  readonly advice: readonly string[];
}

const SECURITY_PAGE_INTRO: Readonly<Record<MailLanguage, string>> = {
  hu: 'A fiókod biztonsági eseményeit és munkameneteit itt nézheted meg:',
  en: "Your account's security activity and sessions are here:",
};
const FOOTER: Readonly<Record<MailLanguage, string>> = {
  hu: 'Ezt a levelet az AutoCognitix automatikusan küldte a fiókod védelmében; nem kell rá válaszolnod.',
  en: 'AutoCognitix sent this mail automatically to protect your account; there is no need to reply.',
};

const NOT_YOU: Readonly<Record<MailLanguage, string>> = {
  hu: 'Ha nem te voltál, azonnal változtasd meg a jelszavad, és a Biztonság oldalon léptess ki minden munkamenetet.',
  en: 'If it was not you, change your password now and sign out every session on the security page.',
};

const FACTOR_NAMES: Readonly<Record<MailLanguage, Readonly<Record<string, string>>>> = {
  hu: { totp: 'hitelesítő alkalmazás', passkey: 'jelkulcs', recovery_codes: 'helyreállító kódok' },
  en: { totp: 'an authenticator app', passkey: 'a passkey', recovery_codes: 'recovery codes' },
};

function notificationText(event: SecurityEvent, language: MailLanguage): NotificationText {
  const hu = language === 'hu';
  switch (event.code) {
    case 'sign_in_succeeded':
      return hu
        ? { subject: 'új bejelentkezés a fiókodba', lead: ['Új eszközről vagy hálózatról jelentkeztek be az AutoCognitix fiókodba.'], advice: ['Ha te voltál, nincs teendőd.', NOT_YOU.hu] }
        : { subject: 'a new sign-in to your account', lead: ['Your AutoCognitix account was signed in to from a new device or network.'], advice: ['If it was you, there is nothing to do.', NOT_YOU.en] };
    case 'password_changed':
      return hu
        ? { subject: 'a jelszavad megváltozott', lead: ['Az AutoCognitix fiókod jelszava megváltozott. A többi munkameneted véget ért.'], advice: ['Ha nem te voltál, kérj új jelszót a bejelentkezési oldalon („Elfelejtett jelszó”): ez mindenkit kiléptet.'] }
        : { subject: 'your password was changed', lead: ['The password of your AutoCognitix account was changed. Your other sessions have ended.'], advice: ['If it was not you, reset your password from the sign-in page ("Forgot password"): that signs everyone out.'] };
    case 'password_reset':
      return hu
        ? { subject: 'a jelszavadat visszaállították', lead: ['Az AutoCognitix fiókod jelszavát egy e-mailben küldött hivatkozással visszaállították. Minden munkameneted véget ért.'], advice: ['Ha nem te voltál, valaki hozzáfér a postafiókodhoz: védd meg azt, majd kérj új jelszót.'] }
        : { subject: 'your password was reset', lead: ['The password of your AutoCognitix account was reset with a link sent by e-mail. Every session of yours has ended.'], advice: ['If it was not you, someone can read your mailbox: secure it, then reset your password again.'] };
    case 'factor_added': {
      const name = FACTOR_NAMES[language][event.reason ?? ''] ?? FACTOR_NAMES[language].totp ?? '';
      if (event.reason === 'recovery_codes') {
        return hu
          ? { subject: 'új helyreállító kódok', lead: ['A fiókodhoz új helyreállító kódokat generáltak; a korábbiak már nem működnek.'], advice: [NOT_YOU.hu] }
          : { subject: 'new recovery codes', lead: ['New recovery codes were generated for your account; the earlier ones no longer work.'], advice: [NOT_YOU.en] };
      }
      return hu
        ? { subject: 'új második lépés a fiókodban', lead: [`A fiókodhoz most egy új második lépést adtak hozzá: ${name}.`], advice: [NOT_YOU.hu] }
        : { subject: 'a second factor was added', lead: [`A second factor was just added to your account: ${name}.`], advice: [NOT_YOU.en] };
    }
    case 'factor_removed': {
      const name = FACTOR_NAMES[language][event.reason ?? ''] ?? FACTOR_NAMES[language].totp ?? '';
      return hu
        ? { subject: 'egy második lépést eltávolítottak', lead: [`A fiókodból eltávolítottak egy második lépést: ${name}.`], advice: [NOT_YOU.hu] }
        : { subject: 'a second factor was removed', lead: [`A second factor was removed from your account: ${name}.`], advice: [NOT_YOU.en] };
    }
    case 'recovery_code_used':
      return hu
        ? { subject: 'helyreállító kódot használtak', lead: ['Valaki egy helyreállító kóddal igazolta magát a fiókodban. Minden kód csak egyszer használható.'], advice: ['Ha nem te voltál, azonnal változtasd meg a jelszavad, és generálj új helyreállító kódokat.'] }
        : { subject: 'a recovery code was used', lead: ['A recovery code of your account was just used. Each code works once.'], advice: ['If it was not you, change your password now and generate new recovery codes.'] };
    case 'refresh_token_reused':
      return hu
        ? {
            subject: 'egy munkamenetedet lezártuk',
            lead: ['Egy munkameneted bejelentkezési tokenjét kétszer használták fel: lehet, hogy valaki lemásolta. Ezt az egy munkamenetet lezártuk; a többi munkameneted nem változott.'],
            advice: ['Ha ezen az eszközön ki lettél jelentkeztetve, jelentkezz be újra. Ha gyanús, léptess ki minden munkamenetet, és változtasd meg a jelszavad.'],
          }
        : {
            subject: 'one of your sessions was ended',
            lead: ["The sign-in token of one of your sessions was used twice: someone may have copied it. That one session was ended; your other sessions are unchanged."],
            advice: ['If you were signed out on that device, sign in again. If anything looks wrong, sign out every session and change your password.'],
          };
    default:
      throw new Error(`no notification text for ${event.code}`);
  }
}

/** When, from which device and network: enough for the owner to recognise it, nothing a stranger could use. */
function detailLines(event: SecurityEvent, language: MailLanguage): string[] {
  const hu = language === 'hu';
  const time = `${new Date(event.occurredAtMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const device = mailSafeDevice(deviceLabel(event.userAgent)) ?? (hu ? 'ismeretlen' : 'unknown');
  const network = event.address === null ? (hu ? 'ismeretlen' : 'unknown') : networkOf(event.address);
  return hu ? [`Időpont: ${time}`, `Eszköz: ${device}`, `Hálózat: ${network}`] : [`Time: ${time}`, `Device: ${device}`, `Network: ${network}`];
}
