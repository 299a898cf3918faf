import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { register, request } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';

/**
 * Issue 15 item 9: a page asks whether a session exists without an error
 * either way, so an anonymous visit leaves no 401 in the browser console, and
 * a refresh is attempted only when the server says one can help.
 */
describe('issue 15 item 9: GET /api/v1/auth/session', () => {
  let testApp: TestApp;
  const clock = manualClock();

  beforeAll(async () => {
    testApp = await startTestApp({ clock });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const session = (cookies: Record<string, string> = {}) => testApp.app.inject({ method: 'GET', url: '/api/v1/auth/session', cookies });

  it('answers 200 for an anonymous visitor: no session, nothing to refresh', async () => {
    const response = await session();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ authenticated: false, user: null, refresh: false });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('names the user of a live cookie session, says "refresh" once the access token expired, and nothing after sign-out', async () => {
    const account = await register(testApp.app);
    const signedIn = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: account.email, password: account.password } });
    const cookies = Object.fromEntries(signedIn.cookies.map((cookie) => [cookie.name, cookie.value]));
    // The access cookie outlives its token, so an expired token still arrives and is recognised as expired.
    expect(signedIn.cookies.find((cookie) => cookie.name === 'access_token')?.maxAge).toBe(testApp.config.refreshTokenExpireDays * 86_400);

    const live = await session(cookies);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ authenticated: true, refresh: false, user: { email: account.email } });

    clock.advance((testApp.config.accessTokenExpireMinutes * 60 + 60) * 1000);
    const expired = await session(cookies);
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toEqual({ authenticated: false, user: null, refresh: true });
    // Without the refresh cookie there is nothing to refresh.
    expect((await session({ access_token: cookies.access_token ?? '' })).json()).toEqual({ authenticated: false, user: null, refresh: false });
    clock.advance(-(testApp.config.accessTokenExpireMinutes * 60 + 60) * 1000);

    await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout', cookies });
    expect((await session(cookies)).json()).toEqual({ authenticated: false, user: null, refresh: false });
  });
});
