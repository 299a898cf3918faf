import { type Kysely } from 'kysely';

/**
 * NHTSA owner complaints (FLAT_CMPL), one row per CMPLID: NHTSA's own unique
 * number for one line of the file. One complaint (ODI number) spans several
 * lines when it names several vehicles or components, so totals count
 * distinct ODI numbers. VINs, city and dealer fields are deliberately not
 * stored: they identify people and no route needs them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('complaints')
    .addColumn('cmplid', 'integer', (column) => column.primaryKey())
    .addColumn('odi_number', 'integer', (column) => column.notNull())
    .addColumn('manufacturer', 'text')
    .addColumn('make', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('model_year', 'integer')
    .addColumn('component', 'text', (column) => column.notNull())
    .addColumn('crash', 'boolean', (column) => column.notNull())
    .addColumn('fire', 'boolean', (column) => column.notNull())
    .addColumn('injured', 'integer', (column) => column.notNull())
    .addColumn('deaths', 'integer', (column) => column.notNull())
    .addColumn('failure_date', 'varchar(10)')
    .addColumn('received_date', 'varchar(10)')
    .addColumn('state', 'text')
    .addColumn('miles', 'integer')
    .addColumn('vehicle_speed', 'integer')
    .addColumn('description', 'text')
    .addColumn('complaint_type', 'text')
    .addColumn('product_type', 'text')
    .addColumn('police_report', 'boolean')
    .addColumn('medical_attention', 'boolean')
    .addColumn('vehicles_towed', 'boolean')
    .addColumn('content_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('complaints_vehicle').on('complaints').columns(['make', 'model', 'model_year']).execute();
  await db.schema.createIndex('complaints_odi_number').on('complaints').column('odi_number').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('complaints').execute();
}
