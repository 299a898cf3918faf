import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AuthStateRepository, SessionRecord } from '../db/repositories/auth-state.js';
import type { User, UserWithPasswordHash, UsersRepository } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import { securityMetrics } from '../observability/metrics.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { assertAcceptableNewPassword, hashNewPassword, hashPassword, passwordHashNeedsUpgrade, spendPasswordVerificationTime, verifyPassword } from './passwords.js';
import type { SecurityStateDurability } from './store-refill.js';
import type { RequestOrigin, SecurityEvents } from './security-events.js';
import type { Revocation } from './revocation.js';
import { endedState, parseSessionState as parseState, type Generation, type SessionState } from './session-state.js';
import { LoginThrottle, countRefresh, type AttemptOrigin } from './throttle.js';
import { sessionLockKey, sessionStateKey } from './store-keys.js';
import { CLOCK_LEEWAY_SECONDS, newTokenId, type TokenClaims, type TokenCodec, type TokenSpec } from './tokens.js';

/**
 * Concurrent refreshes with one token inside this window (several tabs, a
 * retried request) all get the same successor pair; after it, presenting a
 * rotated token is treated as theft.
 */
export const REFRESH_GRACE_WINDOW_MS = 10_000;
/** How long one rotation may hold its family's lock. */
const ROTATION_LOCK_TTL_MS = 5_000;
/** How long a concurrent refresh waits for the rotation in progress. */
const ROTATION_WAIT_MS = 3_000;
const ROTATION_POLL_MS = 10;

export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly refreshExpiresIn: number;
  readonly family: string;
  readonly userId: string;
}

export interface SessionServiceOptions {
  readonly store: KeyValueStore;
  readonly users: UsersRepository;
  readonly codec: TokenCodec;
  readonly revocation: Revocation;
  readonly clock: Clock;
  readonly accessTokenLifetimeSeconds: number;
  readonly refreshTokenLifetimeSeconds: number;
  /** Refresh rotations allowed per user and clock hour (REFRESH_RATE_LIMIT_PER_HOUR). */
  readonly refreshLimitPerHour?: number;
  /** The SQL copy of every session, for durability and the sessions list. */
  readonly repository: AuthStateRepository;
  /** Refills a store that lost its state; security writes wait for it (or refuse with 503). */
  readonly durability: SecurityStateDurability;
  /** The security activity log: failed sign-ins, refresh-token reuse and sign-outs are recorded here. */
  readonly events: SecurityEvents;
}

/** Where a session was opened from, as its owner will see it in the sessions list. */
export interface SessionOrigin {
  readonly userAgent: string | undefined;
  /** The client address; stored coarsened (see coarsenAddress). */
  readonly address: string;
  /** The device nonce when the browser's device cookie is signed for this account (see device-cookie.ts). */
  readonly trustedDevice?: string | undefined;
}

const MAX_USER_AGENT_LENGTH = 200;

/** Where a sign-in attempt came from: the client address and its User-Agent header, when sent. */
export interface AttemptSource {
  readonly address: string;
  readonly userAgent?: string | undefined;
}

/** A sign-in attempt's origin as the security activity log takes it. */
export function eventOrigin(origin: AttemptSource): RequestOrigin {
  return { address: origin.address, userAgent: origin.userAgent ?? null };
}

/** Why a password step failed, as the security activity log records it (never the password). */
export type SignInFailure = 'unknown_account' | 'wrong_password' | 'account_disabled' | 'password_reset_required' | 'rate_limited';

/** An address reduced to its network: IPv4 /24, IPv6 /48. Enough to recognise a session, not to locate a person. */
export function coarsenAddress(address: string): string | null {
  const ipv4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (ipv4 !== null) return `${ipv4[1] ?? ''}.${ipv4[2] ?? ''}.${ipv4[3] ?? ''}.0/24`;
  if (!address.includes(':')) return null;
  const [head = ''] = address.split('::');
  const groups = head.split(':').filter((group) => group !== '');
  while (groups.length < 3) groups.push('0');
  return `${groups.slice(0, 3).join(':')}::/48`;
}

/**
 * The token lifecycle: login, rotation with reuse detection, logout,
 * logout-all and password change (seed SEC-002, SEC-005, SEC-006). All
 * state lives in the shared store, so any instance can serve any step.
 */
export class SessionService {
  private readonly throttle: LoginThrottle;

  constructor(private readonly options: SessionServiceOptions) {
    this.throttle = new LoginThrottle(options.store);
  }

  /**
   * The password step of a sign-in: counted in the account's and the
   * address's budgets before the hash is checked, the same answer and cost
   * for an unknown email. Does not clear the account's count: for a user
   * with a second factor only the second step does (else the password alone
   * would reset the budget the second step's guesses are counted in).
   */
  async checkPassword(email: string, password: string, origin: AttemptOrigin & { readonly userAgent?: string | undefined }): Promise<UserWithPasswordHash> {
    try {
      await this.throttle.admitAttempt(email, origin);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'login_throttled') {
        // The owner sees that someone was stopped; a lookup that fails must not replace the 429.
        const throttled = await this.options.users.findByEmail(email).catch(() => undefined);
        this.recordSignInFailure(throttled?.id ?? null, 'rate_limited', origin);
      }
      throw error;
    }
    const user = await this.options.users.findByEmail(email);
    const passwordMatches = user === undefined ? await spendPasswordVerificationTime(password).then(() => false) : await verifyPassword(user.passwordHash, password);
    if (user === undefined || !passwordMatches) {
      securityMetrics.loginFailures.inc({ reason: 'invalid_credentials' });
      this.recordSignInFailure(user?.id ?? null, user === undefined ? 'unknown_account' : 'wrong_password', origin);
      throw new HttpError('invalid_credentials');
    }
    this.assertMaySignIn(user, origin);
    if (passwordHashNeedsUpgrade(user.passwordHash)) await this.options.users.updatePasswordHash(user.id, await hashPassword(password));
    return user;
  }

  /**
   * What an account's state says about a sign-in whose credentials were right:
   * 403 `account_disabled` when locked, 403 `password_reset_required` when an
   * admin asked for a new password. Every sign-in path asks (password, second step, passkey).
   */
  assertMaySignIn(user: Pick<User, 'id' | 'isActive' | 'passwordResetRequired'>, origin: AttemptSource): void {
    if (!user.isActive) {
      securityMetrics.loginFailures.inc({ reason: 'account_disabled' });
      this.recordSignInFailure(user.id, 'account_disabled', origin);
      throw new HttpError('account_disabled');
    }
    if (user.passwordResetRequired) {
      securityMetrics.loginFailures.inc({ reason: 'password_reset_required' });
      this.recordSignInFailure(user.id, 'password_reset_required', origin);
      throw new HttpError('password_reset_required');
    }
  }

  /** A failed sign-in for the activity log: userId null when the address names no account. */
  recordSignInFailure(userId: string | null, reason: SignInFailure | 'passkey_rejected', origin: AttemptSource): void {
    this.options.events.record({ code: 'sign_in_failed', userId, origin: eventOrigin(origin), reason });
  }

  /** Counts one second-factor attempt in the same budgets as a password (429 `login_throttled` past them). */
  async admitSecondFactorAttempt(email: string, origin: AttemptOrigin): Promise<void> {
    await this.throttle.admitAttempt(email, origin);
  }

  /** The sign-in (or step-up) succeeded: the account's and the device's counts start again. */
  async recordSignInSuccess(email: string, origin: AttemptOrigin): Promise<void> {
    await this.throttle.recordSuccess(email, origin);
  }

  /** Starts a new session (refresh family) for a user whose identity is already established. */
  async openSession(userId: string, origin: SessionOrigin): Promise<IssuedTokens> {
    const family = newTokenId();
    const state: SessionState = { userId, revoked: false, current: this.newGeneration() };
    const stateJson = JSON.stringify(state);
    const created = await this.options.store.compareAndSet(sessionStateKey(family), null, stateJson, this.stateTtlMs(state.current));
    if (!created) throw new Error('session id collision');
    await this.options.repository.createSession({
      id: family,
      userId,
      state: stateJson,
      userAgent: origin.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
      ipPrefix: coarsenAddress(origin.address),
      nowMs: this.options.clock.now(),
      expiresAtMs: this.sessionExpiresAtMs(state.current),
    });
    return this.tokensOf(family, state);
  }

  /** The user's live sessions, newest first. */
  listSessions(userId: string): Promise<SessionRecord[]> {
    return this.options.repository.listLiveSessions(userId, this.options.clock.now());
  }

  /** Ends one of the user's sessions; false when it is not theirs (or already over). */
  async endSessionOf(userId: string, sessionId: string): Promise<boolean> {
    const live = await this.listSessions(userId);
    if (!live.some((session) => session.id === sessionId)) return false;
    await this.endSession(sessionId);
    return true;
  }

  /**
   * Rotates a refresh token. The presented token is revoked with the access
   * token issued beside it, and a new pair is issued in the same family —
   * one rotation even when many requests race with the same token.
   */
  async refresh(refreshToken: string, origin?: RequestOrigin): Promise<IssuedTokens> {
    const claims = this.options.codec.decode(refreshToken, 'refresh');
    const waitUntil = this.options.clock.now() + ROTATION_WAIT_MS;
    for (;;) {
      // The revocation check first: it also notices a store that lost its data (and fails closed).
      const revocation = await this.options.revocation.status(claims);
      if (revocation === 'session_ended') throw new HttpError('token_revoked');
      // State missing from the store is neither "ended" nor "live": the durable record decides.
      const stored = await this.options.durability.sessionState(claims.family);
      const state = parseState(stored);
      if (state === undefined || state.revoked || state.userId !== claims.sub) throw new HttpError('token_revoked');
      // Rotation denylists the replaced token too, so a denylisted *rotated* token is judged by the session state below.
      if (revocation === 'revoked_for_user' || (revocation === 'denylisted' && claims.jti === state.current.refreshJti)) throw new HttpError('token_revoked');

      if (claims.jti === state.previous?.refreshJti) {
        if (this.options.clock.now() - state.previous.rotatedAtMs <= REFRESH_GRACE_WINDOW_MS) return this.tokensOf(claims.family, state);
        return this.killForReuse(claims, 'after_grace', origin);
      }
      if (claims.jti !== state.current.refreshJti) return this.killForReuse(claims, 'stale', origin);
      // A rotation is rare and long-lived tokens come from it: SQL, not a possibly lagging store, decides "ended".
      if ((await this.options.repository.findSession(claims.family))?.ended === true) {
        await this.endSession(claims.family);
        throw new HttpError('token_revoked');
      }

      const lockKey = sessionLockKey(claims.family);
      if (!(await this.options.store.setIfAbsent(lockKey, randomBytes(8).toString('hex'), ROTATION_LOCK_TTL_MS))) {
        // Another request is rotating this very token: wait for it, then take the grace path.
        await this.waitForUnlock(lockKey, waitUntil);
        continue;
      }
      try {
        // Read again under the lock: a rotation that finished between our first read and our lock is
        // taken by the grace path, not rotated (and counted) a second time.
        if ((await this.options.store.get(sessionStateKey(claims.family))) !== stored) {
          if (this.options.clock.now() > waitUntil) throw new HttpError('service_unavailable', { message: 'The session is busy; retry shortly' });
          continue;
        }
        const rotated = await this.rotate(claims, state, stored ?? '');
        if (rotated !== undefined) return rotated;
      } finally {
        await this.options.store.delete(lockKey);
      }
    }
  }

  /**
   * Ends the session the tokens belong to. Idempotent; expired, revoked or
   * unverifiable tokens are simply skipped. Refuses (503, nothing changed)
   * while the store has lost its state and the refill is not done.
   */
  async logout(tokens: { accessClaims?: TokenClaims | undefined; refreshClaims?: TokenClaims | undefined }, origin?: RequestOrigin): Promise<void> {
    await this.options.durability.requireHydrated();
    const families = new Map<string, string>();
    for (const claims of [tokens.accessClaims, tokens.refreshClaims]) {
      if (claims === undefined) continue;
      await this.options.revocation.revoke(claims);
      families.set(claims.family, claims.sub);
    }
    for (const [family, userId] of families) {
      await this.endSession(family);
      this.options.events.record({ code: 'signed_out', userId, origin, sessionId: family });
    }
  }

  /**
   * Ends one session: the durable SQL record first (it decides "ended", even
   * for a store that lost or evicted the session's key), then the store's
   * state, and denylists the live tokens of every generation either knows.
   * Refuses (503) while the store has lost its state.
   */
  async endSession(family: string): Promise<void> {
    await this.options.durability.requireHydrated();
    const record = await this.options.repository.findSession(family);
    const recorded = parseState(record?.state);
    if (record !== undefined && !record.ended && recorded !== undefined) {
      await this.options.repository.markSessionRevoked(family, JSON.stringify(endedState(recorded)), this.options.clock.now());
    }
    const key = sessionStateKey(family);
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.options.store.get(key);
      const state = parseState(stored);
      const known = state ?? recorded;
      if (known === undefined) return; // No such session anywhere.
      const generations = [known.current, ...(recorded !== undefined && recorded.current.accessJti !== known.current.accessJti ? [recorded.current] : [])];
      if (state?.revoked === true || (await this.options.store.compareAndSet(key, stored, JSON.stringify(endedState(known)), this.stateTtlMs(known.current)))) {
        for (const generation of generations) await this.revokeGeneration(generation);
        return;
      }
    }
    throw new Error('could not end the session: it kept changing');
  }

  /** Every token of the user issued before now dies (logout everywhere). */
  async logoutEverywhere(userId: string): Promise<void> {
    // revokeAllForUser refuses (503) while the store has lost its state.
    await this.options.revocation.revokeAllForUser(userId);
    await this.endOtherSessions(userId);
  }

  /** Ends every session of the user and kills every token issued so far (password reset, erasure, deactivation). */
  async endAllSessions(userId: string): Promise<void> {
    await this.options.revocation.revokeAllForUser(userId);
    await this.endOtherSessions(userId);
  }

  /** Marks the user's sessions ended (besides the cut-off that already killed their tokens), so the list is true. */
  private async endOtherSessions(userId: string, keepFamily?: string): Promise<void> {
    for (const family of await this.options.repository.unrevokedSessionIds(userId)) {
      if (family !== keepFamily) await this.endSession(family);
    }
  }

  /**
   * Changes the password (the current one checked like a sign-in, throttled); every other session of the user dies, the caller's stays.
   * A new password that breaks the policy is refused (422 on `new_password`) before the current one is checked, so it costs no attempt.
   */
  async changePassword(user: UserWithPasswordHash, callerFamily: string, currentPassword: string, newPassword: string, attempt: AttemptOrigin): Promise<void> {
    assertAcceptableNewPassword(newPassword, user.email, 'new_password');
    await this.verifyStepUp(user, currentPassword, attempt, 'The current password is incorrect');
    await this.options.users.updatePasswordHash(user.id, await hashNewPassword(newPassword, user.email, 'new_password'));
    // A new password is what an admin's "reset required" asked for.
    if (user.passwordResetRequired) await this.options.users.setPasswordResetRequired(user.id, false, new Date(this.options.clock.now()).toISOString());
    await this.endSessionsExcept(user.id, callerFamily);
  }

  private async rotate(claims: TokenClaims, state: SessionState, stored: string): Promise<IssuedTokens | undefined> {
    const user = await this.options.users.findById(state.userId);
    if (user?.isActive !== true) {
      await this.endSession(claims.family);
      throw new HttpError(user === undefined ? 'token_revoked' : 'account_disabled');
    }
    await countRefresh(this.options.store, this.options.clock, state.userId, this.options.refreshLimitPerHour);
    const next: SessionState = {
      userId: state.userId,
      revoked: false,
      current: this.newGeneration(),
      previous: { refreshJti: state.current.refreshJti, rotatedAtMs: this.options.clock.now() },
    };
    const nextJson = JSON.stringify(next);
    // The lock makes a lost race unlikely; the compare-and-set makes it harmless.
    if (!(await this.options.store.compareAndSet(sessionStateKey(claims.family), stored, nextJson, this.stateTtlMs(next.current)))) return undefined;
    const recorded = await this.options.repository.updateSessionState(claims.family, nextJson, { nowMs: this.options.clock.now(), expiresAtMs: this.sessionExpiresAtMs(next.current), used: true });
    await this.revokeGeneration(state.current);
    if (!recorded) {
      // The session ended while we rotated (SQL says so, and SQL decides): the new pair dies unused.
      await this.endSession(claims.family);
      throw new HttpError('token_revoked');
    }
    return this.tokensOf(claims.family, next);
  }

  /** A rotated refresh token came back: whoever holds the family (owner or thief) is out of this one session. */
  private async killForReuse(claims: TokenClaims, cause: 'after_grace' | 'stale', origin: RequestOrigin | undefined): Promise<never> {
    securityMetrics.refreshReuse.inc({ cause });
    await this.endSession(claims.family);
    this.options.events.record({ code: 'refresh_token_reused', userId: claims.sub, origin, sessionId: claims.family, reason: cause });
    throw new HttpError('refresh_token_reused');
  }

  private async revokeGeneration(generation: Generation): Promise<void> {
    await Promise.all([
      this.options.revocation.revoke({ jti: generation.accessJti, exp: generation.accessExp }),
      this.options.revocation.revoke({ jti: generation.refreshJti, exp: generation.refreshExp }),
    ]);
  }

  private async waitForUnlock(lockKey: string, waitUntil: number): Promise<void> {
    while (await this.options.store.exists(lockKey)) {
      if (this.options.clock.now() > waitUntil) throw new HttpError('service_unavailable', { message: 'The session is busy; retry shortly' });
      await new Promise((resolve) => setTimeout(resolve, ROTATION_POLL_MS));
    }
  }

  private newGeneration(): Generation {
    const issuedAtMs = this.options.clock.now();
    const issuedAtSeconds = Math.floor(issuedAtMs / 1000);
    return {
      refreshJti: newTokenId(),
      accessJti: newTokenId(),
      issuedAtMs,
      accessExp: issuedAtSeconds + this.options.accessTokenLifetimeSeconds,
      refreshExp: issuedAtSeconds + this.options.refreshTokenLifetimeSeconds,
    };
  }

  /** Signs the generation's tokens; deterministic, so grace-window callers get byte-identical tokens. */
  private tokensOf(family: string, state: SessionState): IssuedTokens {
    const { current, userId } = state;
    const spec = (type: 'access' | 'refresh'): TokenSpec => ({
      sub: userId,
      family,
      type,
      jti: type === 'access' ? current.accessJti : current.refreshJti,
      issuedAtMs: current.issuedAtMs,
      expiresAtSeconds: type === 'access' ? current.accessExp : current.refreshExp,
    });
    const nowSeconds = this.options.clock.now() / 1000;
    return {
      accessToken: this.options.codec.encode(spec('access')),
      refreshToken: this.options.codec.encode(spec('refresh')),
      expiresIn: Math.max(0, Math.ceil(current.accessExp - nowSeconds)),
      refreshExpiresIn: Math.max(0, Math.ceil(current.refreshExp - nowSeconds)),
      family,
      userId,
    };
  }

  /** The state lives as long as its refresh token could be accepted. */
  private stateTtlMs(generation: Generation): number {
    return Math.max(1000, this.sessionExpiresAtMs(generation) - this.options.clock.now());
  }

  private sessionExpiresAtMs(generation: Generation): number {
    return generation.refreshExp * 1000 + CLOCK_LEEWAY_SECONDS * 1000;
  }

  /**
   * The password check before an account change (password, e-mail, erasure):
   * counted in the same per-account budget as sign-in, before the password is
   * checked, so an access token is no faster a password oracle than the
   * sign-in form. A correct password clears the count.
   */
  async verifyStepUp(user: UserWithPasswordHash, password: string, attempt: AttemptOrigin, wrongMessage = 'The password is incorrect'): Promise<void> {
    await this.throttle.admitAttempt(user.email, attempt);
    if (!(await verifyPassword(user.passwordHash, password))) {
      securityMetrics.loginFailures.inc({ reason: 'invalid_credentials' });
      throw new HttpError('invalid_credentials', { message: wrongMessage });
    }
    await this.throttle.recordSuccess(user.email, attempt);
  }

  /** Every session of the user ends but `keepFamily` (password and e-mail changes). */
  async endSessionsExcept(userId: string, keepFamily: string): Promise<void> {
    await this.options.revocation.revokeAllForUser(userId, keepFamily);
    await this.endOtherSessions(userId, keepFamily);
  }

  /** Lifts the per-account sign-in lock: a password reset proved the owner. */
  async clearSignInLock(email: string): Promise<void> {
    await this.throttle.clearAccount(email);
  }
}
