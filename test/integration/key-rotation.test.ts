import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_FAILURES_PER_ACCOUNT } from '../../src/security/throttle.js';
import { CLOCK_LEEWAY_SECONDS, keyIdOf } from '../../src/security/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { generatedSecret, testConfig } from '../helpers/backends.js';
import { bearer, csrfTokenFor, errorCode, me, refresh, register, registerAndLogin, request, strongPassword, type TokenPair } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';

/**
 * Issue 19: rotating the signing key while users are signed in. Instances on
 * the same stores stand for the deployment before, during and after a
 * rotation: key A alone, B signing with A still accepted, and B alone once A
 * is removed. Nobody is signed out by the rotation; tokens signed with A live
 * until their own expiry; once A is removed they are refused.
 */

/** 198.18.0.0/15 (benchmarking, RFC 2544): addresses nobody owns, for inject only. */
const uniqueAddress = (): string => `198.19.${randomBytes(1)[0] ?? 0}.${randomBytes(1)[0] ?? 0}`;

const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>).kid;

describe('signing-key rotation while users are signed in (issue 19)', () => {
  const keyA = generatedSecret();
  const keyB = generatedSecret();
  // Every instance follows one clock, so "later" is the same moment everywhere.
  const clock = manualClock();
  /** JWT_SECRET_KEY=A: the deployment before the rotation. */
  let before: TestApp;
  /** JWT_SECRET_KEY=B, JWT_PREVIOUS_SECRET_KEYS=A: after the rotation. */
  let rotated: TestApp;
  /** JWT_SECRET_KEY=B alone: after A was removed. */
  let removed: TestApp;

  beforeAll(async () => {
    before = await startTestApp({ config: testConfig({ JWT_SECRET_KEY: keyA }), clock });
    // The same DATA_DIR: on the embedded backends that is where the shared database and store live.
    const sameStores = (overrides: Record<string, string>) => testConfig({ DATA_DIR: before.config.dataDir, ...overrides });
    rotated = await startTestApp({ shareWith: before, clock, config: sameStores({ JWT_SECRET_KEY: keyB, JWT_PREVIOUS_SECRET_KEYS: keyA }) });
    removed = await startTestApp({ shareWith: before, clock, config: sameStores({ JWT_SECRET_KEY: keyB }) });
  });
  afterAll(async () => {
    // The instance that created the stores closes last and drops them.
    await removed.close();
    await rotated.close();
    await before.close();
  });

  it('nobody is signed out: the old access token works, the old refresh token refreshes, and the new pair is signed with the new key', async () => {
    const { tokens } = await registerAndLogin(before.app);
    expect(kidOf(tokens.access_token)).toBe(keyIdOf(keyA));
    expect(kidOf(tokens.refresh_token)).toBe(keyIdOf(keyA));

    expect((await me(rotated.app, tokens.access_token)).statusCode).toBe(200);
    const refreshed = await refresh(rotated.app, tokens.refresh_token);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const renewed = refreshed.json<TokenPair>();
    expect(kidOf(renewed.access_token)).toBe(keyIdOf(keyB));
    expect(kidOf(renewed.refresh_token)).toBe(keyIdOf(keyB));
    expect((await me(rotated.app, renewed.access_token)).statusCode).toBe(200);
    // The new pair outlives the old key: an instance that no longer holds A takes it.
    expect((await me(removed.app, renewed.access_token)).statusCode).toBe(200);
    // An instance not yet restarted cannot verify it: why every instance must restart (or learn B first; see below).
    expect(errorCode(await me(before.app, renewed.access_token))).toBe('token_invalid');
    // The refresh rotated the session as ever: the old access token is on the denylist.
    expect(errorCode(await me(rotated.app, tokens.access_token))).toBe('token_revoked');
  });

  it('a token signed with a key that has been removed is refused', async () => {
    const { tokens } = await registerAndLogin(before.app);
    expect(errorCode(await me(removed.app, tokens.access_token))).toBe('token_invalid');
    expect(errorCode(await refresh(removed.app, tokens.refresh_token))).toBe('token_invalid');
    // Refused for the key, not the session: it is still alive where A is held.
    expect((await me(rotated.app, tokens.access_token)).statusCode).toBe(200);
  });

  it('CSRF and revocation work across the rotation', async () => {
    const { tokens } = await registerAndLogin(before.app);
    const logoutRequest = { method: 'POST' as const, url: '/api/v1/auth/logout', headers: bearer(tokens.access_token), payload: { refresh_token: tokens.refresh_token } };
    // Still required: an unsafe request without a CSRF token is refused.
    expect(errorCode(await request(rotated.app, { ...logoutRequest, csrf: false }))).toBe('csrf_missing');
    // A CSRF token issued before the rotation, for this session, is honoured after it.
    const { token, cookies } = await csrfTokenFor(before.app, { headers: bearer(tokens.access_token) });
    const loggedOut = await request(rotated.app, { ...logoutRequest, csrf: false, headers: { ...logoutRequest.headers, 'x-csrf-token': token }, cookies });
    expect(loggedOut.statusCode, loggedOut.body).toBe(204);
    // Logged out on the rotated instance: revoked everywhere, whichever key signed the token.
    for (const instance of [rotated, before]) {
      expect(errorCode(await me(instance.app, tokens.access_token))).toBe('token_revoked');
      expect(errorCode(await refresh(instance.app, tokens.refresh_token))).toBe('token_revoked');
    }
  });

  it('a rolling restart loses nobody when every instance first learns the new key as a previous one', async () => {
    // Step 2 of `keys rotate`: A still signs, B is already accepted.
    const announced = await startTestApp({ shareWith: before, clock, config: testConfig({ DATA_DIR: before.config.dataDir, JWT_SECRET_KEY: keyA, JWT_PREVIOUS_SECRET_KEYS: keyB }) });
    try {
      const signedWithB = (await registerAndLogin(rotated.app)).tokens;
      expect(kidOf(signedWithB.access_token)).toBe(keyIdOf(keyB));
      expect((await me(announced.app, signedWithB.access_token)).statusCode).toBe(200);
      const refreshed = await refresh(announced.app, signedWithB.refresh_token);
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      const signedWithA = refreshed.json<TokenPair>();
      expect(kidOf(signedWithA.access_token)).toBe(keyIdOf(keyA));
      expect((await me(rotated.app, signedWithA.access_token)).statusCode).toBe(200);
    } finally {
      await announced.close();
    }
  });

  it('a browser known before the rotation stays known (its device cookie verifies with the previous key)', async () => {
    const owner = await register(before.app);
    const signIn = (instance: TestApp, password: string, cookies?: Record<string, string>): Promise<LightMyRequestResponse> =>
      request(instance.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: owner.email, password }, remoteAddress: uniqueAddress(), ...(cookies ? { cookies } : {}) });
    const earlier = await signIn(before, owner.password);
    expect(earlier.statusCode).toBe(200);
    const device = { device: earlier.cookies.find((cookie) => cookie.name === 'device')?.value ?? '' };
    expect(device.device).not.toBe('');
    // Strangers spend the account's budget.
    for (let index = 0; index < LOGIN_FAILURES_PER_ACCOUNT; index++) expect((await signIn(rotated, strongPassword())).statusCode).toBe(401);
    expect(errorCode(await signIn(rotated, owner.password))).toBe('login_throttled');
    // Where A is no longer held the cookie is a stranger's: the browser waits like any other.
    expect(errorCode(await signIn(removed, owner.password, device))).toBe('login_throttled');
    // Where A is a previous key the browser is still known, and gets in.
    expect((await signIn(rotated, owner.password, device)).statusCode).toBe(200);
  });

  // Last: it moves the shared clock days ahead.
  it('tokens signed with the previous key die at their own expiry', async () => {
    const [first, second] = [await registerAndLogin(before.app), await registerAndLogin(before.app)];
    const leewayMs = CLOCK_LEEWAY_SECONDS * 1000;
    clock.advance(before.config.accessTokenExpireMinutes * 60_000 + leewayMs);
    expect(errorCode(await me(rotated.app, first.tokens.access_token))).toBe('token_expired');
    // The refresh tokens live on, and still renew their sessions, now with the new key.
    const renewed = await refresh(rotated.app, second.tokens.refresh_token);
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(kidOf(renewed.json<TokenPair>().access_token)).toBe(keyIdOf(keyB));

    clock.advance(before.config.refreshTokenExpireDays * 86_400_000);
    expect(errorCode(await refresh(rotated.app, first.tokens.refresh_token))).toBe('token_expired');
  });
});
