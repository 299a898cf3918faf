import type { Kysely } from 'kysely';

/**
 * The durable copy of the security state that lives in the key-value store:
 * sessions (refresh families), denylisted token ids and per-user cut-offs. A
 * Redis that restarts empty is refilled from these before it answers again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', 'varchar(32)', (column) => column.primaryKey())
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('user_agent', 'varchar(200)')
    .addColumn('ip_prefix', 'varchar(64)')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('last_used_at', 'timestamptz', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('auth_sessions_user').on('auth_sessions').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('auth_sessions_expiry').on('auth_sessions').column('expires_at').execute();

  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', 'varchar(32)', (column) => column.primaryKey())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('revoked_tokens_expiry').on('revoked_tokens').column('expires_at').execute();

  await db.schema
    .createTable('user_token_cutoffs')
    .addColumn('user_id', 'varchar(36)', (column) => column.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('mark', 'varchar(80)', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_token_cutoffs').execute();
  await db.schema.dropTable('revoked_tokens').execute();
  await db.schema.dropTable('auth_sessions').execute();
}
