import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseSchema } from '../../src/db/index.js';
import { reusableQuery } from '../../src/db/reusable-query.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';

/** src/db/reusable-query.ts on the backend under test: one compile, new parameters each run, transactions honoured. */
describe('reusable queries', () => {
  let runtime: TestRuntime;
  let db: Kysely<DatabaseSchema>;
  const userIds: string[] = [];

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig());
    db = runtime.database.db;
    const now = new Date().toISOString();
    for (const name of ['first', 'second', 'third']) {
      const id = randomUUID();
      userIds.push(id);
      await db.insertInto('users').values({ id, email: `${name}-${id}@example.test`, password_hash: '-', full_name: name, role: 'user', is_active: true, created_at: now, updated_at: now }).execute();
    }
  });
  afterAll(async () => {
    await runtime.dispose();
  });

  it('runs the query compiled once with each call’s arguments, numbers included', async () => {
    let builds = 0;
    const namesAfter = reusableQuery((handle: Kysely<DatabaseSchema>, id: string, limit: number) => {
      builds += 1;
      return handle.selectFrom('users').select(['id', 'full_name']).where('id', 'in', userIds).where('id', '<>', id).orderBy('full_name').limit(limit);
    });
    const [first, second, third] = userIds as [string, string, string];
    expect((await namesAfter(db, first, 5)).map((row) => row.full_name)).toEqual(['second', 'third']);
    expect((await namesAfter(db, second, 1)).map((row) => row.full_name)).toEqual(['first']);
    expect((await namesAfter(db, third, 0)).map((row) => row.full_name)).toEqual([]);
    expect(builds).toBe(1);
  });

  it('takes an IN list as spread arguments, compiled once per list length', async () => {
    let builds = 0;
    const namesOf = reusableQuery((handle: Kysely<DatabaseSchema>, ...ids: string[]) => {
      builds += 1;
      return handle.selectFrom('users').select('full_name').where('id', 'in', ids).orderBy('full_name');
    });
    const [first, second, third] = userIds as [string, string, string];
    expect((await namesOf(db, first, third)).map((row) => row.full_name)).toEqual(['first', 'third']);
    expect((await namesOf(db, second)).map((row) => row.full_name)).toEqual(['second']);
    expect((await namesOf(db, third, second)).map((row) => row.full_name)).toEqual(['second', 'third']);
    expect(builds).toBe(2);
  });

  it('runs inside a transaction when given one, and sees its uncommitted rows', async () => {
    const nameOf = reusableQuery((handle: Kysely<DatabaseSchema>, id: string) => handle.selectFrom('users').select('full_name').where('id', '=', id));
    const [first] = userIds as [string];
    await db
      .transaction()
      .execute(async (transaction) => {
        await transaction.updateTable('users').set({ full_name: 'renamed' }).where('id', '=', first).execute();
        expect(await nameOf(transaction, first)).toEqual([{ full_name: 'renamed' }]);
        throw new Error('roll back');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'roll back') throw error;
      });
    expect(await nameOf(db, first)).toEqual([{ full_name: 'first' }]);
  });

  it('refuses a build that does not bind each argument once, as given', async () => {
    const changed = reusableQuery((handle: Kysely<DatabaseSchema>, email: string) => handle.selectFrom('users').select('id').where('email', '=', email.toLowerCase()));
    await expect(changed(db, 'Someone@example.test')).rejects.toThrow(/every argument must be bound once/);
    const twice = reusableQuery((handle: Kysely<DatabaseSchema>, id: string) => handle.selectFrom('users').select('id').where('id', '=', id).where('id', '<>', id));
    await expect(twice(db, userIds[0] ?? '')).rejects.toThrow(/every argument must be bound once/);
  });
});
