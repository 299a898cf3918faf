import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIGURATION_ERROR } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/process.js';

/** The everyday commands, in-process (exit codes and signals of a real process: cli-no-secrets, data-cli). */

function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-'));
}

describe('the autocognitix CLI', () => {
  it('config check prints the effective configuration with secrets and URL passwords masked', async () => {
    const secret = `CANARY-${'k'.repeat(8)}-${Date.now().toString(36)}-0123456789abcdef`;
    const result = await runCli(['config', 'check'], {
      DATA_DIR: tempDataDir(),
      JWT_SECRET_KEY: secret,
      DATABASE_URL: 'postgres://app:CANARYdbpass@127.0.0.1:1/app',
      REDIS_URL: 'redis://:CANARYredispass@127.0.0.1:1',
    });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/JWT_SECRET_KEY\s+\*{8} \(from the environment\)/);
    expect(result.output).toContain('postgres://app:********@127.0.0.1:1/app');
    expect(result.output).toContain('redis://:********@127.0.0.1:1');
    expect(result.output).toContain('configuration ok');
    expect(result.output).not.toContain('CANARY');
  });

  it('config check exits 78 on a bad environment, naming the variable', async () => {
    const result = await runCli(['config', 'check'], { DATA_DIR: tempDataDir(), ACCESS_TOKEN_EXPIRE_MINUTES: 'CANARY' });
    expect(result.code).toBe(EXIT_CONFIGURATION_ERROR);
    expect(result.output).toContain('- ACCESS_TOKEN_EXPIRE_MINUTES: expected an integer number of minutes');
    expect(result.output).not.toContain('CANARY');
  });

  it('migrate applies migrations once and reports up to date after', async () => {
    const dataDir = tempDataDir();
    const first = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/applied 0001-users/);
    const second = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/database is up to date/);
  });

  it('migrate against an unreachable database fails with exit 1 and no credential in the output', async () => {
    const port = await freePort();
    const result = await runCli(['migrate'], { DATA_DIR: tempDataDir(), DATABASE_URL: `postgres://app:CANARYpw@127.0.0.1:${port}/app` });
    expect(result.code).toBe(1);
    expect(result.output).toContain('the database is unavailable');
    expect(result.output).not.toContain('CANARY');
  });

  it('a usage mistake exits 2', async () => {
    const result = await runCli(['no-such-command'], { DATA_DIR: tempDataDir() });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/unknown command/);
  });
});
