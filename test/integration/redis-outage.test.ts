// @backend-independent: only its own redis-server, no database; it never reads REDIS_URL / DATABASE_URL
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore, StoreUnavailableError, type KeyValueStore, type KeyValueStoreWithAdmin } from '../../src/stores/index.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { generatedSecret } from '../helpers/backends.js';
import { eventually } from '../helpers/time.js';

/**
 * A private redis-server (never the shared one) is killed and restarted under
 * a live store: every call must fail fast with StoreUnavailableError, never
 * leak the URL, and the same store instance must heal by itself.
 */

const COMMAND_TIMEOUT_MS = 500;
/** Scheduling slack on a busy CI machine; still far below "hangs". */
const SLACK_MS = 400;
/** A refused connection must fail at once, not wait for a reconnect attempt or the command timeout. */
const FAST_FAIL_MS = 250;
/** Generated per run: the tests check it never appears in an error. */
const PASSWORD = generatedSecret();

/** Every contract method once, so none is forgotten when checking failure behaviour. */
const everyOperation: [string, (store: KeyValueStoreWithAdmin) => Promise<unknown>][] = [
  ['set', (s) => s.set('k', 'v', 10_000)],
  ['setIfAbsent', (s) => s.setIfAbsent('k', 'v', 10_000)],
  ['get', (s) => s.get('k')],
  ['exists', (s) => s.exists('k')],
  ['getAndDelete', (s) => s.getAndDelete('k')],
  ['delete', (s) => s.delete('k')],
  ['increment', (s) => s.increment('counter', 10_000)],
  ['ttlMs', (s) => s.ttlMs('k')],
  ['keysWithPrefix', (s) => s.keysWithPrefix('')],
  ['countWithPrefix', (s) => s.countWithPrefix('')],
  ['deleteWithPrefix', (s) => s.deleteWithPrefix('')],
  ['ping', (s) => s.ping()],
];

/** Awaits a call that must fail; returns the error and how long the failure took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error, elapsedMs: performance.now() - started };
  }
  throw new Error('expected the call to reject, but it resolved');
}

/** Pings until the store answers again; returns how long that took, or Infinity after `limitMs`. */
async function timeUntilHealthy(store: KeyValueStore, limitMs: number): Promise<number> {
  const started = performance.now();
  try {
    await eventually(async () => {
      await store.ping();
      return true;
    }, { timeoutMs: limitMs });
    return performance.now() - started;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function expectUnavailable(error: unknown, server: RedisServerHandle): void {
  expect(error).toBeInstanceOf(StoreUnavailableError);
  const message = (error as StoreUnavailableError).message;
  expect(message).not.toContain(server.url);
  expect(message).not.toContain(PASSWORD);
}

describe('RedisKeyValueStore during a Redis outage', () => {
  let server: RedisServerHandle;
  let store: RedisKeyValueStore;
  const connectionErrors: StoreUnavailableError[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ password: PASSWORD });
    store = new RedisKeyValueStore({
      url: server.url,
      keyPrefix: 'outage:',
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      onConnectionError: (error) => connectionErrors.push(error),
    });
  });

  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('works while the server is up', async () => {
    await store.ping();
    await store.set('before', 'outage', 60_000);
    expect(await store.get('before')).toBe('outage');
  });

  it('rejects every operation fast with StoreUnavailableError once the server is killed', async () => {
    const pid = server.pid;
    expect(pid).toBeTypeOf('number');
    process.kill(pid ?? -1, 'SIGKILL');
    await server.waitForExit();

    for (const [name, operation] of everyOperation) {
      const { error, elapsedMs } = await failure(() => operation(store));
      expectUnavailable(error, server);
      expect(elapsedMs, `${name} took ${elapsedMs.toFixed(0)} ms`).toBeLessThan(FAST_FAIL_MS);
    }

    // Many callers at once (a burst of requests) fail just as fast: nothing queues up.
    const started = performance.now();
    const burst = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => store.increment(`burst:${String(i)}`, 1000)));
    expect(performance.now() - started).toBeLessThan(FAST_FAIL_MS);
    for (const result of burst) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expectUnavailable(result.reason, server);
    }

    // Reconnect attempts are refused; those errors reach the handler, sanitised, and do not crash the process.
    await eventually(() => connectionErrors.length > 0, { timeoutMs: 2_000, what: 'a refused reconnect reaching the handler' });
    for (const error of connectionErrors) expectUnavailable(error, server);
  });

  it('heals by itself within ~2 s once the server is back, without being recreated', async () => {
    await server.restart();
    const healedAfterMs = await timeUntilHealthy(store, 3_000);
    expect(healedAfterMs).toBeLessThan(2_000);

    // A fresh server without persistence: the old data is gone, new writes work.
    expect(await store.get('before')).toBeNull();
    await store.set('after', 'restart', 60_000);
    expect(await store.get('after')).toBe('restart');
    expect(await store.increment('counter', 60_000)).toMatchObject({ count: 1 });
  });

  it('times out instead of hanging when the server stops answering (SIGSTOP)', async () => {
    server.pause();
    try {
      // In parallel: each one has to wait out the command timeout.
      const outcomes = await Promise.all(everyOperation.map(([, operation]) => failure(() => operation(store))));
      for (const [index, { error, elapsedMs }] of outcomes.entries()) {
        expectUnavailable(error, server);
        const name = everyOperation[index]?.[0] ?? '?';
        expect(elapsedMs, `${name} took ${elapsedMs.toFixed(0)} ms`).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
        expect(elapsedMs, `${name} should have waited for the command timeout`).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
      }
    } finally {
      server.resume();
    }
    expect(await timeUntilHealthy(store, 3_000)).toBeLessThan(2_000);
    expect(await store.get('after')).toBe('restart');
  });

  it('a store created while Redis is down fails fast and connects once Redis is up', async () => {
    await server.stop();
    const late = new RedisKeyValueStore({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS, keyPrefix: 'late:' });
    try {
      const { error, elapsedMs } = await failure(() => late.get('k'));
      expectUnavailable(error, server);
      expect(elapsedMs).toBeLessThan(FAST_FAIL_MS);

      await server.restart();
      expect(await timeUntilHealthy(late, 3_000)).toBeLessThan(2_000);
      await late.set('k', 'v', 10_000);
      expect(await late.get('k')).toBe('v');
    } finally {
      await late.close();
    }
  });

  it('never puts the URL or password into errors about a bad URL', () => {
    const url = `redis://:${PASSWORD}@[::1:6379`;
    let caught: unknown;
    try {
      new RedisKeyValueStore({ url });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreUnavailableError);
    expect((caught as Error).message).not.toContain(PASSWORD);
  });
});
