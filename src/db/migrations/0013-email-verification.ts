import type { Kysely } from 'kysely';

/**
 * Verified e-mail addresses: `email_verified_at` is when the account last
 * proved it receives mail at its current address (a verification link, or
 * the confirmation of an address change). Null is "not verified". Existing
 * accounts stay null: nobody ever proved their addresses, and they verify
 * from the account page (docs/SECURITY.md, "Verified e-mail addresses").
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
