import { sql, type Insertable, type Kysely, type SqlBool } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { claimThenReplace } from './bound-parameters.js';
import { contentHash, fromExcluded, type BatchOutcome } from './column-values.js';

/** The NHTSA tables: one key column, the rest content hashed into `content_hash`. */
interface NhtsaKeyColumns {
  readonly complaints: 'cmplid';
  readonly recalls: 'recall_key';
}

type NhtsaTable = keyof NhtsaKeyColumns;
type KeyColumnOf<Table extends NhtsaTable> = NhtsaKeyColumns[Table];
/** CMPLID is a number, a recall key a digest. */
type Key = number | string;
type StoredRow<Table extends NhtsaTable> = Insertable<DatabaseSchema[Table]>;

/** How one NHTSA table is upserted: which key, which columns make its content, how an input becomes its row. */
export interface ContentHashedTable<Table extends NhtsaTable, Input> {
  readonly table: Table;
  readonly keyColumn: KeyColumnOf<Table>;
  /** Hashed into `content_hash` (in this order) and replaced when the hash changes. */
  readonly contentColumns: readonly (keyof Input & keyof StoredRow<Table> & string)[];
  /** The row to store, key included, without `content_hash` and `updated_at`. */
  readonly rowOf: (input: Input) => Omit<StoredRow<Table>, 'content_hash' | 'updated_at'> & Record<KeyColumnOf<Table>, Key>;
}

/**
 * The statements below name table and columns only through `spec`, whose type
 * ties them to {@link DatabaseSchema}; Kysely cannot resolve its row types for
 * a table that is still a type parameter, so they run against this column-agnostic view.
 */
type ColumnAgnosticSchema = Record<string, Record<string, unknown>>;

/**
 * Inserts new rows and replaces changed ones (NHTSA revises records between
 * releases); identical ones are left alone. A key listed twice keeps its first
 * occurrence. Run it inside a transaction.
 *
 * Atomic on both engines, so concurrent imports of the same rows report true
 * counts (see {@link claimThenReplace}): new keys are claimed by the insert
 * itself, and the content hash is compared inside the upsert, never from an
 * earlier read.
 */
export async function upsertByContentHash<Table extends NhtsaTable, Input>(
  db: Kysely<DatabaseSchema>,
  spec: ContentHashedTable<Table, Input>,
  inputs: readonly Input[],
  now: string,
): Promise<BatchOutcome> {
  const { table, keyColumn, contentColumns } = spec;
  const rows = new Map<Key, Record<string, unknown>>();
  for (const input of inputs) {
    const row = spec.rowOf(input);
    const key = row[keyColumn];
    if (rows.has(key)) continue;
    const hash = contentHash(contentColumns.map((column) => input[column]));
    rows.set(key, { ...row, content_hash: hash, updated_at: now });
  }
  const untyped = db as unknown as Kysely<ColumnAgnosticSchema>;
  const tableName: string = table;
  // rowOf's type guarantees every row has its key column.
  const keyOf = (row: Record<string, unknown>) => row[keyColumn] as Key;
  const { inserted, updated } = await claimThenReplace(
    [...rows.values()],
    keyOf,
    async (chunk) => {
      const added = await untyped.insertInto(tableName).values(chunk).onConflict((conflict) => conflict.column(keyColumn).doNothing()).returning(keyColumn).execute();
      return added.map(keyOf);
    },
    async (chunk) => {
      const replaced = await untyped
        .insertInto(tableName)
        .values(chunk)
        .onConflict((conflict) =>
          conflict
            .column(keyColumn)
            .doUpdateSet(fromExcluded([...contentColumns, 'content_hash', 'updated_at']))
            .where(sql<SqlBool>`${sql.ref(`${table}.content_hash`)} <> ${sql.ref('excluded.content_hash')}`),
        )
        .returning(keyColumn)
        .execute();
      return replaced.length;
    },
  );
  return { inserted, updated, unchanged: rows.size - inserted - updated };
}
