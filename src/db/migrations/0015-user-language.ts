import type { Kysely } from 'kysely';

/**
 * The language a user reads: mail (security notifications, links) is written
 * in it. 'hu' or 'en'; set at registration from the web app's UI language
 * (else Accept-Language) and kept in step when the signed-in user switches.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('language', 'varchar(2)', (column) => column.notNull().defaultTo('hu'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('language').execute();
}
