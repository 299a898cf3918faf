import { SqliteAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Manufacturer-specific meanings: the same P1xxx code means one thing on a
 * Ford and another on a Toyota. `make` is upper-case; `''` is the meaning for
 * every make (generic SAE codes, and manufacturer codes imported without a
 * make), which every existing row keeps. The key becomes (code, make).
 *
 * SQLite cannot change a primary key in place, so there the table is rebuilt
 * (new table, copy, drop, rename, index) inside one transaction; PostgreSQL
 * swaps the constraint. `make` is the last column on both engines, so exports
 * list the columns in the same order everywhere.
 */
const LIST_COLUMN_DEFAULT = '[]';

/** The columns before this migration, in their order on both engines. */
const COLUMNS_BEFORE = [
  'code',
  'system',
  'is_generic',
  'description_en',
  'description_hu',
  'severity',
  'symptoms',
  'possible_causes',
  'related_codes',
  'sources',
  'search_text',
  'content_hash',
  'updated_at',
  'symptoms_hu',
  'possible_causes_hu',
] as const;

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** dtc_codes as 0002 and 0008 left it, with `make` last when `withMake`; keyed by (code, make) or by code. */
async function createDtcCodesTable(db: Kysely<unknown>, name: string, withMake: boolean): Promise<void> {
  let table = db.schema
    .createTable(name)
    .addColumn('code', 'varchar(5)', (column) => column.notNull())
    .addColumn('system', 'varchar(16)', (column) => column.notNull().check(sql`system in ('powertrain', 'body', 'chassis', 'network')`))
    .addColumn('is_generic', 'boolean', (column) => column.notNull())
    .addColumn('description_en', 'text', (column) => column.notNull())
    .addColumn('description_hu', 'text')
    .addColumn('severity', 'varchar(16)', (column) => column.check(sql`severity in ('low', 'medium', 'high', 'critical')`))
    .addColumn('symptoms', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT))
    .addColumn('possible_causes', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT))
    .addColumn('related_codes', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT))
    .addColumn('sources', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT))
    .addColumn('search_text', 'text', (column) => column.notNull())
    .addColumn('content_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('symptoms_hu', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT))
    .addColumn('possible_causes_hu', 'text', (column) => column.notNull().defaultTo(LIST_COLUMN_DEFAULT));
  table = withMake
    ? table.addColumn('make', 'varchar(32)', (column) => column.notNull().defaultTo('')).addPrimaryKeyConstraint(`${name}_pkey`, ['code', 'make'])
    : table.addPrimaryKeyConstraint(`${name}_pkey`, ['code']);
  await table.execute();
}

/** SQLite: replaces dtc_codes by a copy of `keptRows` in the new shape, in one transaction. */
async function rebuildSqliteTable(db: Kysely<unknown>, withMake: boolean, keptRows: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    await createDtcCodesTable(transaction, 'dtc_codes_rebuilt', withMake);
    const columns = sql.join(COLUMNS_BEFORE.map((column) => sql.id(column)));
    const targetColumns = withMake ? sql`${columns}, ${sql.id('make')}` : columns;
    const sourceColumns = withMake ? sql`${columns}, ''` : columns;
    await sql`insert into dtc_codes_rebuilt (${targetColumns}) select ${sourceColumns} from dtc_codes ${keptRows}`.execute(transaction);
    await transaction.schema.dropTable('dtc_codes').execute();
    await transaction.schema.alterTable('dtc_codes_rebuilt').renameTo('dtc_codes').execute();
    await transaction.schema.createIndex('dtc_codes_system_code').on('dtc_codes').columns(['system', 'code']).execute();
  });
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) {
    await rebuildSqliteTable(db, true, sql``);
    return;
  }
  await db.schema.alterTable('dtc_codes').addColumn('make', 'varchar(32)', (column) => column.notNull().defaultTo('')).execute();
  await db.schema.alterTable('dtc_codes').dropConstraint('dtc_codes_pkey').execute();
  await db.schema.alterTable('dtc_codes').addPrimaryKeyConstraint('dtc_codes_pkey', ['code', 'make']).execute();
}

/** Back to one row a code: the make-specific rows go (the generic ones are what the older schema can hold). */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) {
    await rebuildSqliteTable(db, false, sql`where make = ''`);
    return;
  }
  await sql`delete from dtc_codes where make <> ''`.execute(db);
  await db.schema.alterTable('dtc_codes').dropConstraint('dtc_codes_pkey').execute();
  await db.schema.alterTable('dtc_codes').addPrimaryKeyConstraint('dtc_codes_pkey', ['code']).execute();
  await db.schema.alterTable('dtc_codes').dropColumn('make').execute();
}
