import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler, RouteOptions } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Clock } from '../clock.js';
import type { User, UsersRepository } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import { composeMail, type MailLanguage } from '../mail/compose.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { emailVerificationKey, emailVerificationKeyOfDigest, emailVerificationUserKey, storedDigest, unverifiedResetMailKey } from './store-keys.js';

/** A verification link works for 24 hours, once. */
export const EMAIL_VERIFICATION_TTL_MS = 86_400_000;
/** Password-reset mails to an account's unverified address: this many per hour (none with REQUIRE_VERIFIED_EMAIL). */
export const UNVERIFIED_RESET_MAILS_PER_HOUR = 1;
const HOUR_MS = 3_600_000;

/** A stored link: the user and the digest of the address the link was sent to (never the address itself). */
interface PendingVerification {
  readonly userId: string;
  readonly emailDigest: string;
  readonly expiresAtMs: number;
}

function parseRecord(stored: string | null): PendingVerification | undefined {
  if (stored === null) return undefined;
  try {
    const value = JSON.parse(stored) as Partial<PendingVerification>;
    return typeof value.userId === 'string' && typeof value.emailDigest === 'string' && typeof value.expiresAtMs === 'number'
      ? { userId: value.userId, emailDigest: value.emailDigest, expiresAtMs: value.expiresAtMs }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface EmailVerificationOptions {
  readonly store: KeyValueStore;
  readonly users: UsersRepository;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The web app's origin; the link is `<publicUrl>/verify-email#token=…` (a fragment never reaches a server log). */
  readonly publicUrl: string;
  readonly onMailError: (error: unknown) => void;
  /** REQUIRE_VERIFIED_EMAIL: every signed-in write but a few needs a verified address, and no reset mail goes to an unverified one. */
  readonly requireVerifiedEmail: boolean;
}

/**
 * Verified e-mail addresses (docs/SECURITY.md, "Verified e-mail addresses").
 * Registration mails a link (256-bit random, only its hash stored, 24 hours,
 * single use through an atomic take) bound to the user and to the address it
 * went to: once the account has another address the link proves nothing and
 * is refused. A store that lost the link makes it invalid, never "verified".
 * A new link voids the previous one.
 */
export class EmailVerificationService {
  constructor(private readonly options: EmailVerificationOptions) {}

  get requireVerifiedEmail(): boolean {
    return this.options.requireVerifiedEmail;
  }

  /** After registration, in the background: the response never waits for the store or the mail server. */
  sendAfterRegistration(user: User): void {
    this.issue(user).catch(this.options.onMailError);
  }

  /** The resend route: a new link (the previous one dies). An address already verified gets no mail. */
  async resend(userId: string): Promise<'sent' | 'already_verified'> {
    const user = await this.options.users.findById(userId);
    if (user?.isActive !== true) throw new HttpError('token_revoked');
    if (user.emailVerifiedAt !== null) return 'already_verified';
    await this.issue(user);
    return 'sent';
  }

  /** Follows a link: the account's address counts as verified. Returns the user whose address it was. */
  async verify(token: string): Promise<{ userId: string }> {
    // Atomic: of two racing uses of one link, only one gets the record.
    const pending = parseRecord(await this.options.store.getAndDelete(emailVerificationKey(token)));
    if (pending === undefined || this.options.clock.now() >= pending.expiresAtMs) throw new HttpError('email_token_invalid');
    await this.options.store.delete(emailVerificationUserKey(pending.userId));
    const user = await this.options.users.findById(pending.userId);
    // The link went to one address: it says nothing about another the account has moved to since.
    if (user?.isActive !== true || storedDigest(user.email) !== pending.emailDigest) throw new HttpError('email_token_invalid');
    if (user.emailVerifiedAt !== null) return { userId: user.id };
    // Conditional on the address, so a change between the read and the write cannot be verified by this link.
    if (!(await this.options.users.markEmailVerifiedIf(user.id, user.email, this.nowIso()))) throw new HttpError('email_token_invalid');
    return { userId: user.id };
  }

  /** Voids the user's unused link, if any (the address changed). */
  async voidPendingLink(userId: string): Promise<void> {
    const previous = await this.options.store.getAndDelete(emailVerificationUserKey(userId));
    if (previous !== null) await this.options.store.delete(emailVerificationKeyOfDigest(previous));
  }

  /** 403 `email_not_verified` unless the signed-in user's address is verified. */
  async requireVerified(userId: string): Promise<void> {
    const user = await this.options.users.findById(userId);
    if (user === undefined) throw new HttpError('token_revoked');
    if (user.emailVerifiedAt === null) throw new HttpError('email_not_verified');
  }

  /**
   * Whether a password-reset mail may go to this account now. A verified
   * address: always (the reset's own limits apply). An unverified one: one
   * mail an hour, so an account registered with someone else's address cannot
   * be used to flood it; none at all with REQUIRE_VERIFIED_EMAIL. The caller
   * answers the same either way.
   */
  async resetMailAllowed(user: User): Promise<boolean> {
    if (user.emailVerifiedAt !== null) return true;
    if (this.options.requireVerifiedEmail) return false;
    const { count } = await this.options.store.increment(unverifiedResetMailKey(user.id), HOUR_MS);
    return count <= UNVERIFIED_RESET_MAILS_PER_HOUR;
  }

  private async issue(user: User): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const pending: PendingVerification = { userId: user.id, emailDigest: storedDigest(user.email), expiresAtMs: this.options.clock.now() + EMAIL_VERIFICATION_TTL_MS };
    await this.voidPendingLink(user.id);
    await this.options.store.set(emailVerificationKey(token), JSON.stringify(pending), EMAIL_VERIFICATION_TTL_MS);
    await this.options.store.set(emailVerificationUserKey(user.id), storedDigest(token), EMAIL_VERIFICATION_TTL_MS);
    // In the background: a mail server outage does not fail the request, and timing says nothing.
    this.options.mailer.send(verificationMail(user.email, user.language, `${this.options.publicUrl}/verify-email#token=${token}`)).catch(this.options.onMailError);
  }

  private nowIso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

/** The verification mail in the user's language, like the other mails (one function, so its wording lives in one place). */
export function verificationMail(to: string, language: MailLanguage, link: string): MailMessage {
  return language === 'hu'
    ? composeMail(to, language, 'AutoCognitix: e-mail-cím megerősítése', [
        'Ezzel a címmel regisztráltak egy AutoCognitix fiókot. Erősítsd meg, hogy a cím a tiéd, ezzel a hivatkozással (24 óráig, egyszer használható):',
        { url: link },
        'Amíg nem erősíted meg, a fiókkal nem lehet járművet felvenni a garázsba. Ha nem te regisztráltál, hagyd figyelmen kívül ezt a levelet.',
      ])
    : composeMail(to, language, 'AutoCognitix: verify your e-mail address', [
        'An AutoCognitix account was registered with this address. Confirm that it is yours with this link (it works once, for 24 hours):',
        { url: link },
        'Until you do, the account cannot add vehicles to its garage. If it was not you, ignore this mail.',
      ]);
}

// The policy: which signed-in writes need a verified address.

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Adding or changing garage data needs a verified address; reading and removing it never do. */
const GARAGE_PREFIX = '/api/v1/garage/';
const GARAGE_GUARDED_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * With REQUIRE_VERIFIED_EMAIL, the signed-in writes an unverified account may
 * still make: verifying, signing out (here or elsewhere), confirming it is
 * the user (step-up), fixing the address, changing the password and erasing
 * the account. Routes without a sign-in (register, login, logout, the links)
 * are never guarded.
 */
export const UNVERIFIED_ALLOWED_WRITES: readonly string[] = Object.freeze([
  'POST /api/v1/auth/email/verification',
  'POST /api/v1/auth/email/verify',
  'POST /api/v1/auth/logout-all',
  'DELETE /api/v1/auth/sessions/:id',
  'POST /api/v1/auth/second-factors/step-up',
  'POST /api/v1/auth/second-factors/step-up/passkey-options',
  'POST /api/v1/auth/second-factors/step-up/passkey',
  'POST /api/v1/auth/me/email',
  'PUT /api/v1/auth/password',
  'DELETE /api/v1/auth/me',
]);

/** Whether `method url` (the route's pattern) needs a verified address from a signed-in caller. */
export function verifiedEmailRequired(method: string, url: string, requireVerifiedEmail: boolean): boolean {
  const upper = method.toUpperCase();
  if (!WRITE_METHODS.has(upper)) return false;
  if (url.startsWith(GARAGE_PREFIX) && GARAGE_GUARDED_METHODS.has(upper)) return true;
  return requireVerifiedEmail && !UNVERIFIED_ALLOWED_WRITES.includes(`${upper} ${url}`);
}

export interface VerifiedEmailGuardOptions {
  readonly emailVerification: EmailVerificationService;
}

/**
 * Adds the check to every route the policy names, as its last preHandler
 * (after the route's own sign-in check): a signed-in caller with an
 * unverified address gets 403 `email_not_verified`. A caller who is not
 * signed in is left to the route's own rules.
 */
async function verifiedEmailGuardPlugin(app: FastifyInstance, { emailVerification }: VerifiedEmailGuardOptions): Promise<void> {
  const check: preHandlerAsyncHookHandler = async (request: FastifyRequest) => {
    if (request.auth === null) return;
    await emailVerification.requireVerified(request.auth.userId);
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const { url } = route;
    if (!methods.some((method) => verifiedEmailRequired(method, url, emailVerification.requireVerifiedEmail))) return;
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...existing, check];
  });
}

export const verifiedEmailGuard = fastifyPlugin(verifiedEmailGuardPlugin, { name: 'autocognitix-verified-email', fastify: '5.x' });
