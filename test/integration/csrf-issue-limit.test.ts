import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_ISSUE_WINDOW_MS } from '../../src/security/csrf.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, registerAndLogin } from '../helpers/auth-client.js';

const LIMIT = 5;

describe('issue 13.3: anonymous CSRF state is bounded per address', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ CSRF_TOKENS_PER_ADDRESS: String(LIMIT) }) });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const csrfToken = (remoteAddress: string, extra: { cookies?: Record<string, string>; headers?: Record<string, string> } = {}) =>
    testApp.app.inject({ method: 'GET', url: '/api/v1/auth/csrf-token', remoteAddress, ...extra });

  it('a cookieless flood from one address adds at most the limit of tokens, then gets 429 with Retry-After', async () => {
    const address = '198.51.100.7';
    const before = (await testApp.runtime.store.keysWithPrefix('csrf_token:')).length;
    const responses = [];
    const windowStartedAtMs = Date.now();
    for (let sent = 0; sent < 50; sent++) responses.push(await csrfToken(address));
    expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(LIMIT);
    const refused = responses.filter((response) => response.statusCode === 429);
    expect(refused).toHaveLength(50 - LIMIT);
    const [firstRefused] = refused;
    if (firstRefused === undefined) throw new Error('nothing was refused');
    expect(errorCode(firstRefused)).toBe('rate_limited');
    // The rest of the address's window, which its first request opened.
    const retryAfter = Number(firstRefused.headers['retry-after']);
    expect(retryAfter).toBeLessThanOrEqual(CSRF_ISSUE_WINDOW_MS / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.floor((CSRF_ISSUE_WINDOW_MS - (Date.now() - windowStartedAtMs)) / 1000));
    expect((await testApp.runtime.store.keysWithPrefix('csrf_token:')).length - before).toBe(LIMIT);
    // Another address is not affected.
    expect((await csrfToken('198.51.100.8')).statusCode).toBe(200);
  });

  it('a browser that carries its valid anonymous session and token gets them back, uncounted', async () => {
    const address = '198.51.100.9';
    const first = await csrfToken(address);
    const cookies = Object.fromEntries(first.cookies.map((cookie) => [cookie.name, cookie.value]));
    for (let sent = 0; sent < 3 * LIMIT; sent++) {
      const again = await csrfToken(address, { cookies });
      expect(again.statusCode).toBe(200);
      expect(again.json<{ csrf_token: string }>().csrf_token).toBe(first.json<{ csrf_token: string }>().csrf_token);
    }
  });

  it('signed-in sessions are not limited by it (their tokens are bound to the session)', async () => {
    const user = await registerAndLogin(testApp.app);
    for (let sent = 0; sent < 2 * LIMIT; sent++) expect((await csrfToken('127.0.0.1', { headers: bearer(user.tokens.access_token) })).statusCode).toBe(200);
  });
});
