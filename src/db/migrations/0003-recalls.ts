import { type Kysely } from 'kysely';

/**
 * NHTSA recall campaigns (FLAT_RCL), one row per campaign, make, model, model
 * year and component. `recall_key` is the SHA-256 of that tuple: the model
 * year may be unknown (null), and neither engine treats two NULLs as equal in
 * a unique index, so the tuple's digest is the primary key instead.
 * Dates are ISO `YYYY-MM-DD` text: NHTSA gives calendar dates without a zone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recalls')
    .addColumn('recall_key', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('campaign_number', 'text', (column) => column.notNull())
    .addColumn('make', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('model_year', 'integer')
    .addColumn('component', 'text', (column) => column.notNull())
    .addColumn('manufacturer', 'text')
    .addColumn('manufacturer_campaign_number', 'text')
    .addColumn('recall_type', 'text')
    .addColumn('potentially_affected', 'integer')
    .addColumn('manufactured_from', 'varchar(10)')
    .addColumn('manufactured_to', 'varchar(10)')
    .addColumn('report_received_date', 'varchar(10)')
    .addColumn('owner_notification_date', 'varchar(10)')
    .addColumn('fmvss', 'text')
    .addColumn('defect_summary', 'text')
    .addColumn('consequence_summary', 'text')
    .addColumn('corrective_action', 'text')
    .addColumn('notes', 'text')
    .addColumn('do_not_drive', 'boolean')
    .addColumn('park_outside', 'boolean')
    .addColumn('content_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('recalls_vehicle').on('recalls').columns(['make', 'model', 'model_year']).execute();
  await db.schema.createIndex('recalls_campaign_number').on('recalls').column('campaign_number').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recalls').execute();
}
