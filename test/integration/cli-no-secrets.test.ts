import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDatabasePath } from '../../src/config/index.js';
import { writeBackup } from '../../src/db/backup.js';
import { createDatabase, migrateToLatest } from '../../src/db/index.js';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/process.js';

interface CommandCase {
  readonly name: string;
  readonly args: () => string[];
  /** Exit status when the database and store do not answer. */
  readonly exitWhenUnreachable: number;
}

/**
 * SEC-001 for every administration command added with issue 5: each reads
 * only the shared configuration, a bad or missing variable is one message
 * naming it (exit 78), and no connection string, password or token ever
 * appears in its output, whatever fails.
 */
describe('administration commands never print a secret', { timeout: 60_000 }, () => {
  let dataDir: string;
  let scratch: string;
  let backupFile: string;
  let closedPort: number;
  // Distinctive values made for this run: if one shows up in any output, something leaked it.
  const databaseCanary = `DbCanary${randomBytes(8).toString('hex')}`;
  const redisCanary = `RedisCanary${randomBytes(8).toString('hex')}`;
  const passwordCanary = `AdminCanary-${randomBytes(12).toString('base64url')}`;

  const commands: readonly CommandCase[] = [
    { name: 'export', args: () => ['export', 'dtc_codes'], exitWhenUnreachable: 1 },
    { name: 'backup', args: () => ['backup', path.join(scratch, 'unreachable.jsonl')], exitWhenUnreachable: 1 },
    { name: 'restore', args: () => ['restore', backupFile, '--yes'], exitWhenUnreachable: 1 },
    { name: 'health-check', args: () => ['health-check'], exitWhenUnreachable: 1 },
    // The document is built from the route schemas: it needs neither dependency to answer.
    { name: 'openapi', args: () => ['openapi'], exitWhenUnreachable: 0 },
    { name: 'users create-admin', args: () => ['users', 'create-admin', '--email', 'ops@example.com'], exitWhenUnreachable: 1 },
    { name: 'users list', args: () => ['users', 'list'], exitWhenUnreachable: 1 },
    { name: 'users lock', args: () => ['users', 'lock', 'driver@example.com'], exitWhenUnreachable: 1 },
    { name: 'security purge-denylist', args: () => ['security', 'purge-denylist', '--yes'], exitWhenUnreachable: 1 },
    { name: 'security flush-csrf', args: () => ['security', 'flush-csrf', '--yes'], exitWhenUnreachable: 1 },
  ];

  const cliEnvironment = (env: Record<string, string>): Record<string, string> => ({ NODE_ENV: 'test', LOG_LEVEL: 'trace', DATA_DIR: dataDir, ADMIN_PASSWORD: passwordCanary, ...env });
  const cli = (args: readonly string[], env: Record<string, string>) => runCli(args, cliEnvironment(env));

  const expectNoSecret = (output: string): void => {
    for (const canary of [databaseCanary, redisCanary, passwordCanary]) expect(output).not.toContain(canary);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-secrets-'));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-secrets-files-'));
    closedPort = await freePort();
    // A valid backup, so restore gets as far as connecting.
    const source = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir: scratch }) });
    try {
      await migrateToLatest(source);
      const lines: string[] = [];
      await writeBackup(source, async (text) => {
        lines.push(text);
      });
      backupFile = path.join(scratch, 'valid.jsonl');
      writeFileSync(backupFile, lines.join(''));
    } finally {
      await source.close();
    }
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(commands.map((command) => [command.name] as const))('%s --help (exit 0)', async (name) => {
    const result = await cli([...name.split(' '), '--help'], {});
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`Usage: autocognitix ${name}`);
  });

  it.each(commands.map((command) => [command.name, command] as const))(
    '%s: database and Redis with passwords on a closed port → clean failure, no secret in any output',
    async (_name, command) => {
      const result = await cli(command.args(), {
        DATABASE_URL: `postgres://autocognitix:${databaseCanary}@127.0.0.1:${closedPort}/autocognitix`,
        REDIS_URL: `redis://default:${redisCanary}@127.0.0.1:${closedPort}/0`,
      });
      expect(result.code, result.output).toBe(command.exitWhenUnreachable);
      expectNoSecret(result.output);
      expect(result.output).not.toContain(`127.0.0.1:${closedPort}`);
      if (command.exitWhenUnreachable === 1) expect(result.stderr).toMatch(/^error: (the database is unavailable|the key-value store is unavailable|database, store failed)/m);
      else expect(JSON.parse(result.stdout)).toHaveProperty('openapi');
    },
  );

  it('backup leaves no file behind when the database does not answer', () => {
    expect(existsSync(path.join(scratch, 'unreachable.jsonl'))).toBe(false);
  });

  it.each(commands.map((command) => [command.name, command] as const))('%s: an invalid DATABASE_URL → exit 78 naming it, value never shown', async (_name, command) => {
    const result = await cli(command.args(), { DATABASE_URL: `mysql://root:${databaseCanary}@db.internal/autocognitix` });
    expect(result.code, result.output).toBe(78);
    expect(result.stderr).toMatch(/^Configuration error: 1 environment variable is missing or invalid:\n {2}- DATABASE_URL: expected a PostgreSQL URL/m);
    expect(result.stdout).toBe('');
    expectNoSecret(result.output);
    expect(result.output).not.toContain('db.internal');
  });

  it.each(['health-check', 'users create-admin'])('%s: a variable production requires is missing → exit 78 naming it', async (name) => {
    const command = commands.find((candidate) => candidate.name === name);
    const result = await cli(command?.args() ?? [], { NODE_ENV: 'production', REDIS_URL: `redis://default:${redisCanary}@127.0.0.1:${closedPort}/0` });
    expect(result.code, result.output).toBe(78);
    expect(result.stderr).toMatch(/^ {2}- JWT_SECRET_KEY: required in production/m);
    expectNoSecret(result.output);
  });

  // In a real process too: its exit status, and whatever a library might print to the process's own streams.
  describe('as a child process', () => {
    const unreachable = (): Record<string, string> => ({
      DATABASE_URL: `postgres://autocognitix:${databaseCanary}@127.0.0.1:${closedPort}/autocognitix`,
      REDIS_URL: `redis://default:${redisCanary}@127.0.0.1:${closedPort}/0`,
    });

    it('exits 78 on an invalid DATABASE_URL, naming it and never its value', async () => {
      const result = await runCliProcess(['health-check'], cliEnvironment({ DATABASE_URL: `mysql://root:${databaseCanary}@db.internal/autocognitix` }));
      expect(result.code, result.output).toBe(78);
      expect(result.stderr).toMatch(/^ {2}- DATABASE_URL: expected a PostgreSQL URL/m);
      expectNoSecret(result.output);
    });

    it('exits 1 when the database and store do not answer, with no secret anywhere', async () => {
      const result = await runCliProcess(['security', 'purge-denylist', '--yes'], cliEnvironment(unreachable()));
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toMatch(/^error: the (database|key-value store) is unavailable/m);
      expectNoSecret(result.output);
      expect(result.output).not.toContain(`127.0.0.1:${closedPort}`);
    });

    it('exits 2 on a usage mistake, without echoing the password it was given', async () => {
      const result = await runCliProcess(['users', 'create-admin', '--email', 'ops@example.com', '--password', passwordCanary], cliEnvironment({}));
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toMatch(/unknown option '--password'/);
      expectNoSecret(result.output);
    });
  });
});
