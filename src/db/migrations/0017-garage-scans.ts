import type { Kysely } from 'kysely';

/**
 * Issue 20, scans: what an OBD-II adapter or app read, uploaded to a garage
 * vehicle. The row holds what a list shows (format, file name, times,
 * mileage, code counts, series names); `body` holds the rest as JSON text
 * (codes, freeze frames, the downsampled series, unknown columns), bounded by
 * the parsers' limits and MAX_STORED_SERIES (src/garage/scan-import.ts).
 * Scans go with their vehicle (cascade) and with their user (erasure).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('garage_scans')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('vehicle_id', 'varchar(36)', (column) => column.notNull().references('garage_vehicles.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    // 'torque-csv', 'elm327' or 'json'.
    .addColumn('format', 'varchar(16)', (column) => column.notNull())
    .addColumn('file_name', 'varchar(100)', (column) => column.notNull())
    .addColumn('taken_at', 'timestamptz')
    .addColumn('uploaded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('mileage_km', 'integer')
    // Whether the mileage became an odometer reading (null: no mileage; false: lower than the latest reading).
    .addColumn('odometer_recorded', 'boolean')
    .addColumn('stored_count', 'integer', (column) => column.notNull())
    .addColumn('pending_count', 'integer', (column) => column.notNull())
    .addColumn('permanent_count', 'integer', (column) => column.notNull())
    // JSON array of the series' names: a list shows them without reading the body.
    .addColumn('series_names', 'text', (column) => column.notNull())
    .addColumn('body', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('garage_scans_vehicle_uploaded').on('garage_scans').columns(['vehicle_id', 'uploaded_at']).execute();
  await db.schema.createIndex('garage_scans_user').on('garage_scans').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('garage_scans').execute();
}
