// @backend-independent: always the embedded SQLite file (REDIS_URL and DATABASE_URL unset): the lock is a property of one file shared by processes
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testEnvironment } from '../helpers/backends.js';
import { complaintLine, fixtureDirectory, writeLines } from '../helpers/nhtsa-fixtures.js';
import { runCliProcess } from '../helpers/cli.js';
import { sleep } from '../helpers/time.js';

const COMPLAINTS_PER_FILE = 15_000;

function complaintsFile(directory: string, name: string, firstId: number): string {
  const lines = Array.from({ length: COMPLAINTS_PER_FILE }, (_, index) =>
    complaintLine({ CMPLID: String(firstId + index), ODINO: String(19_000_000 + firstId + index), MAKETXT: 'SKODA', MODELTXT: 'FABIA', YEARTXT: '2012', COMPDESC: 'ENGINE', CDESCR: 'MOTOR STALLED' }),
  );
  return writeLines(path.join(directory, name), lines);
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

// Always on the embedded default: the lock is a property of one SQLite file shared by processes.
// So the imports are real child processes (runCliProcess): in-process they would share the server's event loop instead.
describe('issue 22.2: imports beside a serving server, and two imports at once (embedded SQLite)', () => {
  const environment = testEnvironment({ REDIS_URL: undefined, DATABASE_URL: undefined });
  let fixtures: string;
  let testApp: TestApp;

  beforeAll(async () => {
    fixtures = fixtureDirectory();
    testApp = await startTestApp({ config: loadConfig(environment).config });
  });
  afterAll(async () => {
    await testApp.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('both imports complete while the server keeps writing, and /health stays fast', async () => {
    const first = complaintsFile(fixtures, 'first.txt', 1_000_000);
    const second = complaintsFile(fixtures, 'second.txt', 2_000_000);
    const cliEnvironment = { ...environment, LOG_LEVEL: 'silent' };
    const { app } = testApp;

    const load = { running: true };
    const healthMs: number[] = [];
    const statuses: number[] = [];
    // The server writes all the while: each cookieless CSRF token is a store write on the same file.
    const serverLoad = (async () => {
      while (load.running) {
        const started = performance.now();
        const health = await app.inject({ method: 'GET', url: '/api/v1/health' });
        healthMs.push(performance.now() - started);
        const issued = await app.inject({ method: 'GET', url: '/api/v1/auth/csrf-token', remoteAddress: `10.9.${healthMs.length % 250}.1` });
        statuses.push(health.statusCode, issued.statusCode);
        // Pacing only: the load runs beside the imports without starving them.
        await sleep(2);
      }
    })();
    const results = await Promise.all([
      runCliProcess(['import', 'complaints', first, '--json'], cliEnvironment),
      runCliProcess(['import', 'complaints', second, '--json'], cliEnvironment),
    ]).finally(() => {
      load.running = false;
    });
    await serverLoad;

    for (const result of results) {
      expect(result.code, result.output).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ read: COMPLAINTS_PER_FILE, inserted: COMPLAINTS_PER_FILE, skipped: 0 });
    }
    const stored = await testApp.runtime.database.db.selectFrom('complaints').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    expect(Number(stored.count)).toBe(2 * COMPLAINTS_PER_FILE);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(percentile(healthMs, 0.99)).toBeLessThan(200);
    process.stdout.write(`health beside two imports: ${healthMs.length} polls, p50 ${percentile(healthMs, 0.5).toFixed(1)} ms, p99 ${percentile(healthMs, 0.99).toFixed(1)} ms\n`);
  }, 180_000);
});
