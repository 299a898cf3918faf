import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrateToLatest, toBoolean } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';

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
