import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDatabasePath } from '../../src/config/index.js';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/index.js';
import { SecurityEventsRepository, type NewSecurityEvent } from '../../src/db/repositories/security-events.js';
import { runCli } from '../helpers/cli.js';

const DAY_MS = 86_400_000;

/** `autocognitix security-events purge` on the embedded SQLite file of a temporary DATA_DIR (the purge itself on both backends: security-events-api.test.ts). */
describe('autocognitix security-events purge', () => {
  let dataDir: string;
  let database: Database;
  let repository: SecurityEventsRepository;

  const cli = (args: readonly string[], env: Record<string, string> = {}) => runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-security-events-'));
    database = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir }) });
    await migrateToLatest(database);
    repository = new SecurityEventsRepository(database.db, database.engine);
    const now = Date.now();
    await repository.insertMany([
      ...[400, 380, 366].map((days): NewSecurityEvent => ({ occurredAtMs: now - days * DAY_MS, userId: null, event: 'sign_in_failed' })),
      ...[364, 10, 0].map((days): NewSecurityEvent => ({ occurredAtMs: now - days * DAY_MS, userId: null, event: 'sign_in_failed' })),
    ]);
  });
  afterAll(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = async (): Promise<number> => Number((await database.db.selectFrom('security_events').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow()).count);

  it('keeps everything with SECURITY_EVENTS_RETENTION_DAYS=0', async () => {
    const result = await cli(['security-events', 'purge'], { SECURITY_EVENTS_RETENTION_DAYS: '0' });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('kept forever');
    expect(await rows()).toBe(6);
  });

  it('--dry-run counts the rows past the default 365 days and deletes nothing', async () => {
    const result = await cli(['security-events', 'purge', '--dry-run']);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/would delete 3 rows of security events older than \d{4}-\d{2}-\d{2}T.*SECURITY_EVENTS_RETENTION_DAYS=365.*nothing was deleted/);
    expect(await rows()).toBe(6);
  });

  it('deletes the rows older than the retention and prints how many went', async () => {
    const result = await cli(['security-events', 'purge']);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/^deleted 3 rows of security events older than/m);
    expect(await rows()).toBe(3);
    const shorter = await cli(['security-events', 'purge'], { SECURITY_EVENTS_RETENTION_DAYS: '30' });
    expect(shorter.stdout).toMatch(/^deleted 1 row of security events/m);
    expect(await rows()).toBe(2);
  });

  it('a bad SECURITY_EVENTS_RETENTION_DAYS is exit 78 naming the variable', async () => {
    const result = await cli(['security-events', 'purge'], { SECURITY_EVENTS_RETENTION_DAYS: '-1' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('SECURITY_EVENTS_RETENTION_DAYS');
    expect(await rows()).toBe(2);
  });
});
