// @backend-independent: always the embedded SQLite file (REDIS_URL and DATABASE_URL unset): read rounds are the SQLite driver's
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';

/** src/db/sqlite-driver.ts: reads outside transactions run together, one read transaction per event-loop round. */
describe('SQLite read rounds', () => {
  let runtime: TestRuntime;
  const now = new Date().toISOString();
  const addUser = (id: string, name: string) =>
    runtime.database.db.insertInto('users').values({ id, email: `${id}@example.test`, password_hash: '-', full_name: name, role: 'user', is_active: true, created_at: now, updated_at: now }).execute();
  const nameOf = async (id: string) => (await runtime.database.db.selectFrom('users').select('full_name').where('id', '=', id).executeTakeFirst())?.full_name;

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig({ REDIS_URL: undefined, DATABASE_URL: undefined }));
  });
  afterAll(async () => {
    await runtime.dispose();
  });

  it('answers each of many reads issued together with its own rows', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const [index, id] of ids.entries()) await addUser(id, `user ${index}`);
    const names = await Promise.all(ids.map((id) => nameOf(id)));
    expect(names).toEqual(ids.map((_, index) => `user ${index}`));
  });

  it('fails only the read that fails: the others of its round are answered', async () => {
    const id = randomUUID();
    await addUser(id, 'kept');
    const results = await Promise.allSettled([nameOf(id), sql`select missing_column from users`.execute(runtime.database.db), nameOf(id)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'kept' });
  });

  it('waits for a write transaction in progress, then sees what it committed', async () => {
    const id = randomUUID();
    await addUser(id, 'before');
    let release: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => {
      release = resolve;
    });
    let updated: () => void = () => undefined;
    const wrote = new Promise<void>((resolve) => {
      updated = resolve;
    });
    const transaction = runtime.database.db.transaction().execute(async (executor) => {
      await executor.updateTable('users').set({ full_name: 'after' }).where('id', '=', id).execute();
      updated();
      await holding;
    });
    await wrote;
    let answered = false;
    const read = nameOf(id).then((name) => {
      answered = true;
      return name;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Neither the uncommitted write nor an answer before the commit.
    expect(answered).toBe(false);
    release();
    await transaction;
    expect(await read).toBe('after');
  });

  it('sees a write that finished before the read was issued', async () => {
    const id = randomUUID();
    await addUser(id, 'first');
    await runtime.database.db.updateTable('users').set({ full_name: 'second' }).where('id', '=', id).execute();
    expect(await nameOf(id)).toBe('second');
  });
});
