import type { Clock } from '../clock.js';
import { HttpError, type FailClosedOperation } from '../errors.js';
import { countStoreFailure, securityMetrics } from '../observability/metrics.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { loginFailuresByAccountKey, loginFailuresByAddressKey, loginFailuresByDeviceKey, refreshCountKey } from './store-keys.js';

/** Seed SEC-005: at most this many refresh rotations per user per clock hour (the default of REFRESH_RATE_LIMIT_PER_HOUR). */
export const REFRESH_LIMIT_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

/** Sign-in attempts allowed per account (a correct password resets it) and per client address, in one window. */
export const LOGIN_FAILURES_PER_ACCOUNT = 10;
export const LOGIN_FAILURES_PER_ADDRESS = 100;
/** Attempts allowed per known browser (device cookie) in one window; it is exempt from the account's count. */
export const LOGIN_FAILURES_PER_DEVICE = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/** Who is trying a password: the client address, and the browser's device nonce when its device cookie is signed for this account. */
export interface AttemptOrigin {
  readonly address: string;
  readonly trustedDevice?: string | undefined;
}

/** Awaits a limiter's store call; a store outage is counted, then fails the request (503), never an unlimited pass. */
async function countingStoreFailures<T>(operation: FailClosedOperation, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    countStoreFailure(operation, error);
    throw error;
  }
}

function retryAfterSeconds(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs / 1000)));
}

/**
 * Counts one refresh rotation for `userId` and refuses the one past
 * `limitPerHour` (default 5, the seed's) in the current clock hour with 429
 * and Retry-After (seconds to the next hour). The window is fixed, as the
 * seed's `refresh_count:{user_id}:{hour}` key is.
 */
export async function countRefresh(store: KeyValueStore, clock: Clock, userId: string, limitPerHour: number = REFRESH_LIMIT_PER_HOUR): Promise<void> {
  const now = clock.now();
  const hour = Math.floor(now / HOUR_MS);
  const msToNextHour = (hour + 1) * HOUR_MS - now;
  const { count, ttlMs } = await countingStoreFailures('refresh_rate_limit', store.increment(refreshCountKey(userId, hour), msToNextHour));
  if (count > limitPerHour) {
    securityMetrics.refreshRateLimited.inc();
    throw new HttpError('refresh_rate_limited', { headers: { 'retry-after': retryAfterSeconds(ttlMs) } });
  }
}

/**
 * Password attempts (sign-in and the step-up checks of account changes),
 * throttled by account and by client address. The account limit stops a
 * password guesser spread over many addresses; its window ends by itself 15
 * minutes after the first attempt. A browser with a device cookie for the
 * account is counted on its own budget instead (OWASP device cookies), so
 * strangers who exhaust the account's budget do not keep the owner out.
 */
export class LoginThrottle {
  constructor(private readonly store: KeyValueStore) {}

  /**
   * Counts this attempt before the password is checked, and throws 429
   * `login_throttled` when either counter is over its limit. Counting first
   * (one atomic INCR each) is what stops a parallel guesser: checking a failure
   * count and adding to it later would let every concurrent attempt through.
   */
  async admitAttempt(email: string, origin: AttemptOrigin): Promise<void> {
    const { trustedDevice } = origin;
    const [principal, byAddress] = await countingStoreFailures(
      'login_throttle',
      Promise.all([
        trustedDevice === undefined
          ? this.store.increment(loginFailuresByAccountKey(email), LOGIN_FAILURE_WINDOW_MS)
          : this.store.increment(loginFailuresByDeviceKey(trustedDevice), LOGIN_FAILURE_WINDOW_MS),
        this.store.increment(loginFailuresByAddressKey(origin.address), LOGIN_FAILURE_WINDOW_MS),
      ]),
    );
    const principalLimit = trustedDevice === undefined ? LOGIN_FAILURES_PER_ACCOUNT : LOGIN_FAILURES_PER_DEVICE;
    const blocked = [principal.count > principalLimit ? principal.ttlMs : 0, byAddress.count > LOGIN_FAILURES_PER_ADDRESS ? byAddress.ttlMs : 0];
    const waitMs = Math.max(...blocked);
    if (waitMs > 0) {
      securityMetrics.loginFailures.inc({ reason: 'throttled' });
      throw new HttpError('login_throttled', { headers: { 'retry-after': retryAfterSeconds(waitMs) } });
    }
  }

  /** A correct password clears the account's count and the device's (the address keeps counting). */
  async recordSuccess(email: string, origin: AttemptOrigin): Promise<void> {
    await this.store.delete(loginFailuresByAccountKey(email));
    if (origin.trustedDevice !== undefined) await this.store.delete(loginFailuresByDeviceKey(origin.trustedDevice));
  }

  /** Lifts the account's lock (after a password reset proved the owner). */
  async clearAccount(email: string): Promise<void> {
    await this.store.delete(loginFailuresByAccountKey(email));
  }
}
