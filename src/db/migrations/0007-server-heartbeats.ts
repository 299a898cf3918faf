import type { Kysely } from 'kysely';

/**
 * One row per running server process, refreshed every few seconds: `restore`
 * reads it to refuse replacing the data under a server that is serving it.
 * Not backed up (it describes processes, not data).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_heartbeats')
    .addColumn('instance_id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('host', 'varchar(255)', (column) => column.notNull())
    .addColumn('pid', 'integer', (column) => column.notNull())
    .addColumn('started_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('last_seen_at', 'varchar(32)', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_heartbeats').execute();
}
