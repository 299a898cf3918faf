import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Issue 21: a one-row table whose `revision` changes, in the same transaction,
 * with every change to `dtc_codes`, so a process can keep answers computed from
 * the codes (the DTC lookup's) and know exactly when they are out of date,
 * whichever process wrote: an import beside the running server, a restore.
 *
 * The revision is random, not a counter: a restore that brought back an older
 * counter could meet a cached answer of the same number.
 * A later migration that rebuilds `dtc_codes` (SQLite drops a table's triggers
 * with it) must create these triggers again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dtc_codes_revision')
    .addColumn('id', 'integer', (column) => column.primaryKey().check(sql`id = 1`))
    .addColumn('revision', 'varchar(64)', (column) => column.notNull())
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`insert into dtc_codes_revision (id, revision) values (1, gen_random_uuid()::text)`.execute(db);
    // Once per statement; the function's search_path is the one it was created under, so it finds its own schema's table.
    await sql`create function dtc_codes_new_revision() returns trigger language plpgsql set search_path from current as $$
      begin
        update dtc_codes_revision set revision = gen_random_uuid()::text where id = 1;
        return null;
      end
    $$`.execute(db);
    await sql`create trigger dtc_codes_revision_change after insert or update or delete or truncate on dtc_codes for each statement execute function dtc_codes_new_revision()`.execute(db);
    return;
  }
  await sql`insert into dtc_codes_revision (id, revision) values (1, lower(hex(randomblob(16))))`.execute(db);
  // SQLite triggers run per row: a change of many rows draws many revisions, the last one stays.
  for (const [name, event] of [
    ['dtc_codes_revision_insert', 'insert'],
    ['dtc_codes_revision_update', 'update'],
    ['dtc_codes_revision_delete', 'delete'],
  ] as const) {
    await sql`create trigger ${sql.id(name)} after ${sql.raw(event)} on dtc_codes begin update dtc_codes_revision set revision = lower(hex(randomblob(16))) where id = 1; end`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists dtc_codes_revision_change on dtc_codes`.execute(db);
    await sql`drop function if exists dtc_codes_new_revision()`.execute(db);
  } else {
    for (const name of ['dtc_codes_revision_insert', 'dtc_codes_revision_update', 'dtc_codes_revision_delete']) await sql`drop trigger if exists ${sql.id(name)}`.execute(db);
  }
  await db.schema.dropTable('dtc_codes_revision').execute();
}
