import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { HttpError } from '../errors.js';
import { countStoreFailure } from '../observability/metrics.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { ipRateLimitKey, accountRateLimitKey } from './store-keys.js';

/** How many requests one client address may make to one route group per window. */
export interface IpRateLimitPolicy {
  readonly maxRequests: number;
  readonly windowMs: number;
}

/** Public routes: generous for a person or a page, a wall for a scraper. */
export const DEFAULT_PUBLIC_RATE_LIMIT: IpRateLimitPolicy = Object.freeze({ maxRequests: 120, windowMs: 60_000 });

/**
 * Per-address limits of the credential routes that hash a password, send
 * mail or create state (besides any per-account limit). Sign-in (100 per
 * 15 min) and forgot-password (10 per hour) count per address in their own
 * services; logout, logout-all and ending a session are left unlimited: they
 * only kill tokens the caller holds, and a 429 there would keep a session alive.
 */
export const CREDENTIAL_RATE_LIMITS = Object.freeze({
  /** Each registration costs an argon2 hash and says whether an address is taken. */
  register: Object.freeze({ maxRequests: 10, windowMs: 3_600_000 }),
  /** Each costs an argon2 hash. */
  reset_password: Object.freeze({ maxRequests: 10, windowMs: 900_000 }),
  /** Each rotation writes a session state and two denylist entries. */
  refresh: Object.freeze({ maxRequests: 300, windowMs: 3_600_000 }),
  /** Password change, e-mail change, erasure: an argon2 verification each (and a mail for the e-mail change). */
  step_up: Object.freeze({ maxRequests: 20, windowMs: 900_000 }),
  /** Second-factor codes and passkey assertions at sign-in and step-up (each attempt also counts in the account's sign-in budget). */
  second_factor: Object.freeze({ maxRequests: 30, windowMs: 900_000 }),
  /** Each stores a single-use WebAuthn challenge. */
  passkey_challenge: Object.freeze({ maxRequests: 60, windowMs: 900_000 }),
  /** Starting an authenticator-app or passkey enrolment, regenerating recovery codes: each stores state or hashes ten codes. */
  second_factor_setup: Object.freeze({ maxRequests: 20, windowMs: 3_600_000 }),
  /** Following an e-mail confirmation, undo or verification link. */
  email_link: Object.freeze({ maxRequests: 20, windowMs: 900_000 }),
  /** Asking for a new verification link (a mail each), per client address. */
  email_verification: Object.freeze({ maxRequests: 20, windowMs: 3_600_000 }),
  /** The same per signed-in account: a few mails an hour to one address at most. */
  email_verification_account: Object.freeze({ maxRequests: 3, windowMs: 3_600_000 }),
  /** An admin's actions on accounts (lock, end sessions, require a new password, reset factors: one sends mail), per admin account. */
  admin_action: Object.freeze({ maxRequests: 60, windowMs: 900_000 }),
} satisfies Record<string, IpRateLimitPolicy>);

export type CredentialRouteGroup = keyof typeof CREDENTIAL_RATE_LIMITS;

export interface IpRateLimitOptions extends Partial<IpRateLimitPolicy> {
  /** Where the counts are kept: the shared store, or the public routes' in-process counters on the embedded backend. */
  readonly store: Pick<KeyValueStore, 'increment'>;
  /** Names the counter: routes in one group share a budget (`dtc`, `vehicles`, ...). Letters, digits, `_` and `-`. */
  readonly group: string;
  /**
   * Whose budget: the client address (default), or the signed-in account
   * (after `requireAuth`), so a user on many addresses still has one budget.
   */
  readonly per?: 'address' | 'account';
}

const GROUP_NAME = /^[a-z0-9_-]{1,32}$/i;

function checkedPolicy(options: IpRateLimitOptions): IpRateLimitPolicy {
  const maxRequests = options.maxRequests ?? DEFAULT_PUBLIC_RATE_LIMIT.maxRequests;
  const windowMs = options.windowMs ?? DEFAULT_PUBLIC_RATE_LIMIT.windowMs;
  if (!Number.isSafeInteger(maxRequests) || maxRequests < 1) throw new RangeError(`ip rate limit for ${options.group}: maxRequests must be a positive integer`);
  if (!Number.isSafeInteger(windowMs) || windowMs < 1000) throw new RangeError(`ip rate limit for ${options.group}: windowMs must be an integer of at least 1000`);
  return { maxRequests, windowMs };
}

/**
 * A preHandler counting requests per client address (`request.ip`, which
 * honours the app's trustProxy setting) in fixed windows on the shared store,
 * so every instance sees the same count. Over the limit: 429 `rate_limited`
 * with Retry-After in seconds. A store that cannot answer fails the request
 * with 503 `store_unavailable` (the error propagates): never an unlimited pass.
 */
export function ipRateLimit(options: IpRateLimitOptions): preHandlerAsyncHookHandler {
  if (!GROUP_NAME.test(options.group)) throw new RangeError('ip rate limit group: letters, digits, _ and - only');
  const { maxRequests, windowMs } = checkedPolicy(options);
  const { store, group } = options;
  const keyOf = (request: FastifyRequest): string => {
    if (options.per !== 'account') return ipRateLimitKey(group, request.ip);
    if (request.auth === null) throw new HttpError('authentication_required');
    return accountRateLimitKey(group, request.auth.userId);
  };
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { count, ttlMs } = await store.increment(keyOf(request), windowMs).catch((error: unknown) => {
      countStoreFailure('ip_rate_limit', error);
      throw error;
    });
    const retryAfterSeconds = String(Math.max(1, Math.ceil(ttlMs / 1000)));
    reply.header('x-ratelimit-limit', String(maxRequests));
    reply.header('x-ratelimit-remaining', String(Math.max(0, maxRequests - count)));
    reply.header('x-ratelimit-reset', retryAfterSeconds);
    if (count > maxRequests) throw new HttpError('rate_limited', { headers: { 'retry-after': retryAfterSeconds } });
  };
}
