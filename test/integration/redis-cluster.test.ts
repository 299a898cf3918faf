import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../src/stores/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, logout, me, refresh, registerAndLogin, request, csrfTokenFor, type TokenPair } from '../helpers/auth-client.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';

describe('issue 8: everything works on a Redis Cluster of three masters', () => {
  let cluster: RedisClusterHandle;
  let testApp: TestApp;
  let store: RedisKeyValueStore;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    testApp = await startTestApp({ config: testConfig({ REDIS_URL: cluster.url, REDIS_CLUSTER: 'true' }) });
    store = new RedisKeyValueStore({ url: cluster.url, cluster: true, keyPrefix: 'cluster-test:' });
  }, 60_000);
  afterAll(async () => {
    await store.close();
    await testApp.close();
    await cluster.stop();
  });

  it('spreads keys over the masters and still scans, counts and deletes by prefix on all of them', async () => {
    const keys = Array.from({ length: 60 }, (_, index) => `spread:${index}`);
    await Promise.all(keys.map((key) => store.set(key, 'v', 60_000)));
    expect((await store.keysWithPrefix('spread:')).sort()).toEqual([...keys].sort());
    expect(await store.countWithPrefix('spread:')).toBe(60);
    expect(await store.deleteWithPrefix('spread:')).toBe(60);
    expect(await store.keysWithPrefix('spread:')).toEqual([]);
  });

  it('keeps the atomic operations atomic', async () => {
    const increments = await Promise.all(Array.from({ length: 30 }, () => store.increment('counter:{user-1}:1', 60_000)));
    expect(Math.max(...increments.map((result) => result.count))).toBe(30);
    const swaps = await Promise.all(Array.from({ length: 10 }, (_, index) => store.compareAndSet('cas:{family}', null, `v${index}`, 60_000)));
    expect(swaps.filter(Boolean)).toHaveLength(1);
  });

  it('denylist, CSRF, the refresh counter and the atomic rotation work across slots', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await me(testApp.app, tokens.access_token)).statusCode).toBe(200);

    const responses = await Promise.all(Array.from({ length: 5 }, () => refresh(testApp.app, tokens.refresh_token)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    // The same pair for every caller; expires_in may differ by a second, being counted from each answer's own time.
    const pairs = responses.map((response) => {
      const pair = response.json<TokenPair>();
      return `${pair.access_token} ${pair.refresh_token}`;
    });
    expect(new Set(pairs).size).toBe(1);
    const next = responses[0]?.json<TokenPair>() as TokenPair;

    const csrf = await csrfTokenFor(testApp.app, { headers: bearer(next.access_token) });
    const withCsrf = await testApp.app.inject({ method: 'PUT', url: '/api/v1/auth/me', headers: { ...bearer(next.access_token), 'x-csrf-token': csrf.token }, cookies: csrf.cookies, payload: { full_name: 'Cluster' } });
    expect(withCsrf.statusCode).toBe(200);

    await logout(testApp.app, next);
    expect(errorCode(await me(testApp.app, next.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, next.refresh_token))).toBe('token_revoked');
    expect((await request(testApp.app, { method: 'GET', url: '/api/v1/health' })).json<{ checks: { store: string } }>().checks.store).toBe('ok');
  });
});
