import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { FailClosedOperation } from '../../src/errors.js';
import { createLogger } from '../../src/observability/index.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import type { SecurityOperation } from '../../src/observability/slow-operations.js';
import { StoreUnavailableError, type KeyValueStoreWithAdmin } from '../../src/stores/index.js';
import { bearer, csrfTokenFor, errorCode, registerAndLogin, request, type TokenPair } from '../helpers/auth-client.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { manualClock, sleep } from '../helpers/time.js';

/**
 * A store that fails, or answers late, for keys with chosen prefixes: the
 * seed's key names tell which security check a key belongs to, so one check
 * at a time can be broken or slowed while every other one works.
 */
class FaultyStore implements KeyValueStoreWithAdmin {
  readonly failingPrefixes = new Set<string>();
  readonly slowPrefixes = new Map<string, number>();

  constructor(private readonly inner: KeyValueStoreWithAdmin) {}

  get kind(): KeyValueStoreWithAdmin['kind'] {
    return this.inner.kind;
  }

  private async gate(key: string): Promise<void> {
    for (const [prefix, delayMs] of this.slowPrefixes) {
      if (key.startsWith(prefix)) await sleep(delayMs);
    }
    for (const prefix of this.failingPrefixes) {
      if (key.startsWith(prefix)) throw new StoreUnavailableError();
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.gate(key);
    return this.inner.set(key, value, ttlMs);
  }
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    await this.gate(key);
    return this.inner.setIfAbsent(key, value, ttlMs);
  }
  async get(key: string): Promise<string | null> {
    await this.gate(key);
    return this.inner.get(key);
  }
  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    for (const key of keys) await this.gate(key);
    return this.inner.getMany(keys);
  }
  async exists(key: string): Promise<boolean> {
    await this.gate(key);
    return this.inner.exists(key);
  }
  async compareAndSet(key: string, expected: string | null, value: string, ttlMs: number): Promise<boolean> {
    await this.gate(key);
    return this.inner.compareAndSet(key, expected, value, ttlMs);
  }
  async getAndDelete(key: string): Promise<string | null> {
    await this.gate(key);
    return this.inner.getAndDelete(key);
  }
  async delete(key: string): Promise<boolean> {
    await this.gate(key);
    return this.inner.delete(key);
  }
  async increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }> {
    await this.gate(key);
    return this.inner.increment(key, ttlMs);
  }
  async ttlMs(key: string): Promise<number | null> {
    await this.gate(key);
    return this.inner.ttlMs(key);
  }
  keysWithPrefix(prefix: string): Promise<string[]> {
    return this.inner.keysWithPrefix(prefix);
  }
  countWithPrefix(prefix: string): Promise<number> {
    return this.inner.countWithPrefix(prefix);
  }
  deleteWithPrefix(prefix: string): Promise<number> {
    return this.inner.deleteWithPrefix(prefix);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function storeErrors(operation: FailClosedOperation): Promise<number> {
  return (await securityMetrics.storeErrors.get()).values.find((value) => value.labels.operation === operation)?.value ?? 0;
}

async function slowOperations(operation: SecurityOperation): Promise<number> {
  return (await securityMetrics.slowOperations.get()).values.find((value) => value.labels.operation === operation)?.value ?? 0;
}

let runtime: TestRuntime;
let store: FaultyStore;
let app: FastifyInstance;
const logLines: string[] = [];
const clock = manualClock();
let session: { email: string; password: string; tokens: TokenPair };

beforeAll(async () => {
  const config = testConfig();
  runtime = await openTestRuntime(config, { clock });
  store = new FaultyStore(runtime.store);
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== '')));
  app = await buildApp(config, { database: runtime.database, store, clock, logger: createLogger({ level: 'info', destination }) });
  await app.ready();
  session = await registerAndLogin(app);
});
afterAll(async () => {
  await app.close();
  await runtime.dispose();
});
beforeEach(() => {
  store.failingPrefixes.clear();
  store.slowPrefixes.clear();
  logLines.length = 0;
});

describe('security_store_errors_total counts every check that fails closed on a store error', () => {
  const cases: [FailClosedOperation, string, () => Promise<{ statusCode: number; code: string | undefined }>][] = [
    [
      'denylist_check',
      'jti:',
      async () => {
        const response = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session.tokens.access_token) });
        return { statusCode: response.statusCode, code: errorCode(response) };
      },
    ],
    [
      'csrf_validate',
      'csrf_token:',
      async () => {
        const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-csrf-token': 'a'.repeat(43) }, cookies: { csrf_token: 'a'.repeat(43) }, payload: { email: session.email, password: session.password } });
        return { statusCode: response.statusCode, code: errorCode(response) };
      },
    ],
    [
      'login_throttle',
      'login_fail:',
      async () => {
        const response = await request(app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: session.email, password: session.password } });
        return { statusCode: response.statusCode, code: errorCode(response) };
      },
    ],
    [
      'refresh_rate_limit',
      'refresh_count:',
      async () => {
        const fresh = await registerAndLogin(app);
        const response = await request(app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: fresh.tokens.refresh_token } });
        return { statusCode: response.statusCode, code: errorCode(response) };
      },
    ],
    [
      'ip_rate_limit',
      'ip_rate:',
      async () => {
        // A per-address limit kept in the store (the public read routes count in memory on the embedded backend).
        const response = await app.inject({ method: 'GET', url: `/api/v1/calendar/${'a'.repeat(43)}.ics` });
        return { statusCode: response.statusCode, code: errorCode(response) };
      },
    ],
  ];

  it.each(cases)('%s: 503 store_unavailable, counted once', async (operation, prefix, call) => {
    const before = await storeErrors(operation);
    // The refresh case registers a user first: break the store only for the check under test.
    store.failingPrefixes.add(prefix);
    const result = await call();
    expect(result).toEqual({ statusCode: 503, code: 'store_unavailable' });
    expect(await storeErrors(operation)).toBe(before + 1);
  });

  it('does not count requests the store answered', async () => {
    const before = await Promise.all(cases.map(([operation]) => storeErrors(operation)));
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session.tokens.access_token) })).statusCode).toBe(200);
    expect(await Promise.all(cases.map(([operation]) => storeErrors(operation)))).toEqual(before);
  });
});

describe('slow security operations are logged with the operation and its duration', () => {
  /** Comfortably above every threshold involved, so the operation is slow whatever the machine. */
  const DELAY_MS = 40;

  // The log keeps one line per operation and second of the app's clock: start each test a second after any earlier (naturally slow) one.
  beforeEach(() => {
    clock.advance(1000);
    logLines.length = 0;
  });

  /**
   * The slow-operation warnings of the store-bound operations. Header injection
   * touches no store (its threshold is 1 ms of CPU), so a loaded machine may
   * make it slow for real; the tests below delay the store only.
   */
  function slowWarnings(): { operation: string; durationMs: number; thresholdMs: number; level: number }[] {
    return logLines
      .map((line) => JSON.parse(line) as { msg?: string; operation: string; durationMs: number; thresholdMs: number; level: number })
      .filter((entry) => entry.msg?.startsWith('slow security operation') === true && entry.operation !== 'header_injection');
  }

  it('a slow denylist lookup logs denylist_check and token_decode as warnings', async () => {
    const before = await slowOperations('denylist_check');
    store.slowPrefixes.set('jti:', DELAY_MS);
    const response = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session.tokens.access_token) });
    expect(response.statusCode).toBe(200);
    const warnings = slowWarnings();
    expect(warnings.map((warning) => warning.operation).sort()).toEqual(['denylist_check', 'token_decode']);
    for (const warning of warnings) {
      expect(warning.level).toBe(40);
      expect(warning.durationMs).toBeGreaterThan(warning.thresholdMs);
    }
    expect(warnings.find((warning) => warning.operation === 'denylist_check')?.thresholdMs).toBe(10);
    expect(warnings.find((warning) => warning.operation === 'token_decode')?.thresholdMs).toBe(15);
    expect(await slowOperations('denylist_check')).toBe(before + 1);
    // No token or user in the warning.
    expect(logLines.join('\n')).not.toContain(session.tokens.access_token);
  });

  it('a slow CSRF store logs csrf_generate and csrf_validate', async () => {
    store.slowPrefixes.set('csrf_token:', DELAY_MS);
    const csrf = await csrfTokenFor(app);
    expect(slowWarnings().map((warning) => warning.operation)).toEqual(['csrf_generate']);
    logLines.length = 0;
    const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'x-csrf-token': csrf.token }, cookies: csrf.cookies, payload: { email: session.email, password: `${session.password}x` } });
    expect(response.statusCode).toBe(401);
    expect(slowWarnings().map((warning) => warning.operation)).toEqual(['csrf_validate']);
  });

  it('fast operations log nothing', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session.tokens.access_token) });
    expect(response.statusCode).toBe(200);
    // A loaded CI machine could make a real lookup slow; only the artificially delayed ones are asserted above.
    expect(slowWarnings().filter((warning) => warning.durationMs < warning.thresholdMs)).toEqual([]);
  });
});
