import type { Kysely } from 'kysely';

/**
 * Issue 20, mileage and reminders: odometer readings and service/inspection
 * reminders per garage vehicle. Both go with their vehicle (cascade) and with
 * their user (erasure). Calendar dates are ISO `YYYY-MM-DD` text (UTC days),
 * like the NHTSA dates: one comparison works on both engines.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('odometer_readings')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('vehicle_id', 'varchar(36)', (column) => column.notNull().references('garage_vehicles.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('km', 'integer', (column) => column.notNull())
    .addColumn('read_at', 'timestamptz', (column) => column.notNull())
    // 'manual' (entered by hand) or 'scan' (from an uploaded OBD scan).
    .addColumn('source', 'varchar(16)', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('odometer_readings_vehicle_time').on('odometer_readings').columns(['vehicle_id', 'read_at']).execute();

  await db.schema
    .createTable('vehicle_reminders')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('vehicle_id', 'varchar(36)', (column) => column.notNull().references('garage_vehicles.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(32)', (column) => column.notNull())
    .addColumn('title', 'varchar(100)', (column) => column.notNull())
    .addColumn('every_months', 'integer')
    .addColumn('every_km', 'integer')
    // The next due: what a scheduler compares with today and the latest reading.
    .addColumn('due_date', 'varchar(10)')
    .addColumn('due_km', 'integer')
    .addColumn('last_done_date', 'varchar(10)')
    .addColumn('last_done_km', 'integer')
    // Which due was already mailed (the later scheduler's mark); cleared when the due moves.
    .addColumn('notified_for', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('vehicle_reminders_vehicle').on('vehicle_reminders').columns(['vehicle_id', 'created_at']).execute();
  await db.schema.createIndex('vehicle_reminders_user_due').on('vehicle_reminders').columns(['user_id', 'due_date']).execute();
  await db.schema.createIndex('vehicle_reminders_due_date').on('vehicle_reminders').column('due_date').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vehicle_reminders').execute();
  await db.schema.dropTable('odometer_readings').execute();
}
