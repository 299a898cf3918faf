import type { Kysely } from 'kysely';

/**
 * Issue 20, the iCalendar feed: one secret feed URL per user. Only the
 * SHA-256 of its token is stored (the URL is shown once, when made); a new
 * token replaces the row's hash, so the old URL stops working at once. Goes
 * with its user (cascade, and the erasure's USER_OWNED_TABLES).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('user_id', 'varchar(36)', (column) => column.primaryKey().references('users.id').onDelete('cascade'))
    // base64url SHA-256 of the URL's token: what a feed request is looked up by.
    .addColumn('token_hash', 'varchar(64)', (column) => column.notNull().unique())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('calendar_feeds').execute();
}
