import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Database, DatabaseEngine, DatabaseSchema } from '../db/index.js';
import type { BatchOutcome } from '../db/repositories/index.js';

/** One record of an input file: a row to write, or why its line was rejected. */
export type ParsedRecord<Row> = { readonly line: number; readonly row: Row } | { readonly line: number; readonly problem: string };

/** A rejected line; `line` is the 1-based physical line in the file (a record's first line). */
export interface ImportProblem {
  readonly line: number;
  readonly message: string;
}

export interface ImportTotals {
  /** Records read: rows plus rejected lines (blank lines are not records). */
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  /** Rows already stored exactly as read. */
  readonly unchanged: number;
  /** Rejected: malformed lines and repeats of a key seen earlier in the file. */
  readonly skipped: number;
}

export interface ImportReport extends ImportTotals {
  readonly source: string;
  /** The first {@link MAX_KEPT_PROBLEMS} problems; `skipped` counts them all. */
  readonly problems: readonly ImportProblem[];
}

export interface ImportProgress extends ImportTotals {
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
}

export interface ImportOptions {
  /** Rows per transaction. Default 500. */
  readonly batchSize?: number;
  /** Called after every batch with running totals. */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Called for every rejected line, as it is found. */
  readonly onProblem?: (problem: ImportProblem) => void;
  /** Time stamped on written rows (`updated_at`). */
  readonly clock?: Clock;
}

/** How one kind of record is identified and written. */
export interface RecordWriter<Row> {
  /** The row's unique key: the first occurrence in a file wins, later ones are skipped. */
  keyOf(row: Row): string | number;
  /** Names the key in a duplicate message, e.g. `CMPLID 123`. */
  describeKey(row: Row): string;
  /** Writes a batch with unique keys; called inside a transaction on the named engine. */
  write(db: Kysely<DatabaseSchema>, rows: readonly Row[], now: string, engine: DatabaseEngine): Promise<BatchOutcome>;
}

export const DEFAULT_BATCH_SIZE = 500;
export const MAX_KEPT_PROBLEMS = 100;
/** When this many records are rejected before a single one is accepted, the file is taken to be the wrong one and the import stops. */
export const WRONG_FILE_REJECTIONS = 20;

/** The first {@link WRONG_FILE_REJECTIONS} records were all rejected: nothing was written. */
export class WrongFileError extends Error {
  constructor(readonly report: ImportReport) {
    super(`the first ${WRONG_FILE_REJECTIONS} records were all rejected and none accepted; stopped there (is this the right file and layout?)`);
    this.name = 'WrongFileError';
  }
}

/** PostgreSQL cannot store U+0000 in text; the line is rejected on every engine so both keep the same rows. */
function holdsNulCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNulCharacter);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(holdsNulCharacter);
  return false;
}

/**
 * Streams records into the database in batches, one transaction per batch,
 * so a crash loses at most one batch and a re-run completes the rest. Keys
 * seen earlier in the file are remembered (a few dozen bytes each) so a
 * repeated key is skipped, not written twice: the first occurrence wins, and
 * a second run reports every row unchanged.
 */
export async function runImport<Row>(
  database: Database,
  source: { readonly name: string; readonly records: AsyncIterable<ParsedRecord<Row>>; bytesRead(): number; readonly totalBytes: number | undefined },
  writer: RecordWriter<Row>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const clock = options.clock ?? systemClock;
  const seenKeys = new Set<string | number>();
  const problems: ImportProblem[] = [];
  const totals = { read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
  let batch: Row[] = [];

  const reject = (problem: ImportProblem): void => {
    totals.skipped += 1;
    if (problems.length < MAX_KEPT_PROBLEMS) problems.push(problem);
    options.onProblem?.(problem);
  };
  const flush = async (): Promise<void> => {
    if (batch.length > 0) {
      const rows = batch;
      batch = [];
      const now = new Date(clock.now()).toISOString();
      const outcome = await database.db.transaction().execute((transaction) => writer.write(transaction, rows, now, database.engine));
      totals.inserted += outcome.inserted;
      totals.updated += outcome.updated;
      totals.unchanged += outcome.unchanged;
    }
    options.onProgress?.({ ...totals, bytesRead: source.bytesRead(), totalBytes: source.totalBytes });
  };

  let accepted = 0;
  for await (const record of source.records) {
    totals.read += 1;
    const problem = 'problem' in record ? record.problem : holdsNulCharacter(record.row) ? 'it contains a NUL character (\\0), which text columns cannot store' : undefined;
    if (problem !== undefined) {
      reject({ line: record.line, message: problem });
      if (accepted === 0 && totals.skipped >= WRONG_FILE_REJECTIONS) throw new WrongFileError({ source: source.name, ...totals, problems });
      continue;
    }
    if ('problem' in record) continue;
    accepted += 1;
    const key = writer.keyOf(record.row);
    if (seenKeys.has(key)) {
      reject({ line: record.line, message: `${writer.describeKey(record.row)} already appeared earlier in the file; the first occurrence is kept` });
      continue;
    }
    seenKeys.add(key);
    batch.push(record.row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { source: source.name, ...totals, problems };
}
