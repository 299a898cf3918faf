import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityMetrics } from '../../src/observability/metrics.js';
import { CsrfProtection } from '../../src/security/csrf.js';
import { csrfTokenKey } from '../../src/security/store-keys.js';
import { TokenCodec } from '../../src/security/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { expireStoreEntry, manualClock } from '../helpers/time.js';
import { bearer, csrfTokenFor, errorCode, register, request, strongPassword, type TokenPair, TOKENS_IN_BODY } from '../helpers/auth-client.js';

const ALLOWED_ORIGIN = 'https://app.autocognitix.example';

async function failures(reason: string): Promise<number> {
  return (await securityMetrics.csrfValidationsFailed.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

function loginWith(testApp: TestApp, csrf: { token: string; cookies: Record<string, string> }, account: { email: string; password: string }, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return testApp.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-csrf-token': csrf.token, ...TOKENS_IN_BODY, ...headers }, cookies: csrf.cookies, payload: { email: account.email, password: account.password } });
}

describe('seed SEC-003: CSRF double-submit protection', () => {
  let testApp: TestApp;
  let account: { email: string; password: string };
  const clock = manualClock();

  beforeAll(async () => {
    testApp = await startTestApp({
      clock,
      config: testConfig({ CORS_ORIGINS: ALLOWED_ORIGIN }),
      beforeReady: (app) => {
        app.delete('/api/v1/test-only/thing', async () => ({ deleted: true }));
        app.patch('/api/v1/test-only/thing', async () => ({ patched: true }));
      },
    });
    account = await register(testApp.app, undefined, strongPassword());
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('issues a 32-byte token in the body and an HttpOnly, SameSite=Strict cookie; stores only its hash for 1 h', async () => {
    const generatedBefore = (await securityMetrics.csrfTokensGenerated.get()).values[0]?.value ?? 0;
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/csrf-token' });
    expect(response.statusCode).toBe(200);
    const token = response.json<{ csrf_token: string }>().csrf_token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const cookie = response.cookies.find((candidate) => candidate.name === 'csrf_token');
    expect(cookie).toMatchObject({ value: token, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(response.cookies.find((candidate) => candidate.name === 'anon_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(response.headers['cache-control']).toBe('no-store');

    const key = `csrf_token:${createHash('sha256').update(token).digest('base64url')}`;
    expect(csrfTokenKey(token)).toBe(key);
    const ttl = await testApp.runtime.store.ttlMs(key);
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    const storedKeys = await testApp.runtime.store.keysWithPrefix('csrf_token:');
    expect(storedKeys.some((stored) => stored.includes(token))).toBe(false);
    expect((await securityMetrics.csrfTokensGenerated.get()).values[0]?.value).toBe(generatedBefore + 1);
  });

  it('lets a login through with a valid token (seed step 2)', async () => {
    const response = await loginWith(testApp, await csrfTokenFor(testApp.app), account);
    expect(response.statusCode).toBe(200);
  });

  it('refuses a login without the header with 403 csrf_missing (seed step 3)', async () => {
    const before = await failures('csrf_missing');
    const csrf = await csrfTokenFor(testApp.app);
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/login', cookies: csrf.cookies, payload: account });
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_missing');
    expect(await failures('csrf_missing')).toBe(before + 1);
  });

  it('refuses a request with the header but no cookie (csrf_missing)', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-csrf-token': csrf.token }, payload: account });
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_missing');
  });

  it('refuses a wrong token with 403 (seed step 4)', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const response = await loginWith(testApp, { token: 'A'.repeat(43), cookies: { ...csrf.cookies, csrf_token: 'A'.repeat(43) } }, account);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_expired');
  });

  it('hands a still-valid token back instead of replacing it (tabs share one token)', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const again = await csrfTokenFor(testApp.app, { cookies: csrf.cookies });
    expect(again.token).toBe(csrf.token);
    const elsewhere = await csrfTokenFor(testApp.app, { cookies: { csrf_token: csrf.token } });
    expect(elsewhere.token).not.toBe(csrf.token);
  });

  it('refuses a header that differs from the cookie (csrf_mismatch)', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const other = await csrfTokenFor(testApp.app);
    const response = await loginWith(testApp, { token: other.token, cookies: csrf.cookies }, account);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_mismatch');
  });

  // With a token, each request reaches its handler: the empty bodies fail validation, the test-only routes answer.
  it.each([
    { method: 'POST', url: '/api/v1/auth/register', status: 422 },
    { method: 'PUT', url: '/api/v1/auth/me', status: 422 },
    { method: 'PATCH', url: '/api/v1/test-only/thing', status: 200 },
    { method: 'DELETE', url: '/api/v1/test-only/thing', status: 200 },
  ] as const)('checks $method', async ({ method, url, status }) => {
    const response = await testApp.app.inject({ method, url, payload: {} });
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_missing');
    const withToken = await request(testApp.app, { method, url, payload: {} });
    expect(withToken.statusCode).toBe(status);
    if (status === 422) expect(errorCode(withToken)).toBe('validation_failed');
  });

  // OPTIONS has no route here (no CORS preflight without an Origin): past the CSRF check it is a plain 404.
  it.each([
    { method: 'GET', status: 200 },
    { method: 'HEAD', status: 200 },
    { method: 'OPTIONS', status: 404 },
  ] as const)('lets $method through without a token', async ({ method, status }) => {
    const response = await testApp.app.inject({ method, url: '/api/v1/health' });
    expect(response.statusCode).toBe(status);
  });

  // None of them takes a POST: past the CSRF check each one is 404 not_found, never 403.
  it.each(['/health', '/api/v1/health', '/metrics', '/api/v1/docs', '/api/v1/docs/static/index.html', '/api/v1/openapi.json'])('exempts %s', async (url) => {
    const response = await testApp.app.inject({ method: 'POST', url, payload: {} });
    expect(response.statusCode).toBe(404);
    expect(errorCode(response)).toBe('not_found');
  });

  it('does not exempt look-alike paths', async () => {
    for (const url of ['/healthz', '/api/v1/docsx', '/metrics/../api/v1/auth/register', '/api/v1/docs/../auth/login', '/api/v1/docs/%2e%2e/auth/login']) {
      const response = await testApp.app.inject({ method: 'POST', url, payload: {} });
      expect(response.statusCode).toBe(403);
    }
  });

  it('refuses an expired token (its store entry gone) with csrf_expired', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    await expireStoreEntry(testApp.runtime.store, csrfTokenKey(csrf.token), clock);
    const response = await loginWith(testApp, csrf, account);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_expired');
  });

  it('binds the token to the anonymous session: a token from one browser is csrf_mismatch in another', async () => {
    const victim = await csrfTokenFor(testApp.app);
    const attacker = await csrfTokenFor(testApp.app);
    const response = await loginWith(testApp, { token: attacker.token, cookies: { ...victim.cookies, csrf_token: attacker.token } }, account);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_mismatch');
  });

  it('replaces the token at login: the pre-login one dies, the new one is bound to the session', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const loginResponse = await loginWith(testApp, csrf, account);
    const body = loginResponse.json<TokenPair & { csrf_token: string }>();
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loginResponse.cookies.find((cookie) => cookie.name === 'csrf_token')?.value).toBe(body.csrf_token);
    expect(await testApp.runtime.store.exists(csrfTokenKey(csrf.token))).toBe(false);

    const planted = await testApp.app.inject({ method: 'PUT', url: '/api/v1/auth/me', headers: { ...bearer(body.access_token), 'x-csrf-token': csrf.token }, cookies: csrf.cookies, payload: { full_name: 'x' } });
    expect(errorCode(planted)).toBe('csrf_expired');
    const fresh = await testApp.app.inject({
      method: 'PUT',
      url: '/api/v1/auth/me',
      headers: { ...bearer(body.access_token), 'x-csrf-token': body.csrf_token },
      cookies: { csrf_token: body.csrf_token },
      payload: { full_name: 'Fresh Token' },
    });
    expect(fresh.statusCode).toBe(200);

    // Another signed-in session's token does not work for this one.
    const other = (await loginWith(testApp, await csrfTokenFor(testApp.app), account)).json<TokenPair & { csrf_token: string }>();
    const crossSession = await testApp.app.inject({
      method: 'PUT',
      url: '/api/v1/auth/me',
      headers: { ...bearer(body.access_token), 'x-csrf-token': other.csrf_token },
      cookies: { csrf_token: other.csrf_token },
      payload: { full_name: 'x' },
    });
    expect(errorCode(crossSession)).toBe('csrf_mismatch');
  });

  it('replaces the token at logout and hands the new one over in the X-CSRF-Token header', async () => {
    const body = (await loginWith(testApp, await csrfTokenFor(testApp.app), account)).json<TokenPair & { csrf_token: string }>();
    const logoutResponse = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...bearer(body.access_token), 'x-csrf-token': body.csrf_token },
      cookies: { csrf_token: body.csrf_token },
    });
    expect(logoutResponse.statusCode).toBe(204);
    const next = logoutResponse.headers['x-csrf-token'];
    expect(typeof next).toBe('string');
    expect(await testApp.runtime.store.exists(csrfTokenKey(body.csrf_token))).toBe(false);
    const cookies: Record<string, string> = {};
    for (const cookie of logoutResponse.cookies) cookies[cookie.name] = cookie.value;
    expect(cookies.csrf_token).toBe(next);
    const relogin = await loginWith(testApp, { token: String(next), cookies: { csrf_token: cookies.csrf_token ?? '', anon_session: cookies.anon_session ?? '' } }, account);
    expect(relogin.statusCode).toBe(200);
  });

  describe('cross-site requests are refused before the token check', () => {
    it('Sec-Fetch-Site: cross-site → 403 csrf_origin, even with a valid token', async () => {
      const before = await failures('csrf_origin');
      const response = await loginWith(testApp, await csrfTokenFor(testApp.app), account, { 'sec-fetch-site': 'cross-site' });
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('csrf_origin');
      expect(String(response.headers.vary)).toMatch(/Origin/);
      expect(String(response.headers.vary)).toMatch(/Sec-Fetch-Site/);
      expect(await failures('csrf_origin')).toBe(before + 1);
    });

    it('an Origin outside the allow-list → 403 csrf_origin', async () => {
      for (const origin of ['https://evil.example', 'null', `${ALLOWED_ORIGIN}.evil.example`]) {
        const response = await loginWith(testApp, await csrfTokenFor(testApp.app), account, { origin });
        expect(errorCode(response)).toBe('csrf_origin');
      }
    });

    it('our own origin and an allowed one pass', async () => {
      expect((await loginWith(testApp, await csrfTokenFor(testApp.app), account, { origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
      expect((await loginWith(testApp, await csrfTokenFor(testApp.app), account, { origin: ALLOWED_ORIGIN, 'sec-fetch-site': 'cross-site' })).statusCode).toBe(200);
    });
  });

  it('a token issued by instance A validates on instance B', async () => {
    const instanceB = await startTestApp({ shareWith: testApp });
    try {
      const csrf = await csrfTokenFor(testApp.app);
      expect((await loginWith(instanceB, csrf, account)).statusCode).toBe(200);
    } finally {
      await instanceB.close();
    }
  });
});

describe('CsrfProtection options (the seed middleware signature: excludePaths, safeMethods)', () => {
  const protection = (options: { excludePaths?: string[]; safeMethods?: string[] }) =>
    new CsrfProtection({ store: undefined as never, codec: new TokenCodec('k'.repeat(48), { now: Date.now }), secureCookies: true, allowedOrigins: [], ...options });

  it('protects unsafe methods and honours the defaults', () => {
    const defaults = protection({});
    expect(defaults.isProtected('POST', '/api/v1/auth/login')).toBe(true);
    expect(defaults.isProtected('GET', '/api/v1/auth/login')).toBe(false);
    expect(defaults.isProtected('POST', '/metrics')).toBe(false);
    expect(defaults.cookieNames).toEqual({ token: '__Host-csrf_token', anonymousSession: '__Host-anon_session' });
  });

  it('takes custom exclusions and safe methods', () => {
    const custom = protection({ excludePaths: ['/webhooks/'], safeMethods: ['GET'] });
    expect(custom.isProtected('POST', '/webhooks/nhtsa')).toBe(false);
    expect(custom.isProtected('POST', '/metrics')).toBe(true);
    expect(custom.isProtected('HEAD', '/anything')).toBe(true);
  });
});
