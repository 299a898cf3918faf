import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CONFIGURATION_ERROR } from '../../src/config/index.js';
import { freePort, runTypeScript, startTypeScriptProcess, waitForHttp, type RunningProcess } from '../helpers/process.js';
import { eventually } from '../helpers/time.js';

const running: RunningProcess[] = [];

afterEach(() => {
  for (const process of running.splice(0)) process.child.kill('SIGKILL');
});

function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-process-'));
}

describe('the server process', () => {
  it('starts with no configuration at all on the embedded default, and keeps its generated key private', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const server = startTypeScriptProcess('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir });
    running.push(server);

    const response = await waitForHttp(`http://127.0.0.1:${port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });

    // The bundled generic trouble codes are there without any setup.
    const lookup = await fetch(`http://127.0.0.1:${port}/api/v1/dtc/P0301`);
    expect(lookup.status).toBe(200);
    expect(((await lookup.json()) as { description_hu: string }).description_hu).toMatch(/henger/);

    const keyFile = path.join(dataDir, 'jwt-secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'autocognitix.sqlite')).isFile()).toBe(true);
    const output = server.output();
    expect(output).toMatch(/JWT_SECRET_KEY is not set/);
    expect(output).toMatch(/"database":"sqlite","store":"sqlite"/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('finishes in-flight requests on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const server = startTypeScriptProcess('src/main.ts', [], { PORT: String(port), DATA_DIR: tempDataDir(), DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL });
    running.push(server);
    await waitForHttp(`http://127.0.0.1:${port}/health`);

    // Eight clients loop until the server stops accepting; SIGTERM lands while requests are in flight.
    // Requests sent before the signal must all complete; later ones may be turned away (refused or reset
    // before a response, as a closed listener does), but none may get an error response.
    let signalledAt = Number.POSITIVE_INFINITY;
    const beforeSignal: string[] = [];
    const afterSignal: string[] = [];
    const client = async (): Promise<void> => {
      for (;;) {
        const startedAt = performance.now();
        let outcome: string;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
          await response.arrayBuffer();
          outcome = String(response.status);
        } catch (error) {
          outcome = (error as { cause?: { code?: string } }).cause?.code ?? 'unknown';
        }
        (startedAt < signalledAt ? beforeSignal : afterSignal).push(outcome);
        if (outcome === 'ECONNREFUSED') return;
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // Signal once the load is under way.
    await eventually(() => beforeSignal.length > 8, { what: 'requests before the signal' });
    signalledAt = performance.now();
    server.child.kill('SIGTERM');
    await Promise.all(clients);
    expect(await server.exited).toBe(0);

    expect(beforeSignal.length).toBeGreaterThan(8);
    expect(beforeSignal.filter((outcome) => outcome !== '200')).toEqual([]);
    expect(afterSignal.filter((outcome) => !['200', 'ECONNREFUSED', 'ECONNRESET'].includes(outcome))).toEqual([]);
    expect(afterSignal.filter((outcome) => outcome === '200').length).toBeGreaterThan(0);
    expect(server.output()).toContain('shutdown complete');
  });

  it('exits 78 naming every bad variable and never printing a value', async () => {
    const canary = 'CANARY-7c1f0e9a-do-not-print';
    const result = await runTypeScript('src/main.ts', [], {
      NODE_ENV: 'production',
      DATA_DIR: tempDataDir(),
      JWT_SECRET_KEY: canary.slice(0, 20),
      COOKIE_SECURE: 'false',
      PORT: canary,
      DATABASE_URL: `mysql://root:${canary}@db/app`,
    });
    expect(result.code).toBe(EXIT_CONFIGURATION_ERROR);
    for (const variable of ['JWT_SECRET_KEY', 'COOKIE_SECURE', 'PORT', 'DATABASE_URL']) expect(result.output).toContain(`- ${variable}:`);
    expect(result.output).not.toContain(canary);
    expect(result.output).not.toContain('CANARY');
  });
});
