import type { Kysely } from 'kysely';

/**
 * Hungarian symptoms and possible causes beside the English ones, so the
 * Hungarian UI shows our data in Hungarian. JSON text arrays like the English
 * columns; empty until an import supplies them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dtc_codes').addColumn('symptoms_hu', 'text', (column) => column.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('dtc_codes').addColumn('possible_causes_hu', 'text', (column) => column.notNull().defaultTo('[]')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dtc_codes').dropColumn('possible_causes_hu').execute();
  await db.schema.alterTable('dtc_codes').dropColumn('symptoms_hu').execute();
}
