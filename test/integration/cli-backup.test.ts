import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddedDatabasePath, type Config } from '../../src/config/index.js';
import {
  BACKUP_TABLES,
  BACKUP_TABLE_KEYS,
  BackupFormatError,
  BackupSchemaVersionError,
  NON_BACKUP_TABLES,
  knownSchemaVersions,
  listDatabaseTables,
  restoreBackup,
  tableRows,
  withReadSnapshot,
  writeBackup,
  type WriteBackupOptions,
} from '../../src/db/backup.js';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/index.js';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import { SecondFactorsRepository } from '../../src/db/repositories/second-factors.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { importComplaints, importRecalls } from '../../src/importers/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { complaintLine, fixtureDirectory, recallLine, writeLines } from '../helpers/nhtsa-fixtures.js';

type TableSnapshot = Record<string, Record<string, unknown>[]>;

/** Every row of every backup table, read the way the backup reads them. */
async function snapshot(database: Database): Promise<TableSnapshot> {
  return withReadSnapshot(database, async (executor) => {
    const present = new Set(await listDatabaseTables(executor, database.engine));
    const result: TableSnapshot = {};
    for (const table of BACKUP_TABLES) {
      if (!present.has(table)) continue;
      const rows: Record<string, unknown>[] = [];
      for await (const row of tableRows(executor, table)) rows.push(row);
      result[table] = rows;
    }
    return result;
  });
}

async function backupToFile(database: Database, file: string, options?: WriteBackupOptions) {
  const chunks: string[] = [];
  const summary = await writeBackup(
    database,
    async (text) => {
      chunks.push(text);
    },
    options,
  );
  writeFileSync(file, chunks.join(''));
  return summary;
}

const isoNow = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString();

/** A little of everything in every table, foreign keys included. */
async function fill(database: Database, scratch: string): Promise<{ userId: string; email: string }> {
  const users = new UsersRepository(database.db);
  const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const owner = await users.create({ email, passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString('base64')}`, fullName: 'Owner Ödön', role: 'admin' });
  await users.create({ email: `member-${randomBytes(4).toString('hex')}@example.com`, passwordHash: '$argon2id$placeholder', fullName: null });
  await new DtcCodesRepository(database.db).upsert(
    ['P0300', 'P0171', 'U0100'].map((code) => ({ code, description_en: `Code ${code}, "quoted"`, description_hu: 'Kód', severity: 'medium' as const, symptoms: ['a'], possible_causes: [], related_codes: [], sources: ['test'] })),
    isoNow(),
  );
  // One code with a meaning for every make and two makes' own: three rows under one code.
  await new DtcCodesRepository(database.db).upsert(
    ['', 'FORD', 'TOYOTA'].map((make) => ({ code: 'P1131', make, description_en: `P1131 for ${make || 'every make'}`, description_hu: null, severity: null, symptoms: [], possible_causes: [], related_codes: [], sources: ['test'] })),
    isoNow(),
  );
  const recalls = writeLines(path.join(scratch, `rcl-${randomUUID()}.txt`), [
    recallLine({ RECORD_ID: '1', CAMPNO: '24V100000', MAKETXT: 'SKODA', MODELTXT: 'OCTAVIA', YEARTXT: '2018', COMPNAME: 'BRAKES', DO_NOT_DRIVE: 'Yes', PARK_OUTSIDE: 'No' }),
  ]);
  await importRecalls(database, recalls);
  const complaints = writeLines(path.join(scratch, `cmpl-${randomUUID()}.txt`), [
    complaintLine({ CMPLID: '7001', ODINO: '11000001', MAKETXT: 'SKODA', MODELTXT: 'OCTAVIA', YEARTXT: '2018', COMPDESC: 'ENGINE', CRASH: 'Y', FIRE: 'N', INJURED: '1', DEATHS: '0' }),
  ]);
  await importComplaints(database, complaints);
  const vehicleId = randomUUID();
  await sql`insert into garage_vehicles (id, user_id, make, model, year, vin, nickname, created_at, updated_at)
    values (${vehicleId}, ${owner.id}, ${'SKODA'}, ${'OCTAVIA'}, ${2018}, ${null}, ${'Daily'}, ${isoNow()}, ${isoNow()})`.execute(database.db);
  await sql`insert into diagnosis_notes (id, user_id, vehicle_id, codes, symptoms, created_at)
    values (${randomUUID()}, ${owner.id}, ${vehicleId}, ${'["P0300"]'}, ${'misfire at idle'}, ${isoNow()})`.execute(database.db);
  await sql`insert into odometer_readings (id, vehicle_id, user_id, km, read_at, source, created_at)
    values (${randomUUID()}, ${vehicleId}, ${owner.id}, ${123_456}, ${isoNow()}, ${'manual'}, ${isoNow()})`.execute(database.db);
  await sql`insert into vehicle_reminders (id, vehicle_id, user_id, kind, title, every_months, every_km, due_date, due_km, last_done_date, last_done_km, notified_for, created_at, updated_at)
    values (${randomUUID()}, ${vehicleId}, ${owner.id}, ${'oil_service'}, ${'Olajcsere „5W-30”'}, ${12}, ${15_000}, ${'2027-06-01'}, ${138_456}, ${'2026-06-01'}, ${123_456}, ${null}, ${isoNow()}, ${isoNow()})`.execute(database.db);
  await sql`insert into garage_scans (id, vehicle_id, user_id, format, file_name, taken_at, uploaded_at, mileage_km, odometer_recorded, stored_count, pending_count, permanent_count, series_names, body)
    values (${randomUUID()}, ${vehicleId}, ${owner.id}, ${'elm327'}, ${'Szkenner „napló”.txt'}, ${isoNow(-60_000)}, ${isoNow()}, ${123_456}, ${true}, ${1}, ${0}, ${0}, ${'["engine_rpm"]'}, ${'{"codes":[{"code":"P0171","status":"stored","ecu":"7E8"}],"freeze_frames":[],"series":{"engine_rpm":{"unit":"rpm","points":[[0,812.5]]}},"unknown_columns":[]}'})`.execute(database.db);
  await sql`insert into calendar_feeds (user_id, token_hash, created_at) values (${owner.id}, ${randomBytes(32).toString('base64url')}, ${isoNow()})`.execute(database.db);
  await sql`insert into revoked_tokens (jti, expires_at) values (${randomBytes(16).toString('hex')}, ${isoNow(3_600_000)})`.execute(database.db);
  await sql`insert into user_token_cutoffs (user_id, mark, expires_at) values (${owner.id}, ${String(Date.now())}, ${isoNow(3_600_000)})`.execute(database.db);
  await sql`insert into auth_sessions (id, user_id, state, user_agent, ip_prefix, created_at, last_used_at, expires_at, revoked_at)
    values (${randomBytes(16).toString('hex')}, ${owner.id}, ${'{}'}, ${'test'}, ${'127.0.0.0/24'}, ${isoNow()}, ${isoNow()}, ${isoNow(86_400_000)}, ${null})`.execute(database.db);
  const factors = new SecondFactorsRepository(database.db);
  await factors.startTotpEnrolment(owner.id, `v1.${randomBytes(12).toString('base64url')}.${randomBytes(30).toString('base64url')}.${randomBytes(16).toString('base64url')}`, Date.now());
  await factors.useTotpStep(owner.id, 58_000_000, Date.now(), { confirm: true });
  await factors.replaceRecoveryCodes(owner.id, [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')], Date.now());
  await factors.addPasskey(
    { id: randomBytes(32).toString('base64url'), userId: owner.id, userHandle: randomBytes(32).toString('base64url'), publicKey: randomBytes(77).toString('base64url'), counter: 3, transports: ['internal', 'hybrid'], deviceType: 'multiDevice', backedUp: true, name: 'Laptop „Ödön”' },
    Date.now(),
  );
  await sql`insert into security_events (id, occurred_at, user_id, event, reason, address, device, session_id, actor_id)
    values (${randomUUID()}, ${isoNow()}, ${owner.id}, ${'sign_in_succeeded'}, ${null}, ${'127.0.0.1'}, ${'Firefox 133 on Linux'}, ${randomBytes(16).toString('hex')}, ${null})`.execute(database.db);
  return { userId: owner.id, email };
}

/** Primary-key columns of a table, from the catalog. */
async function primaryKeyColumns(database: Database, table: string): Promise<string[]> {
  const { rows } =
    database.engine === 'postgres'
      ? await sql<{ name: string }>`select kcu.column_name as name from information_schema.table_constraints tc
          join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
          where tc.table_schema = current_schema() and tc.table_name = ${table} and tc.constraint_type = 'PRIMARY KEY' order by kcu.ordinal_position`.execute(database.db)
      : await sql<{ name: string }>`select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(database.db);
  return rows.map((row) => row.name);
}

/** (child, parent) for every foreign key, from the catalog. */
async function foreignKeys(database: Database): Promise<{ child: string; parent: string }[]> {
  if (database.engine === 'postgres') {
    const { rows } = await sql<{ child: string; parent: string }>`select tc.table_name as child, ccu.table_name as parent from information_schema.table_constraints tc
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.constraint_schema = tc.table_schema
      where tc.table_schema = current_schema() and tc.constraint_type = 'FOREIGN KEY'`.execute(database.db);
    return rows;
  }
  const pairs: { child: string; parent: string }[] = [];
  for (const table of await listDatabaseTables(database.db, database.engine)) {
    const { rows } = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${table})`.execute(database.db);
    pairs.push(...rows.map((row) => ({ child: table, parent: row.table })));
  }
  return pairs;
}

describe('backup and restore (in-process, this run\'s database engine)', () => {
  let config: Config;
  let runtime: TestRuntime;
  let scratch: string;

  beforeEach(async () => {
    config = testConfig();
    runtime = await openTestRuntime(config);
    scratch = fixtureDirectory();
  });
  afterEach(async () => {
    await runtime.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('BACKUP_TABLES lists exactly the tables the migrations create, each with its real primary key, parents before children', async () => {
    const catalog = await listDatabaseTables(runtime.database.db, runtime.database.engine);
    const applicationTables = catalog.filter((table) => !NON_BACKUP_TABLES.includes(table));
    // A migration that adds a table without adding it to BACKUP_TABLES fails here.
    expect([...applicationTables].sort()).toEqual([...BACKUP_TABLES].sort());
    for (const table of BACKUP_TABLES) expect(await primaryKeyColumns(runtime.database, table), table).toEqual(BACKUP_TABLE_KEYS[table]);
    const order = (table: string): number => (BACKUP_TABLES as readonly string[]).indexOf(table);
    for (const { child, parent } of await foreignKeys(runtime.database)) {
      // A table that is not backed up (a cache's revisions) goes with its parent: its rows are never restored.
      if (child === parent || NON_BACKUP_TABLES.includes(child)) continue;
      expect(order(parent), `${parent} must come before ${child}`).toBeLessThan(order(child));
    }
  });

  it('restores every table exactly as it was backed up', async () => {
    await fill(runtime.database, scratch);
    const file = path.join(scratch, 'backup.jsonl');
    const summary = await backupToFile(runtime.database, file);
    const before = await snapshot(runtime.database);
    expect(summary.header).toMatchObject({ format: 'autocognitix-backup', format_version: 1, engine: runtime.database.engine, tables: [...BACKUP_TABLES] });
    expect(summary.header.schema_version).toBe(knownSchemaVersions().at(-1));
    expect(summary.rowCounts).toEqual(Object.fromEntries(Object.entries(before).map(([table, rows]) => [table, rows.length])));
    expect(Object.values(summary.rowCounts).every((count) => count > 0)).toBe(true);

    // Change everything: new rows, changed rows, removed rows.
    await fill(runtime.database, scratch);
    await runtime.database.db.updateTable('users').set({ role: 'user' }).execute();
    await runtime.database.db.deleteFrom('recalls').execute();
    expect(await snapshot(runtime.database)).not.toEqual(before);

    await restoreBackup(runtime.database, file);
    expect(await snapshot(runtime.database)).toEqual(before);
  });

  it('backs up one consistent snapshot even while another connection writes', async () => {
    await fill(runtime.database, scratch);
    const before = await snapshot(runtime.database);
    const writer = await openTestRuntime(config, { shareWith: runtime });
    try {
      const summary = await backupToFile(runtime.database, path.join(scratch, 'during-writes.jsonl'), {
        onTableWritten: async (table) => {
          if (table !== 'users') return;
          // Rows of tables the backup has not read yet, committed by someone else mid-backup.
          await new DtcCodesRepository(writer.database.db).upsert([{ code: 'B1234', description_en: 'late', description_hu: null, severity: null, symptoms: [], possible_causes: [], related_codes: [], sources: [] }], isoNow());
          await writer.database.db.deleteFrom('complaints').execute();
        },
      });
      expect(summary.rowCounts.dtc_codes).toBe(before.dtc_codes?.length);
      expect(summary.rowCounts.complaints).toBe(before.complaints?.length);
      expect(readFileSync(path.join(scratch, 'during-writes.jsonl'), 'utf8')).not.toContain('B1234');
    } finally {
      await writer.dispose({ dropData: false });
    }
  });

  describe('refuses a bad file without changing anything', () => {
    let file: string;
    let lines: string[];
    let before: TableSnapshot;

    beforeEach(async () => {
      await fill(runtime.database, scratch);
      file = path.join(scratch, 'good.jsonl');
      await backupToFile(runtime.database, file);
      lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      await fill(runtime.database, scratch);
      before = await snapshot(runtime.database);
    });

    const header = (): Record<string, unknown> => JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    const rows = (): string[] => lines.slice(1, -1);
    const end = (): string => lines.at(-1) ?? '';

    it.each<[string, () => string[], typeof BackupFormatError | typeof BackupSchemaVersionError, RegExp]>([
      ['not JSON', () => ['{"format": "autocognitix-backup"', ...lines.slice(1)], BackupFormatError, /line 1 is not valid JSON/],
      ['not a backup', () => [JSON.stringify({ ...header(), format: 'something-else' }), ...lines.slice(1)], BackupFormatError, /not an AutoCognitix backup header/],
      ['empty', () => [], BackupFormatError, /the file is empty/],
      ['from a newer schema', () => [JSON.stringify({ ...header(), schema_version: '9999-from-the-future' }), ...lines.slice(1)], BackupSchemaVersionError, /9999-from-the-future is newer than this code knows/],
      ['of an unknown schema', () => [JSON.stringify({ ...header(), schema_version: '0000-unknown' }), ...lines.slice(1)], BackupSchemaVersionError, /not a migration this code knows/],
      ['truncated (no end marker)', () => lines.slice(0, -1), BackupFormatError, /incomplete: it has no end marker/],
      ['missing a row', () => [lines[0] ?? '', ...rows().slice(1), end()], BackupFormatError, /end marker counts \d+ users rows, the file has \d+/],
      ['with a row of an unknown table', () => [lines[0] ?? '', JSON.stringify({ table: 'secrets', row: { id: 1 } }), ...rows(), end()], BackupFormatError, /names a table that is not in the backup header/],
      ['with a hostile column name', () => [lines[0] ?? '', JSON.stringify({ table: 'users', row: { 'id) values (1); drop table users; --': 1 } }), ...rows(), end()], BackupFormatError, /invalid column name/],
      ['with a column this schema lacks', () => [lines[0] ?? '', ...rows().map((line) => line.replace('"row":{', '"row":{"no_such_column":1,')), end()], BackupFormatError, /has no column no_such_column/],
      ['with a nested value', () => [lines[0] ?? '', ...rows().map((line, index) => (index === 0 ? line.replace('"row":{', '"row":{"extra":{"a":1},') : line)), end()], BackupFormatError, /is not a plain value/],
      ['with rows out of order', () => [lines[0] ?? '', ...[...rows()].reverse(), end()], BackupFormatError, /rows after/],
      ['with a line after the end', () => [...lines, rows()[0] ?? ''], BackupFormatError, /follows the end marker/],
    ])('%s', async (_name, contents, errorType, message) => {
      writeFileSync(file, contents().join('\n'));
      const restoring = restoreBackup(runtime.database, file);
      await expect(restoring).rejects.toBeInstanceOf(errorType);
      await expect(restoring).rejects.toThrow(message);
      expect(await snapshot(runtime.database)).toEqual(before);
    });

    it('rolls everything back when a row breaks a constraint half-way', async () => {
      const duplicateUser = rows().find((line) => line.startsWith('{"table":"users"')) ?? '';
      const counts = JSON.parse(end()) as { row_counts: Record<string, number> };
      counts.row_counts.users = (counts.row_counts.users ?? 0) + 1;
      const userRows = rows().filter((line) => line.startsWith('{"table":"users"'));
      const otherRows = rows().filter((line) => !line.startsWith('{"table":"users"'));
      writeFileSync(file, [lines[0] ?? '', ...userRows, duplicateUser, ...otherRows, JSON.stringify(counts)].join('\n'));
      await expect(restoreBackup(runtime.database, file)).rejects.toThrow();
      expect(await snapshot(runtime.database)).toEqual(before);
    });
  });

  it('reads every make of a code even when a page ends between them (the key is code and make)', async () => {
    await fill(runtime.database, scratch);
    const rows = await withReadSnapshot(runtime.database, async (executor) => {
      const read: Record<string, unknown>[] = [];
      for await (const row of tableRows(executor, 'dtc_codes', 1)) read.push(row);
      return read;
    });
    expect(rows.map((row) => `${String(row.code)}/${String(row.make)}`)).toEqual(['P0171/', 'P0300/', 'P1131/', 'P1131/FORD', 'P1131/TOYOTA', 'U0100/']);
  });

  it('restores a backup from before makes (0008): its codes become the meanings for every make', async () => {
    await fill(runtime.database, scratch);
    const file = path.join(scratch, 'before-makes.jsonl');
    await backupToFile(runtime.database, file);
    const [first = '', ...rest] = readFileSync(file, 'utf8').trimEnd().split('\n');
    const olderHeader = { ...(JSON.parse(first) as Record<string, unknown>), schema_version: '0008-dtc-hungarian-lists' };
    const olderRows = rest.slice(0, -1).flatMap((line) => {
      const entry = JSON.parse(line) as { table: string; row: Record<string, unknown> };
      if (entry.table !== 'dtc_codes') return [line];
      if (entry.row.make !== '') return [];
      const { make: _make, ...row } = entry.row;
      return [JSON.stringify({ ...entry, row })];
    });
    const counts = (JSON.parse(rest.at(-1) ?? '{}') as { row_counts: Record<string, number> }).row_counts;
    writeFileSync(file, [JSON.stringify(olderHeader), ...olderRows, JSON.stringify({ end: true, row_counts: { ...counts, dtc_codes: 4 } })].join('\n'));

    await restoreBackup(runtime.database, file);
    const restored = await runtime.database.db.selectFrom('dtc_codes').select(['code', 'make']).orderBy('code').execute();
    expect(restored).toEqual(['P0171', 'P0300', 'P1131', 'U0100'].map((code) => ({ code, make: '' })));
  });

  it('restores a backup from an older schema: tables it predates end up empty', async () => {
    const { email } = await fill(runtime.database, scratch);
    const file = path.join(scratch, 'older.jsonl');
    await backupToFile(runtime.database, file);
    const olderTables = ['users', 'dtc_codes', 'recalls', 'complaints'];
    const [first = '', ...rest] = readFileSync(file, 'utf8').trimEnd().split('\n');
    const olderHeader = { ...(JSON.parse(first) as Record<string, unknown>), schema_version: '0004-complaints', tables: olderTables };
    const olderRows = rest.slice(0, -1).filter((line) => olderTables.includes((JSON.parse(line) as { table: string }).table));
    const counts = (JSON.parse(rest.at(-1) ?? '{}') as { row_counts: Record<string, number> }).row_counts;
    const olderEnd = { end: true, row_counts: Object.fromEntries(olderTables.map((table) => [table, counts[table]])) };
    writeFileSync(file, [JSON.stringify(olderHeader), ...olderRows, JSON.stringify(olderEnd)].join('\n'));

    await restoreBackup(runtime.database, file);
    const after = await snapshot(runtime.database);
    expect(after.garage_vehicles).toEqual([]);
    expect(after.auth_sessions).toEqual([]);
    expect((await new UsersRepository(runtime.database.db).findByEmail(email))?.role).toBe('admin');
  });

  it('restores a backup taken on the embedded SQLite file (same data on either engine)', async () => {
    const sourceDirectory = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-backup-source-'));
    const source = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir: sourceDirectory }) });
    try {
      await migrateToLatest(source);
      const { email } = await fill(source, scratch);
      const file = path.join(scratch, 'from-sqlite.jsonl');
      await backupToFile(source, file);
      await restoreBackup(runtime.database, file);

      const restoredOwner = await new UsersRepository(runtime.database.db).findByEmail(email);
      const originalOwner = await new UsersRepository(source.db).findByEmail(email);
      expect(restoredOwner).toEqual(originalOwner);
      const complaint = await runtime.database.db.selectFrom('complaints').select(['crash', 'fire', 'injured']).executeTakeFirstOrThrow();
      expect([Boolean(complaint.crash), Boolean(complaint.fire), complaint.injured]).toEqual([true, false, 1]);
      const counts = Object.fromEntries(Object.entries(await snapshot(runtime.database)).map(([table, tableRowsRead]) => [table, tableRowsRead.length]));
      const sourceCounts = Object.fromEntries(Object.entries(await snapshot(source)).map(([table, tableRowsRead]) => [table, tableRowsRead.length]));
      expect(counts).toEqual(sourceCounts);
    } finally {
      await source.close();
      rmSync(sourceDirectory, { recursive: true, force: true });
    }
  });
});

describe('autocognitix backup / restore (the command, embedded SQLite)', () => {
  let dataDir: string;
  let scratch: string;
  let database: Database;
  let ownerEmail: string;

  const cli = (args: readonly string[]) => runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-backup-'));
    scratch = fixtureDirectory();
    database = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir }) });
    await migrateToLatest(database);
    ownerEmail = (await fill(database, scratch)).email;
  });
  afterAll(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes the backup with mode 0600, replacing a wider file, and says it holds password hashes', async () => {
    const file = path.join(scratch, 'nightly.jsonl');
    writeFileSync(file, 'an older, world-readable backup');
    chmodSync(file, 0o644);
    const result = await cli(['backup', file]);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/^backup written to .*nightly\.jsonl \(mode 0600, contains password hashes\): schema \d{4}-[a-z-]+, \d+ rows \(users 2, /m);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const firstLine = readFileSync(file, 'utf8').split('\n')[0] ?? '';
    expect(JSON.parse(firstLine)).toMatchObject({ format: 'autocognitix-backup', engine: 'sqlite', schema_version: knownSchemaVersions().at(-1) });
  });

  it('restores with --yes, refuses without it when no terminal can confirm', async () => {
    const file = path.join(scratch, 'before-change.jsonl');
    expect((await cli(['backup', file])).code).toBe(0);
    await database.db.deleteFrom('users').where('email', '=', ownerEmail).execute();

    const unconfirmed = await cli(['restore', file]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/pass --yes to confirm/);
    expect(await new UsersRepository(database.db).findByEmail(ownerEmail)).toBeUndefined();

    const restored = await cli(['restore', file, '--yes']);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.stdout).toMatch(/^restored .*before-change\.jsonl: schema \d{4}-[a-z-]+, users 2, dtc_codes 6, /m);
    expect((await new UsersRepository(database.db).findByEmail(ownerEmail))?.role).toBe('admin');
    expect(await database.db.selectFrom('garage_vehicles').select('id').execute()).toHaveLength(1);
  });

  it.each([
    ['a malformed file', (text: string) => text.replace(/\n[^\n]*\n$/, '\n'), /cannot restore .*: the backup is incomplete: it has no end marker; the database was not changed/],
    ['a backup from a newer release', (text: string) => text.replace(/"schema_version":"[^"]+"/, '"schema_version":"9999-future"'), /cannot restore .*: the backup's schema version 9999-future is newer than this code knows .*; the database was not changed/],
  ])('exits 1 on %s, touching nothing', async (_name, corrupt, message) => {
    const file = path.join(scratch, `${randomUUID()}.jsonl`);
    expect((await cli(['backup', file])).code).toBe(0);
    writeFileSync(file, corrupt(readFileSync(file, 'utf8')));
    const usersBefore = await database.db.selectFrom('users').selectAll().execute();
    const result = await cli(['restore', file, '--yes']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(await database.db.selectFrom('users').selectAll().execute()).toEqual(usersBefore);
  });

  it('exits 1 naming a file it cannot read', async () => {
    const missing = path.join(scratch, 'missing.jsonl');
    const result = await cli(['restore', path.relative(process.cwd(), missing), '--yes']);
    expect(result.code).toBe(1);
    // The full path, whatever the command line said (issue 15).
    expect(result.stderr).toContain(`cannot restore ${missing}: cannot read the backup file ${missing} (ENOENT: no such file)`);
  });
});
