import { createReadStream } from 'node:fs';
import path from 'node:path';
import { boundedLines, describeBytes } from '../io/bounded-lines.js';
import { sql, type Kysely } from 'kysely';
import type { Database, DatabaseEngine } from './database.js';
import { migrations } from './migrations/index.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Every application table, parents before children: rows are inserted in this
 * order and deleted in the reverse one, so foreign keys hold at every step.
 * A migration that adds a table must add it here (a test compares this list
 * with the database catalog).
 */
export const BACKUP_TABLES = [
  'users',
  'dtc_codes',
  'recalls',
  'complaints',
  'garage_vehicles',
  'diagnosis_notes',
  // The durable copy of the security state (sessions, revocations): restored with the users it belongs to.
  'auth_sessions',
  'revoked_tokens',
  'user_token_cutoffs',
  // Second factors: the TOTP secret stays encrypted (restore needs the same MFA_ENCRYPTION_KEY).
  'user_totp',
  'user_recovery_codes',
  'webauthn_credentials',
  // The security activity log: an operator's record, restored with the users it names.
  'security_events',
  // Garage mileage and reminders (children of garage_vehicles).
  'odometer_readings',
  'vehicle_reminders',
  // Uploaded OBD scans (children of garage_vehicles).
  'garage_scans',
  // The iCalendar feed's token hash (the URL keeps working after a restore).
  'calendar_feeds',
] as const;
export type BackupTableName = (typeof BACKUP_TABLES)[number];

/** Each table's primary key columns, in key order: rows are read in pages ordered by them. */
export const BACKUP_TABLE_KEYS: Readonly<Record<BackupTableName, readonly string[]>> = {
  users: ['id'],
  // One row per make's meaning of a code (migration 0009).
  dtc_codes: ['code', 'make'],
  recalls: ['recall_key'],
  complaints: ['cmplid'],
  garage_vehicles: ['id'],
  diagnosis_notes: ['id'],
  auth_sessions: ['id'],
  revoked_tokens: ['jti'],
  user_token_cutoffs: ['user_id'],
  user_totp: ['user_id'],
  user_recovery_codes: ['id'],
  webauthn_credentials: ['id'],
  security_events: ['id'],
  odometer_readings: ['id'],
  vehicle_reminders: ['id'],
  garage_scans: ['id'],
  calendar_feeds: ['user_id'],
};

/**
 * Tables in the database that are deliberately not backed up: migration
 * bookkeeping (the backup records the version instead), in the embedded
 * file the key-value store's expiring entries (denylist, CSRF tokens,
 * counters), and what symptom diagnosis derives from other data.
 */
export const NON_BACKUP_TABLES: readonly string[] = [
  'kysely_migration',
  'kysely_migration_lock',
  'kv_entries',
  'server_heartbeats',
  // Symptom diagnosis: derived from the bundled knowledge file and dtc_codes, rebuilt after every restore.
  'diagnosis_nodes',
  'diagnosis_edges',
  'diagnosis_documents',
  'diagnosis_vocabulary',
  'diagnosis_state',
  // Caches' validity, not data: changes with every change to dtc_codes (a restore's inserts draw a new one).
  'dtc_codes_revision',
  // Per user, changes with every change to the user's vehicles (a restore's inserts draw new ones).
  'garage_revisions',
  // SQLite full-text tables (FTS5 keeps each in a virtual table and its shadow tables): indexes, not data.
  ...fts5Tables('diagnosis_documents_fts', true),
  ...fts5Tables('diagnosis_vocabulary_trigram', true),
  ...fts5Tables('complaints_fts', false),
];

/** An FTS5 table and the shadow tables SQLite keeps for it (`_content` only when it stores its own text). */
function fts5Tables(name: string, ownContent: boolean): string[] {
  return [name, ...['data', 'idx', 'docsize', 'config', ...(ownContent ? ['content'] : [])].map((shadow) => `${name}_${shadow}`)];
}

/** The migration that creates each backup table: a backup of schema S must hold every table created up to S. */
export const BACKUP_TABLE_SINCE: Readonly<Record<BackupTableName, string>> = {
  users: '0001-users',
  dtc_codes: '0002-dtc-codes',
  recalls: '0003-recalls',
  complaints: '0004-complaints',
  garage_vehicles: '0005-garage',
  diagnosis_notes: '0005-garage',
  auth_sessions: '0006-auth-state',
  revoked_tokens: '0006-auth-state',
  user_token_cutoffs: '0006-auth-state',
  user_totp: '0011-second-factors',
  user_recovery_codes: '0011-second-factors',
  webauthn_credentials: '0011-second-factors',
  security_events: '0012-security-events',
  odometer_readings: '0016-garage-reminders',
  vehicle_reminders: '0016-garage-reminders',
  garage_scans: '0017-garage-scans',
  calendar_feeds: '0018-calendar-feeds',
};

/** A backup line longer than this is refused (rows are a few KiB; the bound keeps memory flat on a hostile file). */
export const MAX_BACKUP_LINE_BYTES = 16 * 1024 * 1024;

export const BACKUP_FORMAT = 'autocognitix-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** The first line of a backup file. */
export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly format_version: typeof BACKUP_FORMAT_VERSION;
  /** The latest migration applied to the database the backup was taken from. */
  readonly schema_version: string;
  readonly created_at: string;
  readonly engine: DatabaseEngine;
  /** The tables the backup holds, in insert order. */
  readonly tables: readonly BackupTableName[];
}

/** The last line: without it a file is incomplete (a full disk, a killed process) and is refused. */
interface BackupTrailer {
  readonly end: true;
  readonly row_counts: Readonly<Record<string, number>>;
}

type PortableValue = string | number | boolean | null;
type PortableRow = Record<string, PortableValue>;

/** The file is not a complete, well-formed backup; nothing was changed. */
export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** The backup was taken from a schema this code does not know (usually a newer release). */
export class BackupSchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupSchemaVersionError';
  }
}

/** The migration names this code knows, oldest first. */
export function knownSchemaVersions(): readonly string[] {
  return Object.keys(migrations);
}

/** Base tables of the database (PostgreSQL: its current schema), from the engine's own catalog. */
export async function listDatabaseTables(executor: Kysely<DatabaseSchema>, engine: DatabaseEngine): Promise<string[]> {
  const result =
    engine === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(executor)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(executor);
  // sqlite_sequence and friends belong to SQLite itself.
  return result.rows.map((row) => row.name).filter((name) => !name.startsWith('sqlite_'));
}

/** The backup tables present in this database, in insert order (a table whose migration has not run yet is absent). */
async function presentBackupTables(executor: Kysely<DatabaseSchema>, engine: DatabaseEngine): Promise<BackupTableName[]> {
  const present = new Set(await listDatabaseTables(executor, engine));
  return BACKUP_TABLES.filter((table) => present.has(table));
}

/** The newest applied migration, or undefined for a database that was never migrated. */
async function appliedSchemaVersion(executor: Kysely<DatabaseSchema>, engine: DatabaseEngine): Promise<string | undefined> {
  if (!(await listDatabaseTables(executor, engine)).includes('kysely_migration')) return undefined;
  const result = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(executor);
  return result.rows[0]?.name;
}

/**
 * Runs `work` in one read-only transaction that sees a single snapshot:
 * REPEATABLE READ on PostgreSQL; on SQLite (WAL) a deferred transaction, whose
 * snapshot is fixed by its first read while other processes keep writing.
 */
export async function withReadSnapshot<T>(database: Database, work: (executor: Kysely<DatabaseSchema>) => Promise<T>): Promise<T> {
  const transaction = database.db.transaction();
  return database.engine === 'postgres' ? transaction.setIsolationLevel('repeatable read').setAccessMode('read only').execute(work) : transaction.setAccessMode('read only').execute(work);
}

/** Timestamps come back as Date from PostgreSQL and as text from SQLite; the file holds ISO text either way. */
function toPortableValue(table: string, column: string, value: unknown): PortableValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  throw new Error(`${table}.${column} holds a value of a type backups do not support`);
}

const READ_PAGE_ROWS = 1000;

/**
 * Every row of `table`, read in pages ordered by its primary key (keyset
 * pagination; a row-value comparison for a key of several columns), so a
 * large table never sits in memory. Inside a {@link withReadSnapshot}
 * transaction the pages form one consistent snapshot.
 */
export async function* tableRows(executor: Kysely<DatabaseSchema>, table: BackupTableName, pageRows = READ_PAGE_ROWS): AsyncGenerator<PortableRow> {
  const key = BACKUP_TABLE_KEYS[table];
  const keyColumns = sql.join(key.map((column) => sql.id(column)));
  let lastKey: PortableValue[] | undefined;
  for (;;) {
    const after = lastKey === undefined ? sql`` : sql`where (${keyColumns}) > (${sql.join(lastKey)})`;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.id(table)} ${after} order by ${keyColumns} limit ${pageRows}`.execute(executor);
    for (const row of rows) {
      const portable: PortableRow = {};
      for (const [column, value] of Object.entries(row)) portable[column] = toPortableValue(table, column, value);
      yield portable;
    }
    const last = rows[rows.length - 1];
    if (rows.length < pageRows || last === undefined) return;
    lastKey = key.map((column) => toPortableValue(table, column, last[column]));
  }
}

export interface BackupSummary {
  readonly header: BackupHeader;
  readonly rowCounts: Readonly<Record<string, number>>;
  /** Every column name the file's rows of each table use. */
  readonly columns: Readonly<Record<string, readonly string[]>>;
}

export interface WriteBackupOptions {
  /** Called after each table is written (progress output). */
  readonly onTableWritten?: (table: BackupTableName, rows: number) => void | Promise<void>;
  readonly now?: () => Date;
}

/**
 * Writes every backup table through `write` (which should wait while its
 * destination is full) as JSON Lines from one read snapshot:
 * a header line, one `{"table","row"}` line per row, and an end line with the
 * row counts. The output holds password hashes: its creator must protect it.
 *
 * @throws Error when the database has never been migrated.
 */
export async function writeBackup(database: Database, write: (text: string) => Promise<void>, options: WriteBackupOptions = {}): Promise<BackupSummary> {
  return withReadSnapshot(database, async (executor) => {
    const schemaVersion = await appliedSchemaVersion(executor, database.engine);
    if (schemaVersion === undefined) throw new Error('the database has no schema yet (run `autocognitix migrate`)');
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      schema_version: schemaVersion,
      created_at: (options.now?.() ?? new Date()).toISOString(),
      engine: database.engine,
      tables: await presentBackupTables(executor, database.engine),
    };
    await write(`${JSON.stringify(header)}\n`);
    const rowCounts: Record<string, number> = {};
    const columns: Record<string, readonly string[]> = {};
    for (const table of header.tables) {
      let count = 0;
      columns[table] = await tableColumnNames(executor, database.engine, table);
      for await (const row of tableRows(executor, table)) {
        await write(`${JSON.stringify({ table, row })}\n`);
        count += 1;
      }
      rowCounts[table] = count;
      await options.onTableWritten?.(table, count);
    }
    const trailer: BackupTrailer = { end: true, row_counts: rowCounts };
    await write(`${JSON.stringify(trailer)}\n`);
    return { header, rowCounts, columns };
  });
}

const COLUMN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBackupTable(value: unknown): value is BackupTableName {
  return typeof value === 'string' && (BACKUP_TABLES as readonly string[]).includes(value);
}

function parseLine(text: string, lineNumber: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BackupFormatError(`line ${lineNumber} is not valid JSON`);
  }
}

/** Checks the header; a schema version this code does not know is refused with its own error. */
function checkHeader(value: unknown): BackupHeader {
  if (!isObject(value) || value.format !== BACKUP_FORMAT) throw new BackupFormatError('line 1 is not an AutoCognitix backup header');
  if (value.format_version !== BACKUP_FORMAT_VERSION) {
    throw new BackupFormatError(`backup format version ${String(value.format_version)} is not supported (this code reads version ${BACKUP_FORMAT_VERSION})`);
  }
  const { schema_version: schemaVersion, created_at: createdAt, engine, tables } = value;
  if (typeof schemaVersion !== 'string' || typeof createdAt !== 'string' || (engine !== 'postgres' && engine !== 'sqlite') || !Array.isArray(tables)) {
    throw new BackupFormatError('the backup header lacks schema_version, created_at, engine or tables');
  }
  const known = knownSchemaVersions();
  if (!known.includes(schemaVersion)) {
    const latest = known[known.length - 1] ?? '(none)';
    throw new BackupSchemaVersionError(
      schemaVersion > latest
        ? `the backup's schema version ${schemaVersion} is newer than this code knows (latest ${latest}): restore it with the release that made it`
        : `the backup's schema version ${schemaVersion} is not a migration this code knows`,
    );
  }
  if (!tables.every(isBackupTable)) throw new BackupFormatError('the backup header names a table this code does not know');
  return { format: BACKUP_FORMAT, format_version: BACKUP_FORMAT_VERSION, schema_version: schemaVersion, created_at: createdAt, engine, tables };
}

function checkRow(value: Record<string, unknown>, lineNumber: number, header: BackupHeader): { table: BackupTableName; row: PortableRow } {
  const { table, row } = value;
  if (!isBackupTable(table) || !header.tables.includes(table)) throw new BackupFormatError(`line ${lineNumber} names a table that is not in the backup header`);
  if (!isObject(row)) throw new BackupFormatError(`line ${lineNumber} has no row object`);
  const portable: PortableRow = {};
  for (const [column, cell] of Object.entries(row)) {
    if (!COLUMN_NAME.test(column)) throw new BackupFormatError(`line ${lineNumber} has an invalid column name`);
    if (cell !== null && typeof cell !== 'string' && typeof cell !== 'number' && typeof cell !== 'boolean') {
      throw new BackupFormatError(`line ${lineNumber}: ${table}.${column} is not a plain value`);
    }
    portable[column] = cell;
  }
  if (Object.keys(portable).length === 0) throw new BackupFormatError(`line ${lineNumber} has an empty row`);
  return { table, row: portable };
}

type BackupLine = { kind: 'row'; line: number; table: BackupTableName; row: PortableRow } | { kind: 'end'; rowCounts: Readonly<Record<string, number>> };

/**
 * Reads a backup file line by line (never whole), yielding the header first,
 * then each row, then the end marker; throws {@link BackupFormatError} on the
 * first problem.
 */
async function* backupLines(filePath: string, onHeader: (header: BackupHeader) => void): AsyncGenerator<BackupLine> {
  const stream = createReadStream(filePath);
  // Bounded: a hostile file with one enormous line is refused, never built into a string.
  const lines = boundedLines(stream, 'utf8', MAX_BACKUP_LINE_BYTES);
  let lineNumber = 0;
  let header: BackupHeader | undefined;
  let ended = false;
  const tableOrder = (table: BackupTableName): number => BACKUP_TABLES.indexOf(table);
  let lastTable: BackupTableName | undefined;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (typeof text !== 'string') throw new BackupFormatError(`line ${lineNumber} is ${text.bytes} bytes long, more than the ${describeBytes(MAX_BACKUP_LINE_BYTES)} a backup line may have`);
      if (text.trim() === '') continue;
      if (ended) throw new BackupFormatError(`line ${lineNumber} follows the end marker`);
      const value = parseLine(text, lineNumber);
      if (header === undefined) {
        header = checkHeader(value);
        onHeader(header);
        continue;
      }
      if (!isObject(value)) throw new BackupFormatError(`line ${lineNumber} is not a JSON object`);
      if (value.end === true) {
        if (!isObject(value.row_counts)) throw new BackupFormatError(`line ${lineNumber}: the end marker lacks row_counts`);
        ended = true;
        yield { kind: 'end', rowCounts: value.row_counts as Record<string, number> };
        continue;
      }
      const { table, row } = checkRow(value, lineNumber, header);
      // Parents before children, as written: inserting in file order keeps foreign keys valid.
      if (lastTable !== undefined && tableOrder(table) < tableOrder(lastTable)) throw new BackupFormatError(`line ${lineNumber}: ${table} rows after ${lastTable} rows`);
      lastTable = table;
      yield { kind: 'row', line: lineNumber, table, row };
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      throw new BackupFormatError(`cannot read the backup file ${path.resolve(filePath)} (${error.code}${error.code === 'ENOENT' ? ': no such file' : ''})`);
    }
    throw error;
  } finally {
    stream.destroy();
  }
  if (header === undefined) throw new BackupFormatError('the file is empty');
  if (!ended) throw new BackupFormatError('the backup is incomplete: it has no end marker');
}

/**
 * Reads the whole file once without touching the database: the header, every
 * row's shape, the end marker and that its counts match. Returns the header
 * and counts. A file that fails here is never restored.
 */
export async function verifyBackupFile(filePath: string): Promise<BackupSummary> {
  let header: BackupHeader | undefined;
  const counted: Record<string, number> = {};
  const columns: Record<string, Set<string>> = {};
  let declared: Readonly<Record<string, number>> = {};
  for await (const entry of backupLines(filePath, (value) => (header = value))) {
    if (entry.kind === 'row') {
      counted[entry.table] = (counted[entry.table] ?? 0) + 1;
      const seen = (columns[entry.table] ??= new Set());
      for (const column of Object.keys(entry.row)) seen.add(column);
    } else declared = entry.rowCounts;
  }
  if (header === undefined) throw new BackupFormatError('the file is empty');
  for (const table of header.tables) {
    if ((counted[table] ?? 0) !== declared[table]) throw new BackupFormatError(`the end marker counts ${String(declared[table])} ${table} rows, the file has ${counted[table] ?? 0}`);
  }
  return { header, rowCounts: counted, columns: Object.fromEntries(Object.entries(columns).map(([table, names]) => [table, [...names]])) };
}

/**
 * The tables a restore replaces. Without `requested`: every table the
 * backup's schema has, and the backup must hold them all (a file that names
 * fewer would otherwise empty the rest). With `requested` (`--tables`):
 * exactly those, each of which the backup must hold; other tables are left alone.
 */
export function tablesToRestore(header: BackupHeader, requested?: readonly string[]): BackupTableName[] {
  if (requested === undefined) {
    const expected = BACKUP_TABLES.filter((table) => BACKUP_TABLE_SINCE[table] <= header.schema_version);
    const missing = expected.filter((table) => !header.tables.includes(table));
    if (missing.length > 0) {
      throw new BackupFormatError(
        `the backup holds only ${header.tables.join(', ') || 'no table'}, while its schema ${header.schema_version} also has ${missing.join(', ')}; ` +
          'a full restore would empty those. Name the tables to replace with --tables',
      );
    }
    return [...BACKUP_TABLES];
  }
  const unknown = requested.filter((table) => !header.tables.includes(table as BackupTableName));
  if (unknown.length > 0) throw new BackupFormatError(`the backup holds no table ${unknown.join(', ')} (it holds ${header.tables.join(', ')})`);
  if (requested.length === 0) throw new BackupFormatError('--tables names no table');
  return BACKUP_TABLES.filter((table) => requested.includes(table));
}

export interface RestorePlanEntry {
  readonly table: BackupTableName;
  /** Rows in the database now. */
  readonly rowsNow: number;
  /** Rows after the restore: the backup's. */
  readonly rowsAfter: number;
}

/** What a restore will replace, table by table, with row counts before and after. */
export async function restorePlan(database: Database, verified: BackupSummary, tables: readonly BackupTableName[]): Promise<RestorePlanEntry[]> {
  const present = new Set(await listDatabaseTables(database.db, database.engine));
  const plan: RestorePlanEntry[] = [];
  for (const table of tables) {
    let rowsNow = 0;
    if (present.has(table)) {
      const { rows } = await sql<{ total: string | number }>`select count(*) as total from ${sql.id(table)}`.execute(database.db);
      rowsNow = Number(rows[0]?.total ?? 0);
    }
    plan.push({ table, rowsNow, rowsAfter: verified.rowCounts[table] ?? 0 });
  }
  return plan;
}

/** Rows per INSERT: well under both engines' bound-parameter limits for the widest table. */
const INSERT_PARAMETERS = 10_000;

async function insertRows(executor: Kysely<DatabaseSchema>, table: BackupTableName, rows: readonly PortableRow[]): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  await sql`insert into ${sql.id(table)} (${sql.join(columns.map((column) => sql.id(column)))}) values ${sql.join(
    rows.map((row) => sql`(${sql.join(columns.map((column) => row[column] ?? null))})`),
  )}`.execute(executor);
}

/**
 * Replaces the contents of the backup tables with the file's rows in ONE
 * transaction: the tables are emptied (children first), then the rows are
 * inserted in file order (parents first). The file is verified in full
 * before the transaction starts; any failure inside it rolls everything back.
 * Tables the database has but the (older) backup's schema lacks end up empty;
 * a backup that lacks a table its own schema has is refused unless `tables`
 * names the tables to replace (then only those are touched).
 * The file must not change between verification and restore.
 */
export async function restoreBackup(database: Database, filePath: string, options: { verified?: BackupSummary; tables?: readonly string[] } = {}): Promise<BackupSummary> {
  // A caller that just verified the file (to report on it before asking) need not read it twice.
  const verified = options.verified ?? (await verifyBackupFile(filePath));
  const replaced = tablesToRestore(verified.header, options.tables);
  // Checked before the transaction, so a backup that does not fit this schema changes nothing.
  const columnsOf = await tableColumns(database);
  for (const table of verified.header.tables.filter((name) => replaced.includes(name))) {
    const known = columnsOf.get(table);
    if (known === undefined) throw new BackupFormatError(`the database has no ${table} table (run \`autocognitix migrate\`)`);
    const unknownColumn = (verified.columns[table] ?? []).find((column) => !known.has(column));
    if (unknownColumn !== undefined) throw new BackupFormatError(`the database's ${table} table has no column ${unknownColumn}`);
  }
  await database.db.transaction().execute(async (executor) => {
    const present = (await presentBackupTables(executor, database.engine)).filter((table) => replaced.includes(table));
    for (const table of [...present].reverse()) await sql`delete from ${sql.id(table)}`.execute(executor);
    let batch: PortableRow[] = [];
    let batchTable: BackupTableName | undefined;
    let batchColumns = '';
    const flush = async (): Promise<void> => {
      if (batchTable !== undefined) await insertRows(executor, batchTable, batch);
      batch = [];
    };
    for await (const entry of backupLines(filePath, () => undefined)) {
      if (entry.kind !== 'row' || !replaced.includes(entry.table)) continue;
      const columns = Object.keys(entry.row);
      const signature = columns.join(',');
      if (entry.table !== batchTable || signature !== batchColumns || (batch.length + 1) * columns.length > INSERT_PARAMETERS) {
        await flush();
        batchTable = entry.table;
        batchColumns = signature;
      }
      batch.push(entry.row);
    }
    await flush();
  });
  return verified;
}

/** Column names of one table in the engine's declared order. */
export async function tableColumnNames(executor: Kysely<DatabaseSchema>, engine: DatabaseEngine, table: BackupTableName): Promise<string[]> {
  const { rows } =
    engine === 'postgres'
      ? await sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(executor)
      : await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(executor);
  return rows.map((row) => row.name);
}

/** Column names of each backup table present in the database. */
async function tableColumns(database: Database): Promise<Map<BackupTableName, Set<string>>> {
  const result = new Map<BackupTableName, Set<string>>();
  for (const table of await presentBackupTables(database.db, database.engine)) {
    result.set(table, new Set(await tableColumnNames(database.db, database.engine, table)));
  }
  return result;
}
