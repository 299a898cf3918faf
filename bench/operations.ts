/**
 * The seed's latency table, measured in-process on the real code: the app is
 * built with buildApp and driven with `inject`, and each operation's duration
 * is the one the production code itself measures (the same `performance.now()`
 * pairs that feed the Prometheus histograms and the slow-operation warnings),
 * captured by wrapping those histograms. Header injection is timed around the
 * real headers plugin by hooks registered just before and after it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import Fastify from 'fastify';
import type { HotPathHistogram } from '../src/observability/hot-path-histogram.js';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config/index.js';
import { createLogger } from '../src/observability/index.js';
import { securityMetrics } from '../src/observability/metrics.js';
import { SLOW_OPERATION_THRESHOLDS_MS } from '../src/observability/slow-operations.js';
import type { Runtime } from '../src/runtime.js';
import { buildSecurityHeaders, securityHeaders } from '../src/security/headers.js';
import { csrfTokenFor, login, register, registerAndLogin, strongPassword, uniqueEmail } from '../test/helpers/auth-client.js';
import { BENCH_ROUTE } from './shared.js';
import { p50p99, summarize, type OperationResult } from './stats.js';

export type OperationName = 'denylist_check' | 'token_decode' | 'csrf_generate' | 'csrf_validate' | 'headers';

export interface InProcessResults {
  readonly operations: Record<OperationName, OperationResult>;
  /**
   * One `get` through the app's own store client, timed between the measured
   * operations that read (so under the same conditions): their floor. Not a
   * seed operation; no threshold.
   */
  readonly store_round_trip: Omit<OperationResult, 'threshold_ms'>;
  /**
   * One `set` of a new key with a time to live through the same client,
   * timed after each CSRF token generation (which stores a new token the
   * same way): the floor under the one store-bound operation that writes
   * (on the embedded store a write is a SQLite commit, several times a
   * read; on Redis the two cost the same round trip).
   */
  readonly store_write_round_trip: Omit<OperationResult, 'threshold_ms'>;
  readonly login_ms: { p50: number; p99: number };
  readonly refresh_ms: { p50: number; p99: number };
}

export interface InProcessOptions {
  readonly runs: number;
  readonly loginRuns: number;
  readonly refreshRuns: number;
}

/** Records every value the production code observes into an unlabelled `histogram` while `work` runs. */
async function captureObservations(histogram: HotPathHistogram, work: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  // Put back exactly what was there afterwards (an own property, or none: the prototype's method).
  const ownProperty = Object.getOwnPropertyDescriptor(histogram, 'observe');
  const observe = histogram.observe.bind(histogram);
  const recording = (value: number): void => {
    samples.push(value);
    observe(value);
  };
  histogram.observe = recording;
  try {
    await work();
  } finally {
    if (ownProperty === undefined) Reflect.deleteProperty(histogram, 'observe');
    else Object.defineProperty(histogram, 'observe', ownProperty);
  }
  return samples;
}

function expectStatus(response: LightMyRequestResponse, status: number, what: string): LightMyRequestResponse {
  if (response.statusCode !== status) throw new Error(`${what}: expected ${status}, got ${response.statusCode} ${response.body}`);
  return response;
}

async function repeat(times: number, call: () => Promise<void>): Promise<void> {
  for (let index = 0; index < times; index++) await call();
}

/** Header injection: the real plugin between two hooks that read the clock. */
async function measureHeaders(config: Config, runs: number): Promise<number[]> {
  const samples: number[] = [];
  const startedAt = new WeakMap<object, number>();
  const app = Fastify();
  app.addHook('onRequest', (request, _reply, done) => {
    startedAt.set(request, performance.now());
    done();
  });
  await app.register(securityHeaders, { headers: buildSecurityHeaders({ xXssProtection: config.xXssProtection }) });
  app.addHook('onRequest', (request, _reply, done) => {
    samples.push(performance.now() - (startedAt.get(request) ?? Number.NaN));
    done();
  });
  app.get('/api/v1/bench/headers', async () => ({ status: 'ok' }));
  await app.ready();
  const warmup = Math.min(2000, runs);
  await repeat(warmup + runs, async () => {
    await app.inject({ method: 'GET', url: '/api/v1/bench/headers' });
  });
  await app.close();
  return samples.slice(warmup);
}

function withoutThreshold({ threshold_ms: _threshold, ...result }: OperationResult): Omit<OperationResult, 'threshold_ms'> {
  return result;
}

export async function measureInProcess(config: Config, runtime: Runtime, options: InProcessOptions): Promise<InProcessResults> {
  const app: FastifyInstance = await buildApp(config, { database: runtime.database, store: runtime.store, logger: createLogger({ level: 'silent' }) });
  app.get(BENCH_ROUTE, { preHandler: app.requireAuth }, async () => ({ status: 'ok' }));
  app.post(BENCH_ROUTE, { preHandler: app.requireAuth }, async () => ({ status: 'ok' }));
  await app.ready();
  try {
    const { runs } = options;
    const warmup = Math.min(2000, runs);
    const { tokens } = await registerAndLogin(app);
    const authorization = `Bearer ${tokens.access_token}`;
    const floorKey = `bench:floor:${randomUUID()}`;
    await runtime.store.set(floorKey, '1', 3_600_000);
    const floorSamples: number[] = [];
    const writeFloorSamples: number[] = [];
    /** `call`, then one timed store round trip. */
    const withFloor = (call: () => Promise<void>) => async (): Promise<void> => {
      await call();
      const started = performance.now();
      await runtime.store.get(floorKey);
      floorSamples.push(performance.now() - started);
    };
    /** `call`, then one timed store write of a new key, as a CSRF token is stored: its own key, a binding, an hour to live. */
    const withWriteFloor = (call: () => Promise<void>) => async (): Promise<void> => {
      await call();
      const key = `${floorKey}:${String(writeFloorSamples.length)}`;
      const binding = `session:${randomUUID()}`;
      const started = performance.now();
      await runtime.store.set(key, binding, 3_600_000);
      writeFloorSamples.push(performance.now() - started);
    };
    const authGet = async (): Promise<void> => {
      expectStatus(await app.inject({ method: 'GET', url: BENCH_ROUTE, headers: { authorization } }), 200, 'authenticated GET');
    };

    // Decode (verify + claims + denylist) and the denylist lookup inside it, from the same requests.
    await repeat(warmup, authGet);
    let denylistSamples: number[] = [];
    const decodeSamples = await captureObservations(securityMetrics.tokenDecodeLatency, async () => {
      denylistSamples = await captureObservations(securityMetrics.denylistLatency, () => repeat(runs, withFloor(authGet)));
    });

    const csrfGenerate = async (): Promise<void> => {
      expectStatus(await app.inject({ method: 'GET', url: '/api/v1/auth/csrf-token', headers: { authorization } }), 200, 'csrf-token');
    };
    await repeat(warmup, csrfGenerate);
    const generateSamples = await captureObservations(securityMetrics.csrfGenerationLatency, () => repeat(runs, withWriteFloor(csrfGenerate)));

    const csrf = await csrfTokenFor(app, { headers: { authorization } });
    const csrfPost = async (): Promise<void> => {
      expectStatus(
        await app.inject({ method: 'POST', url: BENCH_ROUTE, headers: { authorization, 'x-csrf-token': csrf.token }, cookies: csrf.cookies, payload: { n: 1 } }),
        200,
        'CSRF-protected POST',
      );
    };
    await repeat(warmup, csrfPost);
    const validateSamples = await captureObservations(securityMetrics.csrfValidationLatency, () => repeat(runs, withFloor(csrfPost)));

    const headerSamples = await measureHeaders(config, runs);

    // Sign-in throttling counts every attempt per address (100 per 15 minutes): each sign-in comes from its own address.
    let addresses = 0;
    const nextAddress = (): string => {
      addresses++;
      return `10.77.${String(addresses >> 8)}.${String(addresses & 255)}`;
    };

    // Login: the whole request in-process (CSRF check, throttle, argon2id verify, session, cookies).
    const password = strongPassword();
    const account = await register(app, uniqueEmail('bench'), password);
    const loginSamples: number[] = [];
    for (let attempt = 0; attempt < options.loginRuns + 3; attempt++) {
      // A fresh CSRF token each time: signing in voids the one it was sent with.
      const loginCsrf = await csrfTokenFor(app);
      const started = performance.now();
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'x-csrf-token': loginCsrf.token },
        cookies: loginCsrf.cookies,
        payload: { email: account.email, password },
        remoteAddress: nextAddress(),
      });
      const elapsed = performance.now() - started;
      expectStatus(response, 200, 'login');
      if (attempt >= 3) loginSamples.push(elapsed);
    }

    // Refresh: rotation of a refresh token; at most 5 per user and hour (seed SEC-005), so a few users take turns.
    const refreshCsrf = await csrfTokenFor(app);
    const refreshSamples: number[] = [];
    while (refreshSamples.length < options.refreshRuns) {
      const user = await register(app);
      let refreshToken = (await login(app, user.email, user.password, nextAddress())).refresh_token;
      for (let rotation = 0; rotation < 5 && refreshSamples.length < options.refreshRuns; rotation++) {
        const started = performance.now();
        const response = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { 'x-csrf-token': refreshCsrf.token }, cookies: refreshCsrf.cookies, payload: { refresh_token: refreshToken } });
        refreshSamples.push(performance.now() - started);
        refreshToken = expectStatus(response, 200, 'refresh').json<{ refresh_token: string }>().refresh_token;
      }
    }

    return {
      operations: {
        denylist_check: summarize(denylistSamples, SLOW_OPERATION_THRESHOLDS_MS.denylist_check),
        token_decode: summarize(decodeSamples, SLOW_OPERATION_THRESHOLDS_MS.token_decode),
        csrf_generate: summarize(generateSamples, SLOW_OPERATION_THRESHOLDS_MS.csrf_generate),
        csrf_validate: summarize(validateSamples, SLOW_OPERATION_THRESHOLDS_MS.csrf_validate),
        headers: summarize(headerSamples, SLOW_OPERATION_THRESHOLDS_MS.header_injection),
      },
      store_round_trip: withoutThreshold(summarize(floorSamples, Number.NaN)),
      store_write_round_trip: withoutThreshold(summarize(writeFloorSamples, Number.NaN)),
      login_ms: p50p99(loginSamples),
      refresh_ms: p50p99(refreshSamples),
    };
  } finally {
    await app.close();
  }
}
