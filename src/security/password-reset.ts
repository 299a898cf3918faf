import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { UsersRepository } from '../db/repositories/users.js';
import type { EmailVerificationService } from './email-verification.js';
import { HttpError } from '../errors.js';
import { composeMail, type MailLanguage } from '../mail/compose.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { securityMetrics } from '../observability/metrics.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { assertAcceptableNewPassword, hashNewPassword } from './passwords.js';
import type { RequestOrigin, SecurityEvents } from './security-events.js';
import type { SessionService } from './sessions.js';
import {
  passwordResetDecoyKey,
  passwordResetKey,
  passwordResetKeyOfDigest,
  passwordResetUserKey,
  resetRequestsByAccountKey,
  resetRequestsByAddressKey,
  storedDigest,
} from './store-keys.js';

/** A reset link works for one hour, once; requests are budgeted per account and per client address in one hour. */
const RESET_LIMITS = { linkTtlMs: 3_600_000, requestsPerAccount: 3, requestsPerAddress: 10, requestWindowMs: 3_600_000 } as const;

export interface PasswordResetOptions {
  readonly store: KeyValueStore;
  readonly users: UsersRepository;
  readonly sessions: SessionService;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The web app's origin; the link is `<publicUrl>/reset-password#token=…` (a fragment never reaches a server log). */
  readonly publicUrl: string;
  /** Reports a mail that could not be sent (never the link). */
  readonly onMailError: (error: unknown) => void;
  readonly events: SecurityEvents;
  /** Says whether a reset mail may go to an unverified address now (one an hour; none with REQUIRE_VERIFIED_EMAIL). */
  readonly emailVerification?: Pick<EmailVerificationService, 'resetMailAllowed'>;
}

/**
 * Forgotten passwords. A request always gets the same answer whether or not
 * the account exists; the mail goes out in the background so timing says
 * nothing either. Requesting a new link voids the previous one, and a link
 * works once.
 */
export class PasswordResetService {
  constructor(private readonly options: PasswordResetOptions) {}

  async requestReset(email: string, clientAddress: string): Promise<void> {
    await this.throttle(email, clientAddress);
    const user = await this.options.users.findByEmail(email);
    const token = randomBytes(32).toString('base64url');
    const mailAllowed = user?.isActive === true && (await this.options.emailVerification?.resetMailAllowed(user)) !== false;
    if (user?.isActive !== true || !mailAllowed) {
      // The same store round trips as for a real account; the same answer for an unverified address over its budget.
      await this.options.store.set(passwordResetDecoyKey(token), '0', 1000);
      return;
    }
    const expiresAtMs = this.options.clock.now() + RESET_LIMITS.linkTtlMs;
    await this.voidPendingReset(user.id);
    await this.options.store.set(passwordResetKey(token), `${user.id}:${expiresAtMs}`, RESET_LIMITS.linkTtlMs);
    await this.options.store.set(passwordResetUserKey(user.id), storedDigest(token), RESET_LIMITS.linkTtlMs);
    securityMetrics.passwordResetTokensIssued.inc();
    const link = `${this.options.publicUrl}/reset-password#token=${token}`;
    this.options.mailer.send(resetMail(user.email, user.language, link)).catch(this.options.onMailError);
  }

  /**
   * Sets a new password with a link's token. A new password that fails the
   * policy is refused without using the token up. Every session of the user
   * ends: whoever knew the old password is out.
   */
  async resetPassword(token: string, newPassword: string, origin?: RequestOrigin): Promise<void> {
    const key = passwordResetKey(token);
    const stored = await this.options.store.get(key);
    const [userId = '', expiresAt = '0'] = (stored ?? '').split(':');
    if (stored === null || this.options.clock.now() >= Number(expiresAt)) throw new HttpError('reset_token_invalid');
    const user = await this.options.users.findById(userId);
    if (user?.isActive !== true) throw new HttpError('reset_token_invalid');
    // Before the token is used up: a refused password leaves the link working.
    assertAcceptableNewPassword(newPassword, user.email, 'new_password');
    // Atomic: of two racing resets with one token, only one gets past here.
    if ((await this.options.store.getAndDelete(key)) === null) throw new HttpError('reset_token_invalid');
    await this.options.store.delete(passwordResetUserKey(user.id));
    await this.options.users.updatePasswordHash(user.id, await hashNewPassword(newPassword, user.email, 'new_password'));
    // The new password an admin's "reset required" asked for.
    if (user.passwordResetRequired) await this.options.users.setPasswordResetRequired(user.id, false, new Date(this.options.clock.now()).toISOString());
    await this.options.sessions.endAllSessions(user.id);
    // The owner proved themselves: a lock strangers put on the account ends here.
    await this.options.sessions.clearSignInLock(user.email);
    this.options.events.record({ code: 'password_reset', userId: user.id, origin });
  }

  /** Voids the user's unused reset link, if any (the account's address changed). */
  async voidPendingReset(userId: string): Promise<void> {
    const previous = await this.options.store.getAndDelete(passwordResetUserKey(userId));
    if (previous !== null) await this.options.store.delete(passwordResetKeyOfDigest(previous));
  }

  private async throttle(email: string, address: string): Promise<void> {
    const [account, byAddress] = await Promise.all([
      this.options.store.increment(resetRequestsByAccountKey(email), RESET_LIMITS.requestWindowMs),
      this.options.store.increment(resetRequestsByAddressKey(address), RESET_LIMITS.requestWindowMs),
    ]);
    const waits = [account.count > RESET_LIMITS.requestsPerAccount ? account.ttlMs : 0, byAddress.count > RESET_LIMITS.requestsPerAddress ? byAddress.ttlMs : 0];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) throw new HttpError('rate_limited', { headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } });
  }
}

function resetMail(to: string, language: MailLanguage, link: string): MailMessage {
  return language === 'hu'
    ? composeMail(to, language, 'AutoCognitix: jelszó visszaállítása', [
        'Jelszó-visszaállítást kértek az AutoCognitix fiókodhoz. Az alábbi hivatkozás egy óráig, egyszer használható:',
        { url: link },
        'Ha nem te kérted, hagyd figyelmen kívül ezt a levelet: a jelszavad nem változik.',
      ])
    : composeMail(to, language, 'AutoCognitix: password reset', [
        'Someone asked to reset the password of your AutoCognitix account. This link works once, for one hour:',
        { url: link },
        'If it was not you, ignore this mail: your password stays as it is.',
      ]);
}
