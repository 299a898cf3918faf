import type { Config } from '../config/index.js';
import { tableColumnNames, tableRows, withReadSnapshot, type BackupTableName } from '../db/backup.js';
import type { Database } from '../db/index.js';
import { encodeListCell, neutraliseFormula } from '../importers/index.js';
import { openRuntime } from '../runtime.js';
import { EXPORTABLE_TABLES, EXPORT_REFUSALS, type ExportableTable } from './constants.js';
import type { CommandContext } from './context.js';
import { fileOutput, standardOutput, writeOutput, type DataOutput } from './data-output.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';

interface ExportShape {
  /** Internal columns (search index, change detection) that are not data. */
  readonly omit: readonly string[];
  /** JSON-text list columns: arrays in JSON; in CSV `|`-joined, or a JSON array when an item holds a `|` (as `import dtc` reads them). */
  readonly lists: readonly string[];
  /** Boolean columns, which SQLite returns as 0/1. */
  readonly booleans: readonly string[];
}

/** How each exportable table's columns are written (users and garages are never exported: see EXPORT_REFUSALS). */
const EXPORT_SHAPES: Readonly<Record<ExportableTable, ExportShape>> = {
  dtc_codes: {
    omit: ['search_text', 'content_hash'],
    lists: ['symptoms', 'possible_causes', 'symptoms_hu', 'possible_causes_hu', 'related_codes', 'sources'],
    booleans: ['is_generic'],
  },
  recalls: { omit: ['recall_key', 'content_hash'], lists: [], booleans: ['do_not_drive', 'park_outside'] },
  complaints: { omit: ['content_hash'], lists: [], booleans: ['crash', 'fire', 'police_report', 'medical_attention', 'vehicles_towed'] },
};

const isExportable = (table: string): table is ExportableTable => (EXPORTABLE_TABLES as readonly string[]).includes(table);

export type ExportFormat = 'csv' | 'json';
type ExportValue = string | number | boolean | null | string[];

/** Reference data is public: an export file is created as any file is (0666 less the umask). */
const EXPORT_FILE_MODE = 0o666;

export interface ExportOptions {
  /** CSV for machines: cells exactly as stored, without the leading `'` that keeps spreadsheets from running formulas. */
  readonly raw?: boolean;
}

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, and quotes
 * inside it doubled. Unless `raw`, text that a spreadsheet would run as a
 * formula gets a leading `'` (see importers/csv-cells.ts; `import dtc` removes it).
 */
export function csvField(value: ExportValue, options: ExportOptions = {}): string {
  const isText = typeof value === 'string' || Array.isArray(value);
  const plain = value === null ? '' : Array.isArray(value) ? encodeListCell(value) : String(value);
  const text = isText && options.raw !== true ? neutraliseFormula(plain) : plain;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(values: readonly ExportValue[], options: ExportOptions = {}): string {
  return `${values.map((value) => csvField(value, options)).join(',')}\r\n`;
}

function listValue(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function exportValue(shape: ExportShape, column: string, value: string | number | boolean | null): ExportValue {
  if (shape.lists.includes(column)) return listValue(value);
  if (shape.booleans.includes(column) && value !== null) return value === true || value === 1;
  return value;
}

function exportTableName(table: string): ExportableTable {
  const refusal = EXPORT_REFUSALS[table];
  if (refusal !== undefined) {
    throw new CommandFailure(`error: export refuses ${table}: ${refusal}. A full copy of the database is \`autocognitix backup <file>\` (written with mode 0600).`, EXIT_USAGE);
  }
  if (!isExportable(table)) throw new CommandFailure(`error: unknown table ${table}: export one of ${EXPORTABLE_TABLES.join(', ')}`, EXIT_USAGE);
  return table;
}

/** Streams the table (one read snapshot, keyset pages) as CSV or a JSON array; returns the row count. */
export async function exportTableRows(database: Database, table: BackupTableName, format: ExportFormat, output: DataOutput, options: ExportOptions = {}): Promise<number> {
  if (!isExportable(table)) throw new CommandFailure(`error: unknown table ${table}`, EXIT_USAGE);
  const shape = EXPORT_SHAPES[table];
  return withReadSnapshot(database, async (executor) => {
    const columns = (await tableColumnNames(executor, database.engine, table)).filter((column) => !shape.omit.includes(column));
    if (columns.length === 0) throw new CommandFailure(`error: the database has no ${table} table (run \`autocognitix migrate\`)`);
    if (format === 'csv') await output.write(csvLine(columns));
    else await output.write('[');
    let count = 0;
    for await (const row of tableRows(executor, table)) {
      const values = columns.map((column) => exportValue(shape, column, row[column] ?? null));
      if (format === 'csv') await output.write(csvLine(values, options));
      else await output.write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(columns.map((column, index) => [column, values[index]])))}`);
      count += 1;
    }
    if (format === 'json') await output.write(count === 0 ? ']\n' : '\n]\n');
    return count;
  });
}

async function exportTable(table: BackupTableName, format: ExportFormat, output: DataOutput, config: Config, options: ExportOptions): Promise<number> {
  const runtime = await openRuntime(config, { migrate: false });
  try {
    return await exportTableRows(runtime.database, table, format, output, options);
  } finally {
    await runtime.close();
  }
}

/** `export <table>`: streams one table of reference data as CSV or JSON to stdout or `--out`. */
export async function exportCommand(cli: CommandContext, table: string, options: { format: ExportFormat; out?: string; raw?: boolean }): Promise<void> {
  const name = exportTableName(table);
  const config = cli.config();
  const output = options.out === undefined ? standardOutput(cli.io.stdout) : fileOutput(cli.resolvePath(options.out), EXPORT_FILE_MODE);
  const count = await writeOutput(output, (destination) => exportTable(name, options.format, destination, config, { raw: options.raw === true }));
  // The count goes to stderr so stdout stays pure data.
  cli.printError(`exported ${count} ${name} row${count === 1 ? '' : 's'}${options.out === undefined ? '' : ` to ${options.out}`}`);
}
