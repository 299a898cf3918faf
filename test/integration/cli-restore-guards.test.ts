import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddedDatabasePath } from '../../src/config/index.js';
import { BackupFormatError, restoreBackup, verifyBackupFile, writeBackup } from '../../src/db/backup.js';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/index.js';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { HEARTBEAT_STALE_MS, liveServerHeartbeats, startServerHeartbeat } from '../../src/db/server-heartbeat.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { freePort, startTypeScriptProcess, waitForHttp, type RunningProcess } from '../helpers/process.js';

async function backupText(database: Database): Promise<string> {
  const chunks: string[] = [];
  await writeBackup(database, async (text) => {
    chunks.push(text);
  });
  return chunks.join('');
}

const code = (name: string) => ({ code: name, description_en: `Code ${name}`, description_hu: null, severity: null, symptoms: [], possible_causes: [], related_codes: [], sources: ['test'] });

async function addUser(database: Database): Promise<void> {
  await new UsersRepository(database.db).create({ email: `user-${randomBytes(4).toString('hex')}@example.com`, passwordHash: '$argon2id$placeholder', fullName: null });
}

async function count(database: Database, table: 'users' | 'dtc_codes'): Promise<number> {
  const row = await database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string | number>().as('total'))
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** A backup file that keeps only `tables` (header, rows and end marker agree, so only coverage is wrong). */
function keepOnly(text: string, tables: readonly string[]): string {
  const lines = text.trimEnd().split('\n');
  const header = JSON.parse(lines[0] ?? '{}') as { tables: string[] };
  const end = JSON.parse(lines.at(-1) ?? '{}') as { row_counts: Record<string, number> };
  const rows = lines.slice(1, -1).filter((line) => tables.includes((JSON.parse(line) as { table: string }).table));
  header.tables = header.tables.filter((table) => tables.includes(table));
  end.row_counts = Object.fromEntries(Object.entries(end.row_counts).filter(([table]) => tables.includes(table)));
  return [JSON.stringify(header), ...rows, JSON.stringify(end)].join('\n');
}

describe('restore guards (in-process, this run\'s engine; issue 22 items 1 and 4)', () => {
  let runtime: TestRuntime;
  let scratch: string;

  beforeEach(async () => {
    runtime = await openTestRuntime(testConfig());
    scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-restore-'));
  });
  afterEach(async () => {
    await runtime.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses a backup that lists fewer tables than its schema has, and with tables named replaces only those', async () => {
    await addUser(runtime.database);
    await new DtcCodesRepository(runtime.database.db).upsert([code('P0300')], new Date().toISOString());
    const file = path.join(scratch, 'dtc-only.jsonl');
    writeFileSync(file, keepOnly(await backupText(runtime.database), ['dtc_codes']));
    await new DtcCodesRepository(runtime.database.db).upsert([code('P0301')], new Date().toISOString());

    await expect(restoreBackup(runtime.database, file)).rejects.toThrow(BackupFormatError);
    await expect(restoreBackup(runtime.database, file)).rejects.toThrow(/the backup holds only dtc_codes, while its schema \S+ also has users, recalls, .*Name the tables to replace with --tables/);
    expect(await count(runtime.database, 'users')).toBe(1);
    expect(await count(runtime.database, 'dtc_codes')).toBe(2);

    await expect(restoreBackup(runtime.database, file, { tables: ['users'] })).rejects.toThrow(/the backup holds no table users/);
    await restoreBackup(runtime.database, file, { tables: ['dtc_codes'] });
    expect(await count(runtime.database, 'users')).toBe(1);
    expect(await count(runtime.database, 'dtc_codes')).toBe(1);
  });

  it('refuses a backup with a line over 16 MiB without building it', async () => {
    const text = await backupText(runtime.database);
    const lines = text.trimEnd().split('\n');
    const file = path.join(scratch, 'huge-line.jsonl');
    writeFileSync(file, [lines[0], 'x'.repeat(17 * 1024 * 1024), ...lines.slice(1)].join('\n'));
    await expect(verifyBackupFile(file)).rejects.toThrow(/line 2 is \d+ bytes long, more than the 16 MiB a backup line may have/);
  });

  it('sees a running server by its heartbeat until it stops or goes stale', async () => {
    expect(await liveServerHeartbeats(runtime.database)).toEqual([]);
    const heartbeat = await startServerHeartbeat(runtime.database);
    const live = await liveServerHeartbeats(runtime.database);
    expect(live).toEqual([expect.objectContaining({ host: os.hostname(), pid: process.pid })]);
    expect(await liveServerHeartbeats(runtime.database, Date.now() + HEARTBEAT_STALE_MS + 1000)).toEqual([]);
    await heartbeat.stop();
    expect(await liveServerHeartbeats(runtime.database)).toEqual([]);
  });
});

describe('autocognitix restore guards (the command, embedded SQLite; issue 22 item 1, issue 15 item 6)', { timeout: 90_000 }, () => {
  let dataDir: string;
  let scratch: string;
  let database: Database;
  let fullBackup: string;
  const running: RunningProcess[] = [];
  const cli = (args: readonly string[]) => runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-restore-cli-'));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-restore-cli-out-'));
    database = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir }) });
    await migrateToLatest(database);
    await addUser(database);
    await new DtcCodesRepository(database.db).upsert([code('P0300')], new Date().toISOString());
    fullBackup = path.join(scratch, 'full.jsonl');
    writeFileSync(fullBackup, await backupText(database));
    await new DtcCodesRepository(database.db).upsert([code('P0301'), code('P0302')], new Date().toISOString());
  });
  afterEach(() => {
    for (const process of running.splice(0)) process.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints per table the rows now and after before asking, and refuses a partial backup unless --tables names what to replace', async () => {
    const unconfirmed = await cli(['restore', fullBackup]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toContain('  users: 1 row now, 1 after the restore');
    expect(unconfirmed.stdout).toContain('  dtc_codes: 3 rows now, 1 after the restore');

    const partial = path.join(scratch, 'dtc-only.jsonl');
    writeFileSync(partial, keepOnly(readFileSync(fullBackup, 'utf8'), ['dtc_codes']));
    const refused = await cli(['restore', partial, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the backup holds only dtc_codes, .*--tables; the database was not changed/);
    expect(await count(database, 'users')).toBe(1);

    const named = await cli(['restore', partial, '--tables', 'dtc_codes', '--yes']);
    expect(named.code, named.output).toBe(0);
    expect(named.stdout).toContain('  dtc_codes: 3 rows now, 1 after the restore');
    expect(named.stdout).not.toContain('users:');
    expect(await count(database, 'users')).toBe(1);
    expect(await count(database, 'dtc_codes')).toBe(1);
  });

  it('refuses while a server is running against the database, unless --force; a stopped server no longer counts', async () => {
    const port = await freePort();
    const server = startTypeScriptProcess('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    running.push(server);
    expect((await waitForHttp(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const refused = await cli(['restore', fullBackup, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`a server is running against this database \\(${os.hostname()} pid \\d+, last seen [^)]+\\); stop it first, or pass --force`));

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const restored = await cli(['restore', fullBackup, '--yes']);
    expect(restored.code, restored.output).toBe(0);
  });

  it('restores with --force beside a live heartbeat', async () => {
    const heartbeat = await startServerHeartbeat(database);
    try {
      expect((await cli(['restore', fullBackup, '--yes'])).code).toBe(1);
      const forced = await cli(['restore', fullBackup, '--yes', '--force']);
      expect(forced.code, forced.output).toBe(0);
    } finally {
      await heartbeat.stop();
    }
  });
});
