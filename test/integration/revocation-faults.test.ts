import { Redis } from 'ioredis';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStateRepository } from '../../src/db/repositories/auth-state.js';
import { systemClock } from '../../src/clock.js';
import { SecurityStateDurability } from '../../src/security/store-refill.js';
import { HYDRATION_MARKER_KEY, denylistKey, sessionStateKey, userNotBeforeKey } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, login, logout, me, refresh, registerAndLogin, request, type TokenPair } from '../helpers/auth-client.js';
import { useOwnRedisApp } from '../helpers/own-redis.js';
import { eventually } from '../helpers/time.js';

/**
 * Issue 13: revocation that no store fault can undo. Each fault is applied to
 * the store behind the app's back; every token or session that was ended
 * must be accepted 0 times out of N, and a legitimate user must recover
 * without a 5xx within 2 s of the store being back.
 */

const TRIES = 5;

function claimsOf(token: string): { family: string; jti: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { family: string; jti: string };
}

/** The faults a test can apply to the store under the app, by logical key. */
interface StoreFaults {
  /** FLUSHDB, or its embedded equivalent (every row of the store). */
  flush(): Promise<void>;
  deleteKey(key: string): Promise<void>;
  /** The key's serialised value and remaining TTL, to be put back later. */
  dump(key: string): Promise<{ value: string | Buffer; ttlMs: number }>;
  /** Puts an older dump back over whatever the key holds now (a replica that lags). */
  restore(key: string, dump: { value: string | Buffer; ttlMs: number }): Promise<void>;
}

function redisFaults(client: Redis, fullKey: (key: string) => string): StoreFaults {
  return {
    async flush() {
      await client.flushdb();
    },
    async deleteKey(key) {
      await client.del(fullKey(key));
    },
    async dump(key) {
      const value = await client.dumpBuffer(fullKey(key));
      return { value, ttlMs: await client.pttl(fullKey(key)) };
    },
    async restore(key, dump) {
      await client.restore(fullKey(key), dump.ttlMs, dump.value, 'REPLACE');
    },
  };
}

function embeddedFaults(testApp: TestApp): StoreFaults {
  const { store } = testApp.runtime;
  return {
    async flush() {
      await store.deleteWithPrefix('');
    },
    async deleteKey(key) {
      await store.delete(key);
    },
    async dump(key) {
      const value = await store.get(key);
      const ttlMs = await store.ttlMs(key);
      if (value === null || ttlMs === null) throw new Error(`no ${key} to dump`);
      return { value, ttlMs };
    },
    async restore(key, dump) {
      await store.set(key, dump.value.toString(), dump.ttlMs);
    },
  };
}

async function statusesOf(responses: Promise<LightMyRequestResponse>[]): Promise<number[]> {
  return (await Promise.all(responses)).map((response) => response.statusCode);
}

/** TRIES uses of an ended access token and refresh token: none may pass. */
async function expectDead(app: FastifyInstance, tokens: TokenPair): Promise<void> {
  const accessStatuses = await statusesOf(Array.from({ length: TRIES }, () => me(app, tokens.access_token)));
  const refreshStatuses: number[] = [];
  for (let attempt = 0; attempt < TRIES; attempt++) refreshStatuses.push((await refresh(app, tokens.refresh_token)).statusCode);
  expect({ accessStatuses, refreshStatuses }).toEqual({ accessStatuses: Array(TRIES).fill(401), refreshStatuses: Array(TRIES).fill(401) });
}

/** The fault matrix every store backend must pass. */
function sharedScenarios(context: () => { testApp: TestApp; faults: StoreFaults }): void {
  it('FLUSHDB before logout: a logout with only the access token still ends the session (13.1)', async () => {
    const { testApp, faults } = context();
    const { app } = testApp;
    const user = await registerAndLogin(app);
    const other = await login(app, user.email, user.password);
    await faults.flush();
    const loggedOut = await logout(app, { access_token: user.tokens.access_token });
    expect(loggedOut.statusCode).toBe(204);
    await expectDead(app, user.tokens);
    expect((await me(app, other.access_token)).statusCode).toBe(200);
    expect((await refresh(app, other.refresh_token)).statusCode).toBe(200);
  });

  it('FLUSHDB after logout: nothing ended comes back, the live session recovers without a 5xx', async () => {
    const { testApp, faults } = context();
    const { app } = testApp;
    const ended = await registerAndLogin(app);
    const live = await registerAndLogin(app);
    await logout(app, ended.tokens);
    await faults.flush();
    const started = Date.now();
    expect((await me(app, live.tokens.access_token)).statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await expectDead(app, ended.tokens);
    expect((await refresh(app, live.tokens.refresh_token)).statusCode).toBe(200);
  });

  it('DEL of one session key: ending that session still kills both its tokens, before and after a refill (13.2)', async () => {
    const { testApp, faults } = context();
    const { app } = testApp;
    const user = await registerAndLogin(app);
    const other = await login(app, user.email, user.password);
    const { family } = claimsOf(user.tokens.access_token);
    await faults.deleteKey(sessionStateKey(family));
    const ended = await request(app, { method: 'DELETE', url: `/api/v1/auth/sessions/${family}`, headers: bearer(other.access_token) });
    expect(ended.statusCode).toBe(204);
    await expectDead(app, user.tokens);
    await faults.flush();
    await expectDead(app, user.tokens);
    expect((await me(app, other.access_token)).statusCode).toBe(200);
  });

  it('an older copy of an ended session restored over it (a lagging replica) revives nothing', async () => {
    const { testApp, faults } = context();
    const { app } = testApp;
    const user = await registerAndLogin(app);
    const { family, jti: accessJti } = claimsOf(user.tokens.access_token);
    const { jti: refreshJti } = claimsOf(user.tokens.refresh_token);
    const olderSession = await faults.dump(sessionStateKey(family));
    expect((await logout(app, user.tokens)).statusCode).toBe(204);
    await faults.restore(sessionStateKey(family), olderSession);
    await expectDead(app, user.tokens);
    // The replica lags the refresh token's denylist entry too: the durable record still decides.
    await faults.restore(sessionStateKey(family), olderSession);
    await faults.deleteKey(denylistKey(refreshJti));
    const refreshStatuses: number[] = [];
    for (let attempt = 0; attempt < TRIES; attempt++) refreshStatuses.push((await refresh(app, user.tokens.refresh_token)).statusCode);
    expect(refreshStatuses).toEqual(Array(TRIES).fill(401));
    expect(accessJti).not.toBe(refreshJti);
  });

  it('a refill never moves a user cut-off back in time (13.4)', async () => {
    const { testApp } = context();
    const { store, database } = testApp.runtime;
    const repository = new AuthStateRepository(database.db);
    const user = await registerAndLogin(testApp.app);
    const now = Date.now();
    // The refill read the older cut-off; a password reset wrote a later one meanwhile.
    await repository.recordUserCutoff(user.id, String(now - 60_000), now + 3_600_000);
    await store.set(userNotBeforeKey(user.id), String(now), 3_600_000);
    await new SecurityStateDurability(store, repository, systemClock).refill();
    expect(await store.get(userNotBeforeKey(user.id))).toBe(String(now));
  });

  it('SQL never records a rotation of a session that has ended (13.4)', async () => {
    const { testApp } = context();
    const repository = new AuthStateRepository(testApp.runtime.database.db);
    const user = await registerAndLogin(testApp.app);
    const { family } = claimsOf(user.tokens.access_token);
    const before = await repository.findSession(family);
    await repository.markSessionRevoked(family, JSON.stringify({ ...JSON.parse(before?.state ?? '{}'), revoked: true }), Date.now());
    // A rotation that started before the end writes its (live) state afterwards.
    await repository.updateSessionState(family, before?.state ?? '', { nowMs: Date.now(), expiresAtMs: Date.now() + 3_600_000, used: true });
    const after = await repository.findSession(family);
    expect(after?.ended).toBe(true);
    expect(JSON.parse(after?.state ?? '{}')).toMatchObject({ revoked: true });
  });

  it('a rotation racing the end of its session never leaves it live (13.4)', async () => {
    const { testApp } = context();
    const { app } = testApp;
    const user = await registerAndLogin(app);
    const { family } = claimsOf(user.tokens.access_token);
    const [refreshed] = await Promise.all([refresh(app, user.tokens.refresh_token), logout(app, user.tokens)]);
    if (refreshed.statusCode === 200) await expectDead(app, refreshed.json<TokenPair>());
    const row = await testApp.runtime.database.db.selectFrom('auth_sessions').select(['revoked_at', 'state']).where('id', '=', family).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect(JSON.parse(row.state)).toMatchObject({ revoked: true });
  });
}

describe('issue 13: store faults on Redis', () => {
  const own = useOwnRedisApp();
  let client: Redis;
  let faults: StoreFaults;

  beforeAll(async () => {
    client = new Redis(own.redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    faults = redisFaults(client, (key) => `${own.testApp.config.redisKeyPrefix}${own.testApp.runtime.storeKeyPrefix}${key}`);
  });
  afterAll(async () => {
    client.disconnect();
  });

  sharedScenarios(() => ({ testApp: own.testApp, faults }));

  it('restart empty: an idle instance refills as soon as Redis is back, and its first request passes (13.5)', async () => {
    const ended = await registerAndLogin(own.testApp.app);
    const live = await registerAndLogin(own.testApp.app);
    await logout(own.testApp.app, ended.tokens);
    await own.redis.restart();
    // No request meanwhile: the reconnect alone must bring the state back.
    await eventually(() => own.testApp.runtime.store.exists(HYDRATION_MARKER_KEY), { timeoutMs: 2000, what: 'the refill marker' });
    expect((await me(own.testApp.app, live.tokens.access_token)).statusCode).toBe(200);
    await expectDead(own.testApp.app, ended.tokens);
  });
});

describe('issue 13: restart empty with two instances', () => {
  const own = useOwnRedisApp();
  let second: TestApp;

  beforeAll(async () => {
    second = await startTestApp({ shareWith: own.testApp });
  });
  afterAll(async () => {
    await second.close();
  });

  it('both instances recover within 2 s without a 5xx once Redis is back, and neither revives an ended session', async () => {
    const first = own.testApp;
    const ended = await registerAndLogin(first.app);
    const live = await registerAndLogin(second.app);
    await logout(second.app, ended.tokens);
    await own.redis.restart();
    const backAt = Date.now();
    for (const instance of [first, second]) {
      const statuses: number[] = [];
      // Both back within 2 s of the restart: the wait gives up there.
      await eventually(
        async () => {
          const status = (await me(instance.app, live.tokens.access_token)).statusCode;
          statuses.push(status);
          return status === 200;
        },
        { timeoutMs: Math.max(0, backAt + 2000 - Date.now()), intervalMs: 20, what: 'a 200 after the restart' },
      );
      // Only the store's own reconnect may answer 503 (the client has not seen Redis back yet); never a 500.
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    }
    for (const instance of [first, second]) await expectDead(instance.app, ended.tokens);
  });
});

describe('issue 13.3: eviction under a CSRF flood (maxmemory 3mb, volatile-ttl)', () => {
  const own = useOwnRedisApp({ redis: { extraArgs: ['--maxmemory', '3mb', '--maxmemory-policy', 'volatile-ttl'] } });
  let client: Redis;

  beforeAll(async () => {
    client = new Redis(own.redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    client.disconnect();
  });

  it('a logged-out token stays dead however many keys Redis evicts', async () => {
    const { app } = own.testApp;
    const ended = await registerAndLogin(app);
    const live = await registerAndLogin(app);
    await logout(app, ended.tokens);
    const accepted: number[] = [];
    // Cookieless CSRF tokens from many addresses, until Redis has evicted a good share of the keys.
    for (let round = 0; round < 60; round++) {
      await Promise.all(
        Array.from({ length: 250 }, (_, index) => app.inject({ method: 'GET', url: '/api/v1/auth/csrf-token', remoteAddress: `10.${round}.${index}.1` })),
      );
      accepted.push(...(await statusesOf([me(app, ended.tokens.access_token)])).filter((status) => status === 200));
      const evicted = Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))?.[1] ?? '0');
      if (evicted > 5000) break;
    }
    expect(Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))?.[1] ?? '0')).toBeGreaterThan(0);
    expect(accepted).toEqual([]);
    await expectDead(app, ended.tokens);
    expect((await me(app, live.tokens.access_token)).statusCode).toBe(200);
  }, 120_000);
});

describe('issue 13: store faults on the embedded store', () => {
  let testApp: TestApp;
  let faults: StoreFaults;
  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ REDIS_URL: undefined }) });
    faults = embeddedFaults(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  sharedScenarios(() => ({ testApp, faults }));

  it('the first start of an empty install says it is initialising, not that state was lost', async () => {
    const fresh = await startTestApp({ config: testConfig({ REDIS_URL: undefined }), captureLogs: 'info' });
    try {
      expect(fresh.logs()).toContain('initialising the security state');
      expect(fresh.logs()).not.toContain('lost the security state');
    } finally {
      await fresh.close();
    }
  });
});
