import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { HttpError } from '../http/errors.js';
import { securityMetrics } from '../observability/metrics.js';
import type { KeyValueStore } from '../stores/key-value-store.js';

/** Seed SEC-005: at most this many refresh rotations per user per clock hour. */
export const REFRESH_LIMIT_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

/** Failed sign-ins allowed per account, and per client address, in one window. */
export const LOGIN_FAILURES_PER_ACCOUNT = 10;
export const LOGIN_FAILURES_PER_ADDRESS = 100;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/** The seed's key: one fixed window per user and clock hour. The `{user}` tag keeps a user's counters in one Cluster slot. */
export const refreshCountKey = (userId: string, hour: number): string => `refresh_count:{${userId}}:${hour}`;
/** Emails are hashed in keys: no personal data in the store's key space. */
export const loginFailuresByAccountKey = (email: string): string => `login_fail:account:${createHash('sha256').update(email.toLowerCase()).digest('base64url')}`;
export const loginFailuresByAddressKey = (address: string): string => `login_fail:ip:${address}`;

function retryAfterSeconds(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs / 1000)));
}

/**
 * Counts one refresh rotation for `userId` and refuses the sixth in the
 * current clock hour with 429 and Retry-After (seconds to the next hour).
 * The window is fixed, as the seed's `refresh_count:{user_id}:{hour}` key is:
 * a client can do at most 5 in any clock hour.
 */
export async function countRefresh(store: KeyValueStore, clock: Clock, userId: string): Promise<void> {
  const now = clock.now();
  const hour = Math.floor(now / HOUR_MS);
  const msToNextHour = (hour + 1) * HOUR_MS - now;
  const { count, ttlMs } = await store.increment(refreshCountKey(userId, hour), msToNextHour);
  if (count > REFRESH_LIMIT_PER_HOUR) {
    securityMetrics.refreshRateLimited.inc();
    throw new HttpError('refresh_rate_limited', { headers: { 'retry-after': retryAfterSeconds(ttlMs) } });
  }
}

/**
 * Sign-in throttling by account and by client address. Failures are counted;
 * a success clears the account's counter. The account limit stops a password
 * guesser spread over many addresses, and the window ends by itself, so the
 * real owner is never locked out for longer than 15 minutes.
 */
export class LoginThrottle {
  constructor(private readonly store: KeyValueStore) {}

  /** Throws 429 `login_throttled` when either counter is at its limit. */
  async assertAllowed(email: string, address: string): Promise<void> {
    const [account, byAddress] = await Promise.all([this.current(loginFailuresByAccountKey(email)), this.current(loginFailuresByAddressKey(address))]);
    const blocked = [
      account.count >= LOGIN_FAILURES_PER_ACCOUNT ? account.ttlMs : 0,
      byAddress.count >= LOGIN_FAILURES_PER_ADDRESS ? byAddress.ttlMs : 0,
    ];
    const waitMs = Math.max(...blocked);
    if (waitMs > 0) {
      securityMetrics.loginFailures.inc({ reason: 'throttled' });
      throw new HttpError('login_throttled', { headers: { 'retry-after': retryAfterSeconds(waitMs) } });
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([
      this.store.increment(loginFailuresByAccountKey(email), LOGIN_FAILURE_WINDOW_MS),
      this.store.increment(loginFailuresByAddressKey(address), LOGIN_FAILURE_WINDOW_MS),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.store.delete(loginFailuresByAccountKey(email));
  }

  private async current(key: string): Promise<{ count: number; ttlMs: number }> {
    const [value, ttlMs] = await Promise.all([this.store.get(key), this.store.ttlMs(key)]);
    return { count: value === null ? 0 : Number(value), ttlMs: ttlMs ?? 0 };
  }
}
