import type { Clock } from '../clock.js';
import { countStoreFailure, securityMetrics } from '../observability/metrics.js';
import { recordOperationDuration } from '../observability/slow-operations.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import type { AuthStateRepository } from '../db/repositories/auth-state.js';
import type { SecurityStateDurability } from './durability.js';
import { HYDRATION_MARKER_KEY, denylistKey, userNotBeforeKey } from './store-keys.js';
import { CLOCK_LEEWAY_SECONDS, type TokenClaims } from './tokens.js';

export { denylistKey, userNotBeforeKey } from './store-keys.js';

/** The one token a revocation is about. */
export interface RevocableToken {
  readonly jti: string;
  /** Seconds, as in the token. */
  readonly exp: number;
}

/**
 * The denylist (seed SEC-002) and per-user not-before marks, on the shared
 * store so every instance sees them and they survive restarts. Entries
 * expire when the token would have anyway (exp + leeway), so the list only
 * holds tokens that could still be accepted.
 */
export class Revocation {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly refreshLifetimeMs: number,
    private readonly durable: { readonly repository: AuthStateRepository; readonly durability: SecurityStateDurability },
  ) {}

  /** Puts a token on the denylist until it could no longer be accepted anyway. Idempotent. */
  async revoke(token: RevocableToken): Promise<void> {
    const acceptableUntilMs = token.exp * 1000 + CLOCK_LEEWAY_SECONDS * 1000;
    const ttlMs = acceptableUntilMs - this.clock.now();
    if (ttlMs <= 0) return; // Already dead by expiry.
    // The store for every check at once, SQL so a store that forgets can be refilled.
    await this.store.set(denylistKey(token.jti), '1', ttlMs);
    await this.durable.repository.recordRevokedToken(token.jti, acceptableUntilMs);
    securityMetrics.tokensBlacklisted.inc();
  }

  /**
   * Kills every token of `userId` issued before now, except those of
   * `exceptFamily` (the session that asked, on a password change).
   */
  async revokeAllForUser(userId: string, exceptFamily?: string): Promise<void> {
    const now = this.clock.now();
    const mark = exceptFamily === undefined ? String(now) : `${now}:${exceptFamily}`;
    const ttlMs = this.refreshLifetimeMs + CLOCK_LEEWAY_SECONDS * 1000;
    await this.store.set(userNotBeforeKey(userId), mark, ttlMs);
    await this.durable.repository.recordUserCutoff(userId, mark, now + ttlMs);
  }

  /** Whether a verified token has been revoked, by either mechanism. */
  async isRevoked(claims: TokenClaims): Promise<boolean> {
    return (await this.status(claims)) !== 'active';
  }

  /**
   * Which revocation, if any, applies to a verified token. Its three keys
   * (denylist entry, per-user mark, hydration marker) are read in one call,
   * one round trip on Redis. A store error propagates
   * as StoreUnavailableError: the caller must deny, never pass.
   */
  async status(claims: TokenClaims): Promise<'active' | 'denylisted' | 'revoked_for_user'> {
    const started = performance.now();
    try {
      const [denied = null, notBefore = null, hydrated = null] = await this.store.getMany([denylistKey(claims.jti), userNotBeforeKey(claims.sub), HYDRATION_MARKER_KEY]);
      // An emptied store would say "not revoked" about everything: refill it first, deny meanwhile.
      if (hydrated === null) this.durable.durability.markerMissing();
      if (revokedByUserMark(claims, notBefore)) return 'revoked_for_user';
      return denied === null ? 'active' : 'denylisted';
    } catch (error) {
      countStoreFailure('denylist_check', error);
      throw error;
    } finally {
      const elapsedMs = performance.now() - started;
      securityMetrics.denylistLatency.observe(elapsedMs);
      recordOperationDuration('denylist_check', elapsedMs);
    }
  }
}

function revokedByUserMark(claims: TokenClaims, mark: string | null): boolean {
  if (mark === null) return false;
  const [markMs, exemptFamily] = mark.split(':');
  if (exemptFamily !== undefined && exemptFamily === claims.family) return false;
  // A malformed mark revokes: fail closed.
  const cutoff = Number(markMs);
  return !Number.isFinite(cutoff) || claims.iat_ms <= cutoff;
}
