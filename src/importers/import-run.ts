import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Database, DatabaseSchema } from '../db/index.js';
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
  /** Writes a batch with unique keys; called inside a transaction. */
  write(db: Kysely<DatabaseSchema>, rows: readonly Row[], now: string): Promise<BatchOutcome>;
}

export const DEFAULT_BATCH_SIZE = 500;
export const MAX_KEPT_PROBLEMS = 100;

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
      const outcome = await database.db.transaction().execute((transaction) => writer.write(transaction, rows, now));
      totals.inserted += outcome.inserted;
      totals.updated += outcome.updated;
      totals.unchanged += outcome.unchanged;
    }
    options.onProgress?.({ ...totals, bytesRead: source.bytesRead(), totalBytes: source.totalBytes });
  };

  for await (const record of source.records) {
    totals.read += 1;
    if ('problem' in record) {
      reject({ line: record.line, message: record.problem });
      continue;
    }
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
