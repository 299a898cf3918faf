import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ERROR_CATALOG } from '../../src/errors.js';
import { createLogger } from '../../src/observability/index.js';
import { DEFAULT_PUBLIC_RATE_LIMIT, ipRateLimit } from '../../src/security/ip-rate-limit.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { request as csrfRequest } from '../helpers/auth-client.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { useOwnRedisApp } from '../helpers/own-redis.js';

const LIMIT = 3;
const WINDOW_MS = 60_000;

describe('per-address rate limit on the public routes', () => {
  let runtime: TestRuntime;
  let app: FastifyInstance;

  beforeAll(async () => {
    // The whole app with a small per-app limit, so the test needs a handful of requests, not 120.
    const config = testConfig();
    runtime = await openTestRuntime(config);
    app = await buildApp(config, {
      database: runtime.database,
      store: runtime.store,
      logger: createLogger({ level: 'silent' }),
      publicRateLimit: { maxRequests: LIMIT, windowMs: WINDOW_MS },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await runtime.dispose();
  });

  const get = (url: string, remoteAddress = '203.0.113.7') => app.inject({ method: 'GET', url, remoteAddress });

  it('counts down, then answers 429 rate_limited with Retry-After in seconds', async () => {
    for (let request = 1; request <= LIMIT; request += 1) {
      const response = await get('/api/v1/dtc/systems');
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMIT - request));
    }
    const limited = await get('/api/v1/dtc/search?q=misfire');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: ERROR_CATALOG.rate_limited.message } });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('keeps separate budgets per address and per route group', async () => {
    expect((await get('/api/v1/dtc/systems', '198.51.100.20')).statusCode).toBe(200);
    expect((await get('/api/v1/vehicles/makes')).statusCode).toBe(200);
    expect((await get('/api/v1/dtc/systems')).statusCode).toBe(429);
  });

  it('limits every route group, POST included', async () => {
    const address = '192.0.2.44';
    for (let request = 1; request <= LIMIT; request += 1) expect((await get('/api/v1/vehicles/vin/1HGCM82633A004352', address)).statusCode).toBe(200);
    expect((await get('/api/v1/vehicles/vin/1HGCM82633A004352', address)).statusCode).toBe(429);
    const post = { method: 'POST' as const, url: '/api/v1/diagnosis/quick-analyze', remoteAddress: address, payload: { codes: ['P0301'] } };
    for (let request = 1; request <= LIMIT; request += 1) expect((await csrfRequest(app, post)).statusCode).toBe(200);
    const limited = await csrfRequest(app, post);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('counts in the shared store on Redis, in the one API process’s memory on the embedded backend', async () => {
    const address = '192.0.2.45';
    expect((await get('/api/v1/dtc/systems', address)).statusCode).toBe(200);
    const keys = await runtime.store.keysWithPrefix(`ip_rate:{${address}}:`);
    expect(keys).toEqual(runtime.store.kind === 'redis' ? [`ip_rate:{${address}}:dtc`] : []);
  });

  it('refuses a nonsensical policy at start-up', () => {
    expect(() => ipRateLimit({ store: runtime.store, group: 'dtc', maxRequests: 0 })).toThrow(RangeError);
    expect(() => ipRateLimit({ store: runtime.store, group: 'dtc', windowMs: 10 })).toThrow(RangeError);
    expect(() => ipRateLimit({ store: runtime.store, group: 'a b' })).toThrow(RangeError);
  });
});

describe('the default public rate limit', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('is generous: 120 per minute per address on the routes the app registers', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/systems' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-ratelimit-limit']).toBe('120');
    expect(response.headers['x-ratelimit-remaining']).toBe('119');
    expect(DEFAULT_PUBLIC_RATE_LIMIT).toEqual({ maxRequests: 120, windowMs: 60_000 });
  });
});

describe('rate limit with the store down', () => {
  const own = useOwnRedisApp();

  it('fails closed: 503 store_unavailable, never an unlimited pass', async () => {
    expect((await own.testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/systems' })).statusCode).toBe(200);
    await own.redis.stop('SIGKILL');
    const response = await own.testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/systems' });
    expect(response.statusCode).toBe(503);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('store_unavailable');
    expect(response.body).not.toContain(String(own.redis.port));
  });
});
