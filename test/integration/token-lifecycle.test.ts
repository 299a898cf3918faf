import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { securityMetrics } from '../../src/observability/metrics.js';
import { AuthStateRepository } from '../../src/db/repositories/auth-state.js';
import { SecurityStateDurability } from '../../src/security/store-refill.js';
import { Revocation } from '../../src/security/revocation.js';
import { REFRESH_GRACE_WINDOW_MS } from '../../src/security/sessions.js';
import { CLOCK_LEEWAY_SECONDS, TokenCodec, newTokenId } from '../../src/security/tokens.js';
import { denylistKey, refreshCountKey } from '../../src/security/store-keys.js';
import { LOGIN_FAILURE_WINDOW_MS } from '../../src/security/throttle.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, login, logout, me, refresh, register, registerAndLogin, request, strongPassword, type TokenPair } from '../helpers/auth-client.js';
import { eventually, manualClock } from '../helpers/time.js';

const instances: TestApp[] = [];
async function app(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const started = await startTestApp(options);
  instances.push(started);
  return started;
}

function claimsOf(testApp: TestApp, token: string, type: 'access' | 'refresh' = 'access') {
  return new TokenCodec(testApp.config.jwtSecretKey, testApp.app.clock).decode(token, type);
}

async function refreshCount(testApp: TestApp, userId: string): Promise<number> {
  const value = await testApp.runtime.store.get(refreshCountKey(userId, Math.floor(testApp.app.clock.now() / 3_600_000)));
  return value === null ? 0 : Number(value);
}

afterAll(async () => {
  // Shared instances last: their creator drops the data.
  for (const instance of instances.reverse()) await instance.close();
});

describe('seed SEC-002/SEC-006: revocation and logout', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await app();
  });

  it('a token revoked before its expiry is rejected', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await me(testApp.app, tokens.access_token)).statusCode).toBe(200);
    await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout', headers: bearer(tokens.access_token) });
    const response = await me(testApp.app, tokens.access_token);
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('token_revoked');
  });

  it('logout revokes the refresh token too, even when only the access token is sent', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await logout(testApp.app, { access_token: tokens.access_token })).statusCode).toBe(204);
    const response = await refresh(testApp.app, tokens.refresh_token);
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('token_revoked');
  });

  it('logout clears both cookies and is idempotent (an already revoked token still gets 204)', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    const first = await logout(testApp.app, tokens);
    expect(first.statusCode).toBe(204);
    const cleared = first.cookies.filter((cookie) => ['access_token', 'refresh_token'].includes(cookie.name));
    expect(cleared).toHaveLength(2);
    for (const cookie of cleared) expect(cookie.value).toBe('');
    expect((await logout(testApp.app, tokens)).statusCode).toBe(204);
    expect((await logout(testApp.app, { access_token: 'garbage' })).statusCode).toBe(204);
  });

  it('the denylist entry lives exactly as long as the token could be accepted (exp + leeway)', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    const claims = claimsOf(testApp, tokens.access_token);
    await logout(testApp.app, { access_token: tokens.access_token });
    const ttl = await testApp.runtime.store.ttlMs(denylistKey(claims.jti));
    const expected = claims.exp * 1000 + CLOCK_LEEWAY_SECONDS * 1000 - Date.now();
    expect(ttl).not.toBeNull();
    expect(Math.abs((ttl ?? 0) - expected)).toBeLessThan(2000);
  });

  it('the denylist entry disappears by itself once the token has expired', async () => {
    const repository = new AuthStateRepository(testApp.runtime.database.db);
    const clock = manualClock();
    const revocation = new Revocation(testApp.runtime.store, clock, 60_000, { repository, durability: new SecurityStateDurability(testApp.runtime.store, repository, clock) });
    // Expired, and 250 ms short of the end of its leeway: listed for those 250 ms only (on the store's own time).
    const token = { jti: newTokenId(), exp: Math.floor(clock.now() / 1000) - 9 };
    clock.set((token.exp + CLOCK_LEEWAY_SECONDS) * 1000 - 250);
    await revocation.revoke(token);
    const ttlMs = await testApp.runtime.store.ttlMs(denylistKey(token.jti));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(250);
    await eventually(async () => !(await testApp.runtime.store.exists(denylistKey(token.jti))), { what: 'the denylist entry expiring' });
    // One already past its leeway is not stored at all.
    clock.advance(250);
    const dead = { jti: newTokenId(), exp: token.exp };
    await revocation.revoke(dead);
    expect(await testApp.runtime.store.exists(denylistKey(dead.jti))).toBe(false);
  });

  it('revocation survives an application restart (a new instance with new connections on the same stores)', async () => {
    const first = await app();
    const { tokens } = await registerAndLogin(first.app);
    await logout(first.app, tokens);
    await first.app.close();
    await first.runtime.dispose({ dropData: false });

    const restarted = await app({ shareWith: first });
    expect(errorCode(await me(restarted.app, tokens.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(restarted.app, tokens.refresh_token))).toBe('token_revoked');
    instances.splice(instances.indexOf(first), 1);
    instances.unshift(restarted);
  });

  it('logout on instance A is honoured by instance B at once', async () => {
    const instanceB = await app({ shareWith: testApp });
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await me(instanceB.app, tokens.access_token)).statusCode).toBe(200);
    await logout(testApp.app, tokens);
    expect(errorCode(await me(instanceB.app, tokens.access_token))).toBe('token_revoked');
  });
});

describe('refresh rotation, grace window and reuse detection', () => {
  let testApp: TestApp;
  const clock = manualClock();
  beforeAll(async () => {
    testApp = await app({ clock });
  });
  afterEach(() => {
    clock.set(Date.now());
  });

  it('rotates: a new pair, the old access token dies, the new one works', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    clock.advance(1);
    const response = await refresh(testApp.app, tokens.refresh_token);
    expect(response.statusCode).toBe(200);
    const next = response.json<TokenPair>();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(claimsOf(testApp, next.refresh_token, 'refresh').family).toBe(claimsOf(testApp, tokens.refresh_token, 'refresh').family);
    expect(errorCode(await me(testApp.app, tokens.access_token))).toBe('token_revoked');
    expect((await me(testApp.app, next.access_token)).statusCode).toBe(200);
  });

  it('accepts the refresh token from the cookie', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', cookies: { refresh_token: tokens.refresh_token } });
    expect(response.statusCode).toBe(200);
  });

  it('10 concurrent refreshes with one token: one rotation, every caller gets the same pair, the counter moves by one', async () => {
    const { tokens, id } = await registerAndLogin(testApp.app);
    const before = await refreshCount(testApp, id);
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(testApp.app, tokens.refresh_token)));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    const pairs = new Set(responses.map((response) => response.body));
    expect(pairs.size).toBe(1);
    expect(await refreshCount(testApp, id)).toBe(before + 1);
    const [first] = responses;
    expect((await me(testApp.app, first?.json<TokenPair>().access_token ?? '')).statusCode).toBe(200);
  });

  it('a replay inside the grace window gets the same successor and is not counted', async () => {
    const { tokens, id } = await registerAndLogin(testApp.app);
    const first = await refresh(testApp.app, tokens.refresh_token);
    clock.advance(REFRESH_GRACE_WINDOW_MS - 1000);
    const replay = await refresh(testApp.app, tokens.refresh_token);
    expect(replay.statusCode).toBe(200);
    expect(replay.json<TokenPair>().refresh_token).toBe(first.json<TokenPair>().refresh_token);
    expect(await refreshCount(testApp, id)).toBe(1);
  });

  it('a rotated token presented after the grace window kills the whole family and is counted', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    const successor = (await refresh(testApp.app, tokens.refresh_token)).json<TokenPair>();
    const reusedBefore = (await securityMetrics.refreshReuse.get()).values.reduce((sum, value) => sum + value.value, 0);
    clock.advance(REFRESH_GRACE_WINDOW_MS + 1000);
    const reuse = await refresh(testApp.app, tokens.refresh_token);
    expect(reuse.statusCode).toBe(401);
    expect(errorCode(reuse)).toBe('refresh_token_reused');
    // The thief's and the owner's tokens are all dead now.
    expect(errorCode(await refresh(testApp.app, successor.refresh_token))).toBe('token_revoked');
    expect(errorCode(await me(testApp.app, successor.access_token))).toBe('token_revoked');
    const reusedAfter = (await securityMetrics.refreshReuse.get()).values.reduce((sum, value) => sum + value.value, 0);
    expect(reusedAfter).toBe(reusedBefore + 1);
  });

  it('seed SEC-005: five refreshes per user per hour; the sixth gets 429 with Retry-After', async () => {
    const firstRefreshAtMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 60_000;
    const nextHourMs = firstRefreshAtMs - 60_000 + 3_600_000;
    clock.set(firstRefreshAtMs);
    const { tokens } = await registerAndLogin(testApp.app);
    let current = tokens;
    for (let index = 0; index < 5; index++) {
      const response = await refresh(testApp.app, current.refresh_token);
      expect(response.statusCode).toBe(200);
      current = response.json<TokenPair>();
      clock.advance(REFRESH_GRACE_WINDOW_MS + 1);
    }
    const sixth = await refresh(testApp.app, current.refresh_token);
    expect(sixth.statusCode).toBe(429);
    expect(errorCode(sixth)).toBe('refresh_rate_limited');
    // Until the next clock hour: the counter's TTL, set at the first refresh (by the app's clock) and run down since
    // by the store's time (the embedded store follows the app's clock, Redis its own).
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((nextHourMs - clock.now()) / 1000));
    expect(retryAfter).toBeLessThanOrEqual((nextHourMs - firstRefreshAtMs) / 1000);
    // The refused attempt did not rotate: the same token works in the next hour.
    clock.set(Math.floor(clock.now() / 3_600_000 + 1) * 3_600_000 + 1000);
    expect((await refresh(testApp.app, current.refresh_token)).statusCode).toBe(200);
  });

  it('the limit is per user and shared by every instance', async () => {
    clock.set(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 120_000);
    const other = await app({ clock, shareWith: testApp });
    const { tokens } = await registerAndLogin(testApp.app);
    let current = tokens;
    for (let index = 0; index < 5; index++) {
      const via = index % 2 === 0 ? testApp : other;
      const response = await refresh(via.app, current.refresh_token);
      expect(response.statusCode).toBe(200);
      current = response.json<TokenPair>();
      clock.advance(REFRESH_GRACE_WINDOW_MS + 1);
    }
    expect((await refresh(other.app, current.refresh_token)).statusCode).toBe(429);
    const stranger = await registerAndLogin(other.app);
    expect((await refresh(other.app, stranger.tokens.refresh_token)).statusCode).toBe(200);
  });
});

describe('logout everywhere and password change', () => {
  let testApp: TestApp;
  const clock = manualClock();
  beforeAll(async () => {
    testApp = await app({ clock });
  });

  it('logout-all kills every session of the user, and a later login works', async () => {
    const { email, password, tokens: first } = await registerAndLogin(testApp.app);
    const second = await login(testApp.app, email, password);
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(first.access_token) });
    expect(response.statusCode).toBe(204);
    for (const tokens of [first, second]) {
      expect(errorCode(await me(testApp.app, tokens.access_token))).toBe('token_revoked');
      expect(errorCode(await refresh(testApp.app, tokens.refresh_token))).toBe('token_revoked');
    }
    // A cut-off covers its own millisecond: the next sign-in is a moment later.
    clock.advance(1);
    const fresh = await login(testApp.app, email, password);
    expect((await me(testApp.app, fresh.access_token)).statusCode).toBe(200);
  });

  it('logout-all needs authentication', async () => {
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout-all' })).statusCode).toBe(401);
  });

  it('a password change ends every other session but keeps the current one', async () => {
    const { email, password, tokens: current } = await registerAndLogin(testApp.app);
    const other = await login(testApp.app, email, password);
    const newPassword = strongPassword();
    const response = await request(testApp.app, {
      method: 'PUT',
      url: '/api/v1/auth/password',
      headers: bearer(current.access_token),
      payload: { current_password: password, new_password: newPassword },
    });
    expect(response.statusCode).toBe(204);
    expect(errorCode(await me(testApp.app, other.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, other.refresh_token))).toBe('token_revoked');
    expect((await me(testApp.app, current.access_token)).statusCode).toBe(200);
    expect((await refresh(testApp.app, current.refresh_token)).statusCode).toBe(200);
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).statusCode).toBe(401);
    expect((await login(testApp.app, email, newPassword)).token_type).toBe('bearer');
  });

  it('a password change needs the right current password (401) and a policy-compliant new one (422)', async () => {
    const { password, tokens } = await registerAndLogin(testApp.app);
    const wrong = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/password', headers: bearer(tokens.access_token), payload: { current_password: strongPassword(), new_password: strongPassword() } });
    expect(wrong.statusCode).toBe(401);
    const weak = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/password', headers: bearer(tokens.access_token), payload: { current_password: password, new_password: 'password1234' } });
    expect(weak.statusCode).toBe(422);
    expect((await me(testApp.app, tokens.access_token)).statusCode).toBe(200);
  });
});

describe('login throttling', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await app();
  });

  it('stops the 11th failure for one account with 429 and Retry-After, from any address', async () => {
    const { email, password } = await register(testApp.app);
    const windowStartedAtMs = Date.now();
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password: strongPassword() }, remoteAddress: `10.0.0.${attempt}` });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: '10.0.1.1' });
    expect(blocked.statusCode).toBe(429);
    expect(errorCode(blocked)).toBe('login_throttled');
    // The rest of the account's window, which started with the first failure.
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_FAILURE_WINDOW_MS / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.floor((LOGIN_FAILURE_WINDOW_MS - (Date.now() - windowStartedAtMs)) / 1000));
  });

  it('a success resets the account counter', async () => {
    const { email, password } = await register(testApp.app);
    for (let attempt = 0; attempt < 9; attempt++) {
      await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password: strongPassword() }, remoteAddress: '10.0.2.1' });
    }
    await login(testApp.app, email, password, '10.0.2.1');
    for (let attempt = 0; attempt < 9; attempt++) {
      await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password: strongPassword() }, remoteAddress: '10.0.2.1' });
    }
    expect((await login(testApp.app, email, password, '10.0.2.1')).token_type).toBe('bearer');
  });

  it('throttles one address that tries many accounts', async () => {
    const address = '10.9.9.9';
    for (let attempt = 0; attempt < 100; attempt++) {
      await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: `nobody${attempt}@example.com`, password: 'x' }, remoteAddress: address });
    }
    const { email, password } = await register(testApp.app);
    const blocked = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: address });
    expect(blocked.statusCode).toBe(429);
    expect((await login(testApp.app, email, password, '10.9.9.10')).token_type).toBe('bearer');
  });
});
