import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, createDatabase, migrateToLatest, toBoolean, type Database } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { openTestRuntime, testConfig, uniqueId, type TestRuntime } from '../helpers/backends.js';
import { testPostgresUrl } from '../helpers/test-databases.js';

describe('database migrations', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig());
  });
  afterAll(async () => {
    await runtime.dispose();
  });

  it('applies every migration, in order', async () => {
    expect(await appliedMigrations(runtime.database)).toEqual(Object.keys(migrations));
  });

  it('is idempotent: a second run applies nothing', async () => {
    const outcome = await migrateToLatest(runtime.database);
    expect(outcome.applied).toEqual([]);
    expect(outcome.latest).toBe(Object.keys(migrations).at(-1));
  });

  it('creates users with a case-insensitively unique email and the documented defaults', async () => {
    const now = new Date().toISOString();
    const db = runtime.database.db;
    const email = `Driver.${randomUUID()}@Example.com`.toLowerCase();
    await db.insertInto('users').values({ id: randomUUID(), email, password_hash: 'hash', full_name: 'Kovács Éva', role: 'user', is_active: true, created_at: now, updated_at: now }).execute();
    const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(row.full_name).toBe('Kovács Éva');
    expect(toBoolean(row.is_active)).toBe(true);
    await expect(
      db.insertInto('users').values({ id: randomUUID(), email, password_hash: 'hash', full_name: null, role: 'user', is_active: true, created_at: now, updated_at: now }).execute(),
    ).rejects.toThrow();
  });

  it('refuses a role outside user/admin', async () => {
    const now = new Date().toISOString();
    await expect(
      runtime.database.db
        .insertInto('users')
        .values({ id: randomUUID(), email: `${randomUUID()}@example.com`, password_hash: 'h', full_name: null, role: 'root' as 'admin', is_active: true, created_at: now, updated_at: now })
        .execute(),
    ).rejects.toThrow();
  });
});

describe('migrations on a PostgreSQL database shared with others', () => {
  const databaseUrl = testPostgresUrl();

  it('succeed while another schema of the database is being created and dropped', async () => {
    const churn = new pg.Client({ connectionString: databaseUrl });
    await churn.connect();
    const churnSchema = `churn_${uniqueId()}`;
    const churnState = { stop: false, cycles: 0 };
    // Tables with serial columns, dropped again and again: what another test's cleanup (or tenant) does meanwhile.
    const churning = (async () => {
      while (!churnState.stop) {
        await churn.query(`create schema ${churnSchema}`);
        for (let table = 0; table < 5; table++) await churn.query(`create table ${churnSchema}.t${String(table)} (id serial primary key, a int, b text)`);
        await churn.query(`drop schema ${churnSchema} cascade`);
        churnState.cycles++;
      }
    })();
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        const runtime = await openTestRuntime(testConfig({ DATABASE_URL: databaseUrl }));
        try {
          expect(await appliedMigrations(runtime.database)).toEqual(Object.keys(migrations));
        } finally {
          await runtime.dispose();
        }
      }
    } finally {
      churnState.stop = true;
      await churning;
      await churn.query(`drop schema if exists ${churnSchema} cascade`);
      await churn.end();
    }
    expect(churnState.cycles).toBeGreaterThan(0);
  });
});

/** dtc_codes rows as 0008 stores them: generic and manufacturer codes, Hungarian lists, a null severity. */
const rowsBefore0009 = [
  ['P0301', 'powertrain', true, 'Cylinder 1 misfire', 'Henger 1 gyújtáskimaradás', 'high', '["Rough idle"]', '["Worn plug"]', '["P0300"]', '["seed"]', 'cylinder 1 misfire', 'a'.repeat(64), '2026-01-02T03:04:05.000Z', '["Rázkódik"]', '["Kopott gyertya"]'],
  ['P1131', 'powertrain', false, 'Manufacturer oxygen sensor code', null, null, '[]', '[]', '[]', '["workshop"]', 'manufacturer oxygen sensor code', 'b'.repeat(64), '2026-01-02T03:04:05.000Z', '[]', '[]'],
  ['U0100', 'network', true, 'Lost communication with ECM/PCM A', null, 'critical', '[]', '[]', '[]', '[]', 'lost communication', 'c'.repeat(64), '2026-01-02T03:04:05.000Z', '[]', '[]'],
] as const;
const COLUMNS_0008 = ['code', 'system', 'is_generic', 'description_en', 'description_hu', 'severity', 'symptoms', 'possible_causes', 'related_codes', 'sources', 'search_text', 'content_hash', 'updated_at', 'symptoms_hu', 'possible_causes_hu'] as const;

async function dtcRows(database: Database): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`select * from dtc_codes order by code`.execute(database.db);
  return rows.map((row) => ({ ...row, is_generic: toBoolean(row.is_generic as boolean | number), updated_at: new Date(row.updated_at as string | Date).toISOString() }));
}

describe.each(['sqlite', 'postgres'] as const)('migration 0009-dtc-make on %s', (engine) => {
  let database: Database;
  let directory: string;
  let schema: string | undefined;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-migration-'));
    schema = engine === 'postgres' ? `test_${uniqueId()}` : undefined;
    database = createDatabase({ sqliteFilePath: path.join(directory, 'db.sqlite'), ...(engine === 'postgres' ? { databaseUrl: testPostgresUrl(), schema } : {}) });
    await database.ping();
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: () => Promise.resolve({ ...migrations }) }, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    const { error } = await migrator.migrateTo('0008-dtc-hungarian-lists');
    expect(error).toBeUndefined();
    for (const row of rowsBefore0009) {
      await sql`insert into dtc_codes (${sql.join(COLUMNS_0008.map((column) => sql.id(column)))}) values (${sql.join([...row])})`.execute(database.db);
    }
  });
  afterAll(async () => {
    if (schema !== undefined) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every row as it was, with make empty, and keys the table by (code, make)', async () => {
    const before = await dtcRows(database);
    expect(before.map((row) => row.code)).toEqual(['P0301', 'P1131', 'U0100']);
    const outcome = await migrateToLatest(database);
    expect(outcome.applied).toContain('0009-dtc-make');
    const after = await dtcRows(database);
    expect(after).toEqual(before.map((row) => ({ ...row, make: '' })));
    const now = new Date().toISOString();
    const makeRow = (make: string) => ({ ...Object.fromEntries(COLUMNS_0008.map((column, index) => [column, rowsBefore0009[1][index]])), is_generic: false, make, updated_at: now });
    // The same code for another make is a row of its own; the same (code, make) twice is refused.
    await database.db.insertInto('dtc_codes').values(makeRow('FORD') as never).execute();
    await database.db.insertInto('dtc_codes').values(makeRow('TOYOTA') as never).execute();
    await expect(database.db.insertInto('dtc_codes').values(makeRow('FORD') as never).execute()).rejects.toThrow();
    expect((await dtcRows(database)).filter((row) => row.code === 'P1131').map((row) => row.make)).toEqual(expect.arrayContaining(['', 'FORD', 'TOYOTA']));
    // The search index survives the rebuild.
    const indexes =
      engine === 'postgres'
        ? await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'dtc_codes'`.execute(database.db)
        : await sql<{ name: string }>`select name from pragma_index_list('dtc_codes')`.execute(database.db);
    expect(indexes.rows.map((row) => row.name)).toContain('dtc_codes_system_code');
  });

  it('goes back down to 0008: the meanings for every make stay, the makes’ own rows and the make column go', async () => {
    const before = await dtcRows(database);
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: () => Promise.resolve({ ...migrations }) }, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    const { error } = await migrator.migrateTo('0008-dtc-hungarian-lists');
    expect(error).toBeUndefined();
    expect(before.filter((row) => row.make !== '').length).toBeGreaterThan(0);
    expect(await dtcRows(database)).toEqual(before.filter((row) => row.make === '').map(({ make: _dropped, ...row }) => row));
    // Keyed by code alone again.
    await expect(sql`insert into dtc_codes (${sql.join(COLUMNS_0008.map((column) => sql.id(column)))}) values (${sql.join([...rowsBefore0009[1]])})`.execute(database.db)).rejects.toThrow();
    // Up again: 0009 and every later migration (whose down steps ran on the way to 0008).
    expect((await migrateToLatest(database)).applied).toEqual(Object.keys(migrations).filter((name) => name > '0008-dtc-hungarian-lists'));
  });
});
