import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Issue 21: one row per user whose garage has changed, with a revision that
 * changes, in the same transaction, with every insert, update or delete of the
 * user's vehicles (triggers), so a process can keep the user's vehicle pages
 * as sent and know exactly when they are out of date, whoever wrote them (a
 * second instance, a restore). Random, not a counter: a restore could bring a
 * counter back to a value a kept page was computed under. A revision is only
 * written while its user exists, and goes with the user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('garage_revisions')
    .addColumn('user_id', 'varchar(36)', (column) => column.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('revision', 'varchar(64)', (column) => column.notNull())
    .execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // The function's search_path is the one it was created under, so it finds its own schema's tables.
    await sql`create function garage_vehicles_new_revision() returns trigger language plpgsql set search_path from current as $$
      begin
        if tg_op = 'TRUNCATE' then
          update garage_revisions set revision = gen_random_uuid()::text;
          return null;
        end if;
        if tg_op <> 'INSERT' then
          insert into garage_revisions (user_id, revision) select old.user_id, gen_random_uuid()::text where exists (select 1 from users where id = old.user_id)
            on conflict (user_id) do update set revision = excluded.revision;
        end if;
        if tg_op <> 'DELETE' then
          insert into garage_revisions (user_id, revision) select new.user_id, gen_random_uuid()::text where exists (select 1 from users where id = new.user_id)
            on conflict (user_id) do update set revision = excluded.revision;
        end if;
        return null;
      end
    $$`.execute(db);
    await sql`create trigger garage_vehicles_revision_change after insert or update or delete on garage_vehicles for each row execute function garage_vehicles_new_revision()`.execute(db);
    await sql`create trigger garage_vehicles_revision_truncate after truncate on garage_vehicles for each statement execute function garage_vehicles_new_revision()`.execute(db);
    return;
  }
  const bump = (owner: 'new' | 'old') =>
    sql`insert into garage_revisions (user_id, revision) select ${sql.raw(owner)}.user_id, lower(hex(randomblob(16))) where exists (select 1 from users where id = ${sql.raw(owner)}.user_id) on conflict (user_id) do update set revision = excluded.revision;`;
  await sql`create trigger garage_revision_insert after insert on garage_vehicles begin ${bump('new')} end`.execute(db);
  await sql`create trigger garage_revision_update after update on garage_vehicles begin ${bump('old')} ${bump('new')} end`.execute(db);
  await sql`create trigger garage_revision_delete after delete on garage_vehicles begin ${bump('old')} end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists garage_vehicles_revision_change on garage_vehicles`.execute(db);
    await sql`drop trigger if exists garage_vehicles_revision_truncate on garage_vehicles`.execute(db);
    await sql`drop function if exists garage_vehicles_new_revision()`.execute(db);
  } else {
    for (const name of ['garage_revision_insert', 'garage_revision_update', 'garage_revision_delete']) await sql`drop trigger if exists ${sql.id(name)}`.execute(db);
  }
  await db.schema.dropTable('garage_revisions').execute();
}
