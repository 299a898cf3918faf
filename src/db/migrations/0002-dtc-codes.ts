import { sql, type Kysely } from 'kysely';

/**
 * Diagnostic trouble codes. List columns (symptoms, causes, related codes,
 * sources) are JSON text on both engines, so one query works everywhere.
 * `search_text` is the descriptions lower-cased with accents removed, written
 * by the repository: a plain LIKE on it is case- and accent-insensitive on
 * PostgreSQL and SQLite alike.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dtc_codes')
    .addColumn('code', 'varchar(5)', (column) => column.primaryKey())
    .addColumn('system', 'varchar(16)', (column) => column.notNull().check(sql`system in ('powertrain', 'body', 'chassis', 'network')`))
    .addColumn('is_generic', 'boolean', (column) => column.notNull())
    .addColumn('description_en', 'text', (column) => column.notNull())
    .addColumn('description_hu', 'text')
    .addColumn('severity', 'varchar(16)', (column) => column.check(sql`severity in ('low', 'medium', 'high', 'critical')`))
    .addColumn('symptoms', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('possible_causes', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('related_codes', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('sources', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('search_text', 'text', (column) => column.notNull())
    .addColumn('content_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('dtc_codes_system_code').on('dtc_codes').columns(['system', 'code']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dtc_codes').execute();
}
