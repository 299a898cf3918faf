import type { Clock } from '../clock.js';
import { countStoreFailure, securityMetrics } from '../observability/metrics.js';
import { recordOperationDuration } from '../observability/slow-operations.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import type { AuthStateRepository } from '../db/repositories/auth-state.js';
import { storeLaterCutoff, type SecurityStateDurability } from './store-refill.js';
import { cutoffReplaces, parseCutoffMark } from './cutoff-mark.js';
import { SessionStateReader } from './session-state.js';
import { HYDRATION_MARKER_KEY, denylistKey, sessionStateKey, userNotBeforeKey } from './store-keys.js';
import { CLOCK_LEEWAY_SECONDS, type TokenClaims } from './tokens.js';

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
  private readonly sessionStates = new SessionStateReader();

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
    // SQL first, so a store that forgets can be refilled; then the store, for every check at once.
    await this.durable.repository.recordRevokedToken(token.jti, acceptableUntilMs);
    await this.store.set(denylistKey(token.jti), '1', ttlMs);
    securityMetrics.tokensBlacklisted.inc();
  }

  /**
   * Kills every token of `userId` issued before now, except those of
   * `exceptFamily` (the session that asked, on a password change). Refuses
   * (503) while the store has lost its state; never moves a later cut-off back.
   */
  async revokeAllForUser(userId: string, exceptFamily?: string): Promise<void> {
    await this.durable.durability.requireHydrated();
    const now = this.clock.now();
    const mark = exceptFamily === undefined ? String(now) : `${now}:${exceptFamily}`;
    const ttlMs = this.refreshLifetimeMs + CLOCK_LEEWAY_SECONDS * 1000;
    await this.durable.repository.recordUserCutoff(userId, mark, now + ttlMs, (stored) => cutoffReplaces(mark, stored));
    await storeLaterCutoff(this.store, userId, mark, ttlMs);
  }

  /**
   * Whether a verified token has been revoked, by any mechanism. `alreadyRead`:
   * the values of {@link keysOf} this request has just read with another key
   * of its own (the CSRF check's), so its one store call serves both.
   */
  async isRevoked(claims: TokenClaims, alreadyRead?: readonly (string | null)[]): Promise<boolean> {
    return (await this.status(claims, alreadyRead)) !== 'active';
  }

  /** The store keys {@link status} reads for a token, in its order. */
  keysOf(claims: TokenClaims): string[] {
    return [denylistKey(claims.jti), userNotBeforeKey(claims.sub), HYDRATION_MARKER_KEY, sessionStateKey(claims.family)];
  }

  /**
   * Which revocation, if any, applies to a verified token. Its four keys
   * (denylist entry, per-user mark, hydration marker, session state) are read
   * in one call, one round trip on Redis. The session state makes the check
   * independent of the denylist entry surviving: an ended session, or an access
   * token its session has rotated past, is refused even when `jti:*` was evicted.
   * A session the store lost is looked up in SQL (and written back). A missing
   * marker waits for the refill (bounded), then fails closed. A store error
   * propagates as StoreUnavailableError: the caller must deny, never pass.
   */
  async status(claims: TokenClaims, alreadyRead?: readonly (string | null)[]): Promise<'active' | 'denylisted' | 'revoked_for_user' | 'session_ended'> {
    const started = performance.now();
    try {
      let [denied = null, notBefore = null, hydrated = null, session = null] = alreadyRead ?? (await this.readKeys(claims));
      if (hydrated === null) {
        // An emptied store would say "not revoked" about everything: wait for the refill, deny if it takes too long.
        await this.durable.durability.awaitRefill();
        [denied = null, notBefore = null, hydrated = null, session = null] = await this.readKeys(claims);
        if (hydrated === null) await this.durable.durability.awaitRefill();
      }
      if (revokedByUserMark(claims, notBefore)) return 'revoked_for_user';
      if (denied !== null) return 'denylisted';
      session ??= await this.durable.durability.restoreSession(claims.family);
      // A family SQL never saw: only a holder of the signing key could have minted it; the checks above apply.
      if (session === null) return 'active';
      const state = this.sessionStates.read(session);
      if (state === undefined || state.revoked || state.userId !== claims.sub) return 'session_ended';
      // Issued before the session's current generation: rotation replaced it (its denylist entry may be gone: evicted).
      if (claims.type === 'access' && claims.jti !== state.current.accessJti && claims.iat_ms < state.current.issuedAtMs) return 'denylisted';
      return 'active';
    } catch (error) {
      countStoreFailure('denylist_check', error);
      throw error;
    } finally {
      const elapsedMs = performance.now() - started;
      securityMetrics.denylistLatency.observe(elapsedMs);
      recordOperationDuration('denylist_check', elapsedMs);
    }
  }

  private readKeys(claims: TokenClaims): Promise<(string | null)[]> {
    return this.store.getMany(this.keysOf(claims));
  }
}

function revokedByUserMark(claims: TokenClaims, mark: string | null): boolean {
  if (mark === null) return false;
  const parsed = parseCutoffMark(mark);
  // A malformed mark revokes: fail closed.
  if (parsed === undefined) return true;
  if (parsed.exemptFamily !== undefined && parsed.exemptFamily === claims.family) return false;
  return claims.iat_ms <= parsed.cutoffMs;
}
