// @backend-independent: always the embedded SQLite file (REDIS_URL and DATABASE_URL unset): the freeze is a property of two SQLite connections in one process
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, csrfTokenFor, login, register } from '../helpers/auth-client.js';
import { sleep } from '../helpers/time.js';

/** Nearest-rank percentile of durations in milliseconds. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

// Always on the embedded default: the freeze is a property of two synchronous SQLite connections in one process.
describe('issue 13.6: no lock stalls the process (embedded SQLite)', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ REDIS_URL: undefined, DATABASE_URL: undefined }) });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('a store write while a database transaction of the same process holds the lock waits without blocking the event loop', async () => {
    const { database, store } = testApp.runtime;
    let releaseTransaction: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => {
      releaseTransaction = resolve;
    });
    let transactionWrote: () => void = () => undefined;
    const wrote = new Promise<void>((resolve) => {
      transactionWrote = resolve;
    });
    const transaction = database.db.transaction().execute(async (executor) => {
      await executor.deleteFrom('revoked_tokens').where('jti', '=', 'no-such-token').execute();
      transactionWrote();
      // Across a non-database await: the write lock is held until this resolves.
      await holding;
    });
    await wrote;
    const timerScheduledAt = performance.now();
    let timerLagMs = Number.POSITIVE_INFINITY;
    const timer = new Promise<void>((resolve) => {
      setTimeout(() => {
        timerLagMs = performance.now() - timerScheduledAt - 20;
        resolve();
      }, 20);
    });
    const storeWrite = store.set('lock-race:probe', '1', 60_000);
    // The event loop still turns: the timer fires on time while the store write waits for the lock.
    await timer;
    expect(timerLagMs).toBeLessThan(1000);
    releaseTransaction();
    await transaction;
    await storeWrite;
    expect(await store.get('lock-race:probe')).toBe('1');
  });

  it('logout-all racing refresh of the same session 100 times: no 503, /health stays fast', async () => {
    const { app } = testApp;
    const account = await register(app);
    const healthMs: number[] = [];
    const healthStatuses: number[] = [];
    const race = { running: true };
    const poller = (async () => {
      while (race.running) {
        const started = performance.now();
        const response = await app.inject({ method: 'GET', url: '/api/v1/health' });
        healthMs.push(performance.now() - started);
        healthStatuses.push(response.statusCode);
        // Pacing only: the probe runs beside the race without starving it.
        await sleep(5);
      }
    })();

    const statuses: number[] = [];
    try {
      for (let round = 0; round < 100; round++) {
        const tokens = await login(app, account.email, account.password);
        const logoutAllCsrf = await csrfTokenFor(app, { headers: bearer(tokens.access_token) });
        const refreshCsrf = await csrfTokenFor(app);
        const [loggedOut, refreshed] = await Promise.all([
          app.inject({
            method: 'POST',
            url: '/api/v1/auth/logout-all',
            headers: { ...bearer(tokens.access_token), 'x-csrf-token': logoutAllCsrf.token },
            cookies: logoutAllCsrf.cookies,
          }),
          app.inject({
            method: 'POST',
            url: '/api/v1/auth/refresh',
            headers: { 'x-csrf-token': refreshCsrf.token },
            cookies: refreshCsrf.cookies,
            payload: { refresh_token: tokens.refresh_token },
          }),
        ]);
        statuses.push(loggedOut.statusCode, refreshed.statusCode);
      }
    } finally {
      race.running = false;
      await poller;
    }

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(healthStatuses.filter((status) => status !== 200)).toEqual([]);
    // Generous for a loaded two-core machine; a lock waited for synchronously shows up as seconds.
    expect(percentile(healthMs, 0.99)).toBeLessThan(200);
    process.stdout.write(`health during the race: ${healthMs.length} polls, p50 ${percentile(healthMs, 0.5).toFixed(1)} ms, p99 ${percentile(healthMs, 0.99).toFixed(1)} ms, max ${Math.max(...healthMs).toFixed(1)} ms\n`);
  }, 180_000);
});
