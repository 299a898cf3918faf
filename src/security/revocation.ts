import type { Clock } from '../clock.js';
import { securityMetrics } from '../observability/metrics.js';
import { StoreUnavailableError, type KeyValueStore } from '../stores/key-value-store.js';
import { CLOCK_LEEWAY_SECONDS, type TokenClaims } from './tokens.js';

/** Denylist entry of one token id (the seed's key name, so `redis-cli --scan --pattern 'jti:*'` finds them). */
export const denylistKey = (jti: string): string => `jti:${jti}`;
/** Per-user "tokens issued before this are dead" mark: logout-all and password change. */
export const userNotBeforeKey = (userId: string): string => `user_nbf:${userId}`;

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
  ) {}

  /** Puts a token on the denylist until it could no longer be accepted anyway. Idempotent. */
  async revoke(token: RevocableToken): Promise<void> {
    const ttlMs = token.exp * 1000 + CLOCK_LEEWAY_SECONDS * 1000 - this.clock.now();
    if (ttlMs <= 0) return; // Already dead by expiry.
    await this.store.set(denylistKey(token.jti), '1', ttlMs);
    securityMetrics.tokensBlacklisted.inc();
  }

  /**
   * Kills every token of `userId` issued before now, except those of
   * `exceptFamily` (the session that asked, on a password change).
   */
  async revokeAllForUser(userId: string, exceptFamily?: string): Promise<void> {
    const mark = exceptFamily === undefined ? String(this.clock.now()) : `${this.clock.now()}:${exceptFamily}`;
    await this.store.set(userNotBeforeKey(userId), mark, this.refreshLifetimeMs + CLOCK_LEEWAY_SECONDS * 1000);
  }

  /** Whether a verified token has been revoked, by either mechanism. */
  async isRevoked(claims: TokenClaims): Promise<boolean> {
    return (await this.status(claims)) !== 'active';
  }

  /**
   * Which revocation, if any, applies to a verified token. Both lookups go out
   * together (one round trip with auto-pipelining). A store error propagates
   * as StoreUnavailableError: the caller must deny, never pass.
   */
  async status(claims: TokenClaims): Promise<'active' | 'denylisted' | 'revoked_for_user'> {
    const started = performance.now();
    try {
      const [denied, notBefore] = await Promise.all([this.store.exists(denylistKey(claims.jti)), this.store.get(userNotBeforeKey(claims.sub))]);
      if (revokedByUserMark(claims, notBefore)) return 'revoked_for_user';
      return denied ? 'denylisted' : 'active';
    } catch (error) {
      if (error instanceof StoreUnavailableError) securityMetrics.storeErrors.inc({ operation: 'denylist_check' });
      throw error;
    } finally {
      securityMetrics.denylistLatency.observe(performance.now() - started);
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
