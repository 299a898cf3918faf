import type { BoundedLine } from '../io/bounded-lines.js';
import { overlongLineProblem } from './csv-records.js';
import type { Database } from '../db/index.js';
import { runImport, type ImportOptions, type ImportReport, type ParsedRecord, type RecordWriter } from './import-run.js';
import { openTextLines, type TextEncoding } from './text-lines.js';

/**
 * Field readers for NHTSA's flat files (tab-separated, no header, no quoting).
 * Each throws {@link FieldError} naming the field, never quoting the line, so a
 * report says what to fix without repeating personal data from the file.
 */

export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/** The fields of one line, by position, with the names NHTSA's layout documents. */
function required<Value>(name: string, value: Value | null): Value {
  if (value === null) throw new FieldError(`${name} is empty`);
  return value;
}

export class FlatFileFields {
  private readonly fields: readonly string[];

  constructor(fields: readonly string[], private readonly names: readonly string[]) {
    this.fields = fields;
  }

  private raw(name: string): string {
    const index = this.names.indexOf(name);
    if (index < 0) throw new RangeError(`unknown field ${name}`);
    return (this.fields[index] ?? '').trim();
  }

  /** Trimmed text, or null when empty. */
  text(name: string): string | null {
    const value = this.raw(name);
    return value === '' ? null : value;
  }

  requiredText(name: string): string {
    return required(name, this.text(name));
  }

  /** A non-negative integer that fits a 32-bit column, or null when empty. */
  integer(name: string): number | null {
    const value = this.raw(name);
    if (value === '') return null;
    if (!/^\d{1,10}$/.test(value) || Number(value) > 2_147_483_647) throw new FieldError(`${name} is not a whole number`);
    return Number(value);
  }

  requiredInteger(name: string): number {
    return required(name, this.integer(name));
  }

  /** A model year; NHTSA writes 9999 for "unknown", stored as null. */
  modelYear(name: string): number | null {
    const value = this.raw(name);
    if (value === '' || value === '9999') return null;
    const year = /^\d{4}$/.test(value) ? Number(value) : Number.NaN;
    if (!(year >= 1900 && year <= 2100)) throw new FieldError(`${name} is not a model year (YYYY, or 9999 for unknown)`);
    return year;
  }

  /** `YYYYMMDD` as an ISO date `YYYY-MM-DD`; empty or all zeros is null. */
  date(name: string): string | null {
    const value = this.raw(name);
    if (value === '' || /^0+$/.test(value)) return null;
    const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
    const iso = match === null ? '' : `${match[1] ?? ''}-${match[2] ?? ''}-${match[3] ?? ''}`;
    // Round-tripping through Date rejects impossible days such as 20230231.
    if (match === null || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
      throw new FieldError(`${name} is not a date (YYYYMMDD)`);
    }
    return iso;
  }

  /** Y/Yes → true, N/No → false, empty → null. Other values are unknown: null, not a rejected line. */
  yesNo(name: string): boolean | null {
    const value = this.raw(name).toUpperCase();
    if (value === 'Y' || value === 'YES') return true;
    if (value === 'N' || value === 'NO') return false;
    return null;
  }
}

/** Splits a tab-separated line, checking the field count against the layouts NHTSA publishes. */
export function splitFlatFileLine(line: string, allowedFieldCounts: readonly number[]): string[] {
  const fields = line.split('\t');
  if (!allowedFieldCounts.includes(fields.length)) {
    throw new FieldError(`expected ${allowedFieldCounts.join(' or ')} tab-separated fields, found ${fields.length}`);
  }
  return fields;
}

/** Turns numbered text lines into records; blank lines are not records. */
export async function* flatFileRecords<Row>(lines: AsyncIterable<BoundedLine>, parse: (line: string) => Row): AsyncGenerator<ParsedRecord<Row>> {
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (typeof line !== 'string') {
      yield { line: lineNumber, problem: overlongLineProblem(line) };
      continue;
    }
    if (line.trim() === '') continue;
    try {
      yield { line: lineNumber, row: parse(line) };
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      yield { line: lineNumber, problem: error.message };
    }
  }
}

export interface FlatFileImportOptions extends ImportOptions {
  /** NHTSA's files are Latin-1 (the default); `utf8` for re-encoded copies. */
  readonly encoding?: TextEncoding;
}

/** Imports one of NHTSA's flat files (`.txt` or `.zip`, Latin-1 unless `encoding` says otherwise) with `parse` and `writer`. */
export async function importFlatFile<Row>(
  database: Database,
  filePath: string,
  parse: (line: string) => Row,
  writer: RecordWriter<Row>,
  options: FlatFileImportOptions,
): Promise<ImportReport> {
  const source = await openTextLines(filePath, options.encoding ?? 'latin1');
  try {
    return await runImport(database, { ...source, name: source.name, records: flatFileRecords(source.lines, parse) }, writer, options);
  } finally {
    await source.close();
  }
}
