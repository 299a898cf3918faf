import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('garage_vehicles')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('make', 'varchar(64)', (column) => column.notNull())
    .addColumn('model', 'varchar(128)', (column) => column.notNull())
    .addColumn('year', 'integer', (column) => column.notNull())
    .addColumn('vin', 'varchar(17)')
    .addColumn('nickname', 'varchar(100)')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('garage_vehicles_user').on('garage_vehicles').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('diagnosis_notes')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('vehicle_id', 'varchar(36)', (column) => column.notNull().references('garage_vehicles.id').onDelete('cascade'))
    .addColumn('codes', 'text', (column) => column.notNull())
    .addColumn('symptoms', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('diagnosis_notes_vehicle').on('diagnosis_notes').columns(['vehicle_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('diagnosis_notes').execute();
  await db.schema.dropTable('garage_vehicles').execute();
}
