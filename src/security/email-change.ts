import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { EmailTakenError, normalizeEmail, type UserWithPasswordHash, type UsersRepository } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import { composeMail, type MailLanguage } from '../mail/compose.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import type { EmailVerificationService } from './email-verification.js';
import type { PasswordResetService } from './password-reset.js';
import type { RequestOrigin, SecurityEvents } from './security-events.js';
import type { SessionService } from './sessions.js';
import { emailChangeKey, emailChangeKeyOfDigest, emailChangeUndoKey, emailChangeUserKey, storedDigest } from './store-keys.js';
import type { AttemptOrigin } from './throttle.js';

/** A confirmation link (to the new address) works for one hour, once. */
export const EMAIL_CHANGE_TTL_MS = 3_600_000;
/** The undo link (to the old address) works for seven days, once: long enough to notice a mail. */
export const EMAIL_CHANGE_UNDO_TTL_MS = 7 * 86_400_000;

interface PendingChange {
  readonly userId: string;
  readonly from: string;
  readonly to: string;
  /** The session that asked for the change: the one that stays signed in. */
  readonly family: string;
  readonly expiresAtMs: number;
}

interface UndoGrant {
  readonly userId: string;
  /** The address to return to. */
  readonly from: string;
  /** The address the account moved to; the undo works only while it is still there. */
  readonly to: string;
  readonly expiresAtMs: number;
}

export interface EmailChangeOptions {
  readonly store: KeyValueStore;
  readonly users: UsersRepository;
  readonly sessions: SessionService;
  readonly passwordReset: PasswordResetService;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The web app's origin; links are `<publicUrl>/confirm-email#token=…` and `<publicUrl>/undo-email-change#token=…`. */
  readonly publicUrl: string;
  readonly onMailError: (error: unknown) => void;
  readonly events: SecurityEvents;
  /** Voids a pending verification link when the address moves (the move itself verifies the new address). */
  readonly emailVerification?: Pick<EmailVerificationService, 'voidPendingLink'>;
}

/** A stored link record, or undefined for anything malformed. */
function parseRecord(stored: string | null): (PendingChange & UndoGrant) | undefined {
  if (stored === null) return undefined;
  try {
    const value = JSON.parse(stored) as PendingChange & UndoGrant;
    return typeof value.userId === 'string' && typeof value.from === 'string' && typeof value.to === 'string' && typeof value.expiresAtMs === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Changing the sign-in address, so that a stolen access token cannot take
 * the account over: the current password is required (throttled like a
 * sign-in), the change happens only when the link mailed to the new address
 * is followed (single use, one hour, stored hashed), the old address is told
 * and gets a link that undoes it, pending password resets die, and every
 * other session ends.
 */
export class EmailChangeService {
  constructor(private readonly options: EmailChangeOptions) {}

  async requestChange(user: UserWithPasswordHash, request: { newEmail: string; password: string; family: string; attempt: AttemptOrigin; origin?: RequestOrigin }): Promise<void> {
    await this.options.sessions.verifyStepUp(user, request.password, request.attempt);
    const to = normalizeEmail(request.newEmail);
    if (to === user.email) throw new HttpError('validation_failed', { details: [{ field: 'new_email', message: 'is already your address', problem: 'same_email' }] });
    if ((await this.options.users.findByEmail(to)) !== undefined) throw new HttpError('email_taken');
    const token = randomBytes(32).toString('base64url');
    const pending: PendingChange = { userId: user.id, from: user.email, to, family: request.family, expiresAtMs: this.options.clock.now() + EMAIL_CHANGE_TTL_MS };
    // One pending change per account: a new request voids the previous link.
    const previous = await this.options.store.getAndDelete(emailChangeUserKey(user.id));
    if (previous !== null) await this.options.store.delete(emailChangeKeyOfDigest(previous));
    await this.options.store.set(emailChangeKey(token), JSON.stringify(pending), EMAIL_CHANGE_TTL_MS);
    await this.options.store.set(emailChangeUserKey(user.id), storedDigest(token), EMAIL_CHANGE_TTL_MS);
    this.options.events.record({ code: 'email_change_requested', userId: user.id, origin: request.origin, sessionId: request.family });
    this.mail(confirmMail(to, user.language, `${this.options.publicUrl}/confirm-email#token=${token}`));
  }

  /** Follows the link sent to the new address: the account moves there, and the old address can undo it. */
  async confirm(token: string, origin?: RequestOrigin): Promise<void> {
    // Atomic: of two racing confirmations with one link, only one gets the change.
    const pending = parseRecord(await this.options.store.getAndDelete(emailChangeKey(token)));
    if (pending === undefined || this.options.clock.now() >= pending.expiresAtMs) throw new HttpError('email_token_invalid');
    await this.options.store.delete(emailChangeUserKey(pending.userId));
    const user = await this.options.users.findById(pending.userId);
    if (user?.isActive !== true || !(await this.moveAddress(pending.userId, pending.from, pending.to))) throw new HttpError('email_token_invalid');
    await this.options.passwordReset.voidPendingReset(pending.userId);
    await this.options.emailVerification?.voidPendingLink(pending.userId);
    await this.options.sessions.endSessionsExcept(pending.userId, pending.family);

    const undoToken = randomBytes(32).toString('base64url');
    const undo: UndoGrant = { userId: pending.userId, from: pending.from, to: pending.to, expiresAtMs: this.options.clock.now() + EMAIL_CHANGE_UNDO_TTL_MS };
    await this.options.store.set(emailChangeUndoKey(undoToken), JSON.stringify(undo), EMAIL_CHANGE_UNDO_TTL_MS);
    this.options.events.record({ code: 'email_change_confirmed', userId: pending.userId, origin, sessionId: pending.family, reason: 'confirmed' });
    this.mail(changedMail(pending.from, user.language, pending.to, `${this.options.publicUrl}/undo-email-change#token=${undoToken}`, `${this.options.publicUrl}/account/security`));
  }

  /** Follows the link sent to the old address: the account returns there and every session ends. */
  async undo(token: string, origin?: RequestOrigin): Promise<void> {
    const grant = parseRecord(await this.options.store.getAndDelete(emailChangeUndoKey(token)));
    if (grant === undefined || this.options.clock.now() >= grant.expiresAtMs) throw new HttpError('email_token_invalid');
    if (!(await this.moveAddress(grant.userId, grant.to, grant.from))) throw new HttpError('email_token_invalid');
    const pendingChange = await this.options.store.getAndDelete(emailChangeUserKey(grant.userId));
    if (pendingChange !== null) await this.options.store.delete(emailChangeKeyOfDigest(pendingChange));
    await this.options.passwordReset.voidPendingReset(grant.userId);
    await this.options.emailVerification?.voidPendingLink(grant.userId);
    // Whoever changed the address may hold a session (and may have changed the password): all of them end.
    await this.options.sessions.endAllSessions(grant.userId);
    this.options.events.record({ code: 'email_change_confirmed', userId: grant.userId, origin, reason: 'undone' });
  }

  private async moveAddress(userId: string, from: string, to: string): Promise<boolean> {
    try {
      // The link was mailed to `to` and followed: that address is verified now.
      return await this.options.users.changeEmailIf(userId, from, to, new Date(this.options.clock.now()).toISOString());
    } catch (error) {
      if (error instanceof EmailTakenError) throw new HttpError('email_taken');
      throw error;
    }
  }

  /** In the background: timing says nothing, and a mail server outage does not undo a change already made. */
  private mail(message: MailMessage): void {
    this.options.mailer.send(message).catch(this.options.onMailError);
  }
}

function confirmMail(to: string, language: MailLanguage, link: string): MailMessage {
  return language === 'hu'
    ? composeMail(to, language, 'AutoCognitix: új e-mail-cím megerősítése', [
        'Ezt a címet adták meg egy AutoCognitix fiók új bejelentkezési címeként. A változás csak akkor lép életbe, ha megnyitod ezt a hivatkozást (egy óráig, egyszer használható):',
        { url: link },
        'Ha nem te kérted, hagyd figyelmen kívül ezt a levelet: semmi sem változik.',
      ])
    : composeMail(to, language, 'AutoCognitix: confirm your new e-mail address', [
        'This address was given as the new sign-in address of an AutoCognitix account. The change happens only if you open this link (it works once, for one hour):',
        { url: link },
        'If it was not you, ignore this mail: nothing changes.',
      ]);
}

function changedMail(to: string, language: MailLanguage, newAddress: string, undoLink: string, securityPage: string): MailMessage {
  return language === 'hu'
    ? composeMail(to, language, 'AutoCognitix: a fiókod e-mail-címe megváltozott', [
        `Az AutoCognitix fiókod bejelentkezési címe mostantól: ${newAddress}. A többi munkameneted véget ért.`,
        'Ha nem te voltál, ezzel a hivatkozással visszaállíthatod a régi címet és kiléptethetsz mindenkit (hét napig, egyszer használható), majd kérj új jelszót:',
        { url: undoLink },
        'A fiókod biztonsági eseményeit itt nézheted meg:',
        { url: securityPage },
      ])
    : composeMail(to, language, 'AutoCognitix: your account e-mail address changed', [
        `The sign-in address of your AutoCognitix account is now ${newAddress}. Your other sessions have ended.`,
        'If it was not you, this link restores your old address and signs everyone out (it works once, for seven days); then reset your password:',
        { url: undoLink },
        "Your account's security activity is here:",
        { url: securityPage },
      ]);
}
