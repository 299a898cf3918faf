import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startTypeScriptProcess, waitForHttp, type RunningProcess } from '../helpers/process.js';
import { eventually } from '../helpers/time.js';

const running: RunningProcess[] = [];

afterEach(() => {
  for (const process of running.splice(0)) process.child.kill('SIGKILL');
});

function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-process-'));
}

/** On this run's backends; start-up without configuration and refused configuration are in server-process-config.test.ts (once). */
describe('the server process', () => {
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
});
