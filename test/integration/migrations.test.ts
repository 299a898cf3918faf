import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrateToLatest, toBoolean } from '../../src/db/index.js';
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
