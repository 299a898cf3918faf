import type { Kysely } from 'kysely';

/**
 * Issue 21: the garage page's query (`user_id = ?` ordered by `created_at`,
 * then `id`) walks this index in its order. The index of 0005 ended at
 * `created_at`, so every list sorted its rows in a temporary B-tree first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('garage_vehicles_user_order').on('garage_vehicles').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('garage_vehicles_user').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('garage_vehicles_user').on('garage_vehicles').columns(['user_id', 'created_at']).execute();
  await db.schema.dropIndex('garage_vehicles_user_order').execute();
}
