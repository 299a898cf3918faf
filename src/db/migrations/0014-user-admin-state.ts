import type { Kysely } from 'kysely';

/**
 * What an admin sets on an account besides the role: `password_reset_required`
 * (a correct password no longer signs in until the owner sets a new one
 * through "forgot password" or a password change) and `locked_at` (when the
 * account was locked; a lock is `is_active = false`, this says since when).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('password_reset_required', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('users').addColumn('locked_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('locked_at').execute();
  await db.schema.alterTable('users').dropColumn('password_reset_required').execute();
}
