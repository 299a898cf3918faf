import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CONFIGURATION_ERROR } from '../../src/config/index.js';
import { freePort, runTypeScript, startTypeScriptProcess, waitForHttp, type RunningProcess } from '../helpers/process.js';

/** The server process and its configuration; SIGTERM under load on this run's backends is in server-process.test.ts. */

const running: RunningProcess[] = [];

afterEach(() => {
  for (const process of running.splice(0)) process.child.kill('SIGKILL');
});

function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-process-'));
}

describe('the server process and its configuration', () => {
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
