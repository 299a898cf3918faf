import { describe, expect, it } from 'vitest';
import { csrfTokenFor, errorCode, logout, me, registerAndLogin } from '../helpers/auth-client.js';
import { useOwnRedisApp } from '../helpers/own-redis.js';
import { eventually } from '../helpers/time.js';

describe('fail closed when the store is down', () => {
  const own = useOwnRedisApp();

  it('answers 503 store_unavailable (never a pass, never a 500) while Redis is down, and recovers within 2 s', async () => {
    const { tokens } = await registerAndLogin(own.testApp.app);
    const revoked = await registerAndLogin(own.testApp.app);
    await logout(own.testApp.app, revoked.tokens);
    expect((await me(own.testApp.app, tokens.access_token)).statusCode).toBe(200);
    const csrf = await csrfTokenFor(own.testApp.app);

    await own.redis.stop('SIGKILL');
    for (const token of [tokens.access_token, revoked.tokens.access_token]) {
      const response = await me(own.testApp.app, token);
      expect(response.statusCode).toBe(503);
      expect(errorCode(response)).toBe('store_unavailable');
      expect(response.headers['retry-after']).toBe('1');
    }
    // The CSRF check and the login both need the store: 503, not 403 and not a pass.
    const loginDuringOutage = await own.testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-csrf-token': csrf.token },
      cookies: csrf.cookies,
      payload: { email: 'a@example.com', password: 'whatever-password' },
    });
    expect(loginDuringOutage.statusCode).toBe(503);
    expect(errorCode(loginDuringOutage)).toBe('store_unavailable');

    // Same data set back (a restart with persistence is covered by the durability suite): the valid token works again.
    await own.redis.restart();
    // Back within 2 s is the requirement: the wait gives up there.
    await eventually(async () => (await me(own.testApp.app, tokens.access_token)).statusCode === 200, { timeoutMs: 2000, intervalMs: 50, what: 'a 200 after the restart' });
  });
});
