import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, login, me, refresh, registerAndLogin, request, TOKENS_IN_BODY } from '../helpers/auth-client.js';
import { shiftedClock } from '../helpers/time.js';

interface SessionItem {
  id: string;
  current: boolean;
  user_agent: string | null;
  ip_prefix: string | null;
  last_used_at: string;
}

describe('sessions: list and end my own', () => {
  let testApp: TestApp;
  const clock = shiftedClock();
  beforeAll(async () => {
    testApp = await startTestApp({ clock });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const list = async (accessToken: string): Promise<SessionItem[]> => {
    const response = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
    return response.json<{ items: SessionItem[] }>().items;
  };

  it('lists each sign-in with its user agent and a coarsened address, marking the current one', async () => {
    const account = await registerAndLogin(testApp.app);
    const phone = await request(testApp.app, {
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'user-agent': 'AutoCognitix-Test/1.0 (phone)', ...TOKENS_IN_BODY },
      remoteAddress: '203.0.113.77',
      payload: { email: account.email, password: account.password },
    });
    const phoneTokens = phone.json<{ access_token: string }>();
    const items = await list(phoneTokens.access_token);
    expect(items).toHaveLength(2);
    const current = items.filter((item) => item.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ user_agent: 'AutoCognitix-Test/1.0 (phone)', ip_prefix: '203.0.113.0/24' });
    expect(JSON.stringify(items)).not.toContain('203.0.113.77');
  });

  it('ends one session: its tokens die at once, the others live on', async () => {
    const account = await registerAndLogin(testApp.app);
    const other = await login(testApp.app, account.email, account.password);
    const items = await list(account.tokens.access_token);
    expect(items.map((item) => item.current).sort()).toEqual([false, true]);
    const target = items.find((item) => !item.current);
    const response = await request(testApp.app, { method: 'DELETE', url: `/api/v1/auth/sessions/${target?.id ?? ''}`, headers: bearer(account.tokens.access_token) });
    expect(response.statusCode).toBe(204);
    expect(errorCode(await me(testApp.app, other.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, other.refresh_token))).toBe('token_revoked');
    expect((await me(testApp.app, account.tokens.access_token)).statusCode).toBe(200);
    expect(await list(account.tokens.access_token)).toHaveLength(1);
  });

  it('answers 404 for another user\'s session and leaves it alone', async () => {
    const victim = await registerAndLogin(testApp.app);
    const attacker = await registerAndLogin(testApp.app);
    const [victimSession] = await list(victim.tokens.access_token);
    const response = await request(testApp.app, { method: 'DELETE', url: `/api/v1/auth/sessions/${victimSession?.id ?? ''}`, headers: bearer(attacker.tokens.access_token) });
    expect(response.statusCode).toBe(404);
    expect((await me(testApp.app, victim.tokens.access_token)).statusCode).toBe(200);
  });

  it('a refresh updates last use; logout-all empties the list', async () => {
    const account = await registerAndLogin(testApp.app);
    const [before] = await list(account.tokens.access_token);
    clock.shift(1000);
    const rotated = (await refresh(testApp.app, account.tokens.refresh_token)).json<{ access_token: string }>();
    const [after] = await list(rotated.access_token);
    expect(after?.id).toBe(before?.id);
    expect(Date.parse(after?.last_used_at ?? '')).toBeGreaterThanOrEqual(Date.parse(before?.last_used_at ?? '') + 1000);
    await login(testApp.app, account.email, account.password);
    await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(rotated.access_token) });
    const fresh = await login(testApp.app, account.email, account.password);
    const remaining = await list(fresh.access_token);
    expect(remaining).toHaveLength(1);
    expect(remaining[0]?.current).toBe(true);
  });
});
