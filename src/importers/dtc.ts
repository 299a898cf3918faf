import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/index.js';
import { DTC_SEVERITIES, DtcCodesRepository, normalizeDtcMake, type DtcCodeInput, type DtcSeverity } from '../db/repositories/index.js';
import { DTC_CODE_FORMAT_MESSAGE, isGenericDtcCode, normalizeDtcCode } from '../diagnostics/dtc-code.js';
import type { BoundedLine } from '../io/bounded-lines.js';
import { decodeListCell, restoreFormula } from './csv-cells.js';
import { csvRecords, overlongLineProblem } from './csv-records.js';
import { MAX_KEPT_PROBLEMS, runImport, type ImportOptions, type ImportReport, type ImportTotals, type ParsedRecord, type RecordWriter } from './import-run.js';
import { jsonValueTexts, type JsonValueText } from './json-values.js';
import { ImportInputError, openTextLines } from './text-lines.js';

/** The generic codes shipped with the project, loaded by `autocognitix seed`. */
export const BUNDLED_DTC_SEED_PATH = fileURLToPath(new URL('../../seed/dtc-generic.json', import.meta.url));

/** The manufacturer-specific codes shipped with the project (each with its `make`), loaded after the generic ones. */
export const BUNDLED_DTC_MANUFACTURER_SEED_PATH = fileURLToPath(new URL('../../seed/dtc-manufacturer.json', import.meta.url));

/** Every bundled file, in load order. */
export const BUNDLED_DTC_SEED_PATHS: readonly string[] = [BUNDLED_DTC_SEED_PATH, BUNDLED_DTC_MANUFACTURER_SEED_PATH];

/** The `sources` entry every seeded code gets. */
export const BUNDLED_DTC_SEED_SOURCE = 'autocognitix-seed';

const LIST_FIELDS = ['symptoms', 'possible_causes', 'symptoms_hu', 'possible_causes_hu', 'related_codes', 'sources'] as const;
const CSV_REQUIRED_COLUMNS = ['code', 'description_en'] as const;

/** A make as an import may name it: 1–32 letters, digits, spaces or hyphens (`MERCEDES-BENZ`, `ALFA ROMEO`). */
const MAKE_PATTERN = /^[\p{L}\p{N} -]{1,32}$/u;
export const DTC_MAKE_FORMAT_MESSAGE = 'make must be 1-32 letters, digits, spaces or hyphens';
export const DTC_MAKE_ON_GENERIC_MESSAGE = 'make applies only to manufacturer-specific codes';

class RecordError extends Error {}

function optionalText(record: Readonly<Record<string, unknown>>, field: string): string | null {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RecordError(`${field} must be text`);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function textList(record: Readonly<Record<string, unknown>>, field: string): string[] {
  const value = record[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new RecordError(`${field} must be a list of text`);
  return value.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * Validates one record (from JSON, or a CSV row already split into lists)
 * into an upsert input. `source` is added to the record's own sources.
 */
export function toDtcCodeInput(record: unknown, source: string): DtcCodeInput {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new RecordError('expected an object with code and description_en');
  const fields = record as Readonly<Record<string, unknown>>;
  const rawCode = optionalText(fields, 'code');
  if (rawCode === null) throw new RecordError('code is missing');
  const code = normalizeDtcCode(rawCode);
  if (code === null) throw new RecordError(`code is not a DTC code: ${DTC_CODE_FORMAT_MESSAGE}`);
  const make = optionalText(fields, 'make');
  if (make !== null && !MAKE_PATTERN.test(make)) throw new RecordError(DTC_MAKE_FORMAT_MESSAGE);
  // A generic code means the same on every make: a make-specific copy would only shadow it.
  if (make !== null && isGenericDtcCode(code)) throw new RecordError(`${DTC_MAKE_ON_GENERIC_MESSAGE} (${code} is a generic SAE code)`);
  const descriptionEn = optionalText(fields, 'description_en');
  if (descriptionEn === null) throw new RecordError('description_en is missing');
  const severityText = optionalText(fields, 'severity')?.toLowerCase() ?? null;
  if (severityText !== null && !(DTC_SEVERITIES as readonly string[]).includes(severityText)) {
    throw new RecordError(`severity must be one of ${DTC_SEVERITIES.join(', ')}`);
  }
  const relatedCodes = textList(fields, 'related_codes').map((related) => {
    const normalized = normalizeDtcCode(related);
    if (normalized === null) throw new RecordError('related_codes has an entry that is not a DTC code');
    return normalized;
  });
  return {
    code,
    ...(make === null ? {} : { make: normalizeDtcMake(make) }),
    description_en: descriptionEn,
    description_hu: optionalText(fields, 'description_hu'),
    severity: severityText as DtcSeverity | null,
    symptoms: textList(fields, 'symptoms'),
    possible_causes: textList(fields, 'possible_causes'),
    symptoms_hu: textList(fields, 'symptoms_hu'),
    possible_causes_hu: textList(fields, 'possible_causes_hu'),
    related_codes: [...new Set(relatedCodes.filter((related) => related !== code))],
    sources: [...new Set([...textList(fields, 'sources'), source])],
  };
}

function parsedRecord(line: number, parse: () => DtcCodeInput): ParsedRecord<DtcCodeInput> {
  try {
    return { line, row: parse() };
  } catch (error) {
    if (error instanceof RecordError) return { line, problem: error.message };
    if (error instanceof SyntaxError) return { line, problem: 'not valid JSON' };
    throw error;
  }
}

/** JSON Lines: one value per line, so a broken line never swallows the next. */
async function* jsonLineTexts(lines: AsyncIterable<BoundedLine>): AsyncGenerator<JsonValueText> {
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (typeof line !== 'string') yield { line: lineNumber, problem: overlongLineProblem(line) };
    else if (line.trim() !== '') yield { line: lineNumber, text: line };
  }
}

async function* jsonDtcRecords(values: AsyncIterable<JsonValueText>, source: string): AsyncGenerator<ParsedRecord<DtcCodeInput>> {
  for await (const value of values) {
    if ('problem' in value) yield { line: value.line, problem: value.problem };
    else yield parsedRecord(value.line, () => toDtcCodeInput(JSON.parse(value.text), source));
  }
}

/** CSV with a header row naming the columns (`code` and `description_en` required; any order). */
async function* csvDtcRecords(lines: AsyncIterable<BoundedLine>, source: string): AsyncGenerator<ParsedRecord<DtcCodeInput>> {
  let header: string[] | undefined;
  for await (const record of csvRecords(lines)) {
    if ('problem' in record) {
      yield record;
      continue;
    }
    if (header === undefined) {
      header = record.fields.map((name) => name.trim().toLowerCase());
      const missing = CSV_REQUIRED_COLUMNS.filter((column) => !(header ?? []).includes(column));
      if (missing.length > 0) throw new ImportInputError(`the CSV header (line ${record.line}) lacks the column(s) ${missing.join(', ')}`);
      continue;
    }
    const columns = header;
    yield parsedRecord(record.line, () => {
      if (record.fields.length !== columns.length) throw new RecordError(`expected ${columns.length} fields as in the header, found ${record.fields.length}`);
      const values: Record<string, unknown> = {};
      columns.forEach((column, index) => {
        // Undo the export's formula guard (a leading ') before reading the cell.
        const cell = restoreFormula(record.fields[index] ?? '');
        values[column] = (LIST_FIELDS as readonly string[]).includes(column) ? decodeListCell(cell) : cell;
      });
      return toDtcCodeInput(values, source);
    });
  }
}

const dtcWriter: RecordWriter<DtcCodeInput> = {
  // One row per make's meaning: P1131 for FORD and for TOYOTA are two records, not a repeat.
  keyOf: (row) => `${row.code} ${row.make ?? ''}`,
  describeKey: (row) => (row.make === undefined ? `code ${row.code}` : `code ${row.code} for ${row.make}`),
  write: (db, rows, now, engine) => new DtcCodesRepository(db).upsert(rows, now, engine),
};

export interface DtcImportOptions extends ImportOptions {
  /** Added to each code's `sources`; default: the file name without its extension. */
  readonly source?: string;
}

/**
 * Imports trouble codes from `.json` (an array of objects, as
 * seed/dtc-generic.json), `.jsonl` (one object per line) or `.csv` (header
 * row; list cells separated by `|` or written as a JSON array; a leading `'`
 * that guards a formula character is removed, see csv-cells.ts). Fields a record leaves empty keep their
 * stored value.
 */
export async function importDtcCodes(database: Database, filePath: string, options: DtcImportOptions = {}): Promise<ImportReport> {
  const extension = path.extname(filePath).toLowerCase();
  if (extension !== '.json' && extension !== '.jsonl' && extension !== '.csv') {
    throw new ImportInputError(`cannot import ${path.resolve(filePath)}: expected a .json, .jsonl or .csv file`);
  }
  const source = options.source ?? path.basename(filePath, path.extname(filePath));
  // CSV keeps each line's CR so a CRLF inside a quoted field reads back as written.
  const lines = await openTextLines(filePath, 'utf8', { keepCarriageReturns: extension === '.csv' });
  try {
    const records =
      extension === '.csv'
        ? csvDtcRecords(lines.lines, source)
        : jsonDtcRecords(extension === '.jsonl' ? jsonLineTexts(lines.lines) : jsonValueTexts(lines.lines), source);
    return await runImport(database, { ...lines, records }, dtcWriter, options);
  } finally {
    await lines.close();
  }
}

/**
 * First start on an empty database: load the bundled codes (generic and
 * manufacturer-specific), so a new server answers code look-ups without any
 * setup. Returns how many were added.
 */
export async function seedDtcCodesIfEmpty(database: Database): Promise<number> {
  const existing = await database.db.selectFrom('dtc_codes').select('code').limit(1).execute();
  if (existing.length > 0) return 0;
  return (await seedDtcCodes(database)).inserted;
}

/**
 * Loads the bundled codes (seed/dtc-generic.json, then
 * seed/dtc-manufacturer.json); safe to run again. One report for both: the
 * totals added up, progress running on across the files (the bytes of both
 * as one whole).
 */
export async function seedDtcCodes(database: Database, options: ImportOptions = {}): Promise<ImportReport> {
  const sizes = await Promise.all(BUNDLED_DTC_SEED_PATHS.map(async (file) => (await stat(file)).size));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  let combined: ImportReport = { source: BUNDLED_DTC_SEED_SOURCE, read: 0, inserted: 0, updated: 0, unchanged: 0, skipped: 0, problems: [] };
  let bytesBefore = 0;
  for (const [index, file] of BUNDLED_DTC_SEED_PATHS.entries()) {
    const earlier = combined;
    const onProgress = options.onProgress;
    const report = await importDtcCodes(database, file, {
      ...options,
      source: BUNDLED_DTC_SEED_SOURCE,
      ...(onProgress === undefined
        ? {}
        : {
            onProgress: (progress) => {
              onProgress({ ...addTotals(earlier, progress), bytesRead: bytesBefore + progress.bytesRead, totalBytes });
            },
          }),
    });
    combined = { ...addTotals(earlier, report), source: BUNDLED_DTC_SEED_SOURCE, problems: [...earlier.problems, ...report.problems].slice(0, MAX_KEPT_PROBLEMS) };
    bytesBefore += sizes[index] ?? 0;
  }
  return combined;
}

function addTotals(left: ImportTotals, right: ImportTotals): ImportTotals {
  return {
    read: left.read + right.read,
    inserted: left.inserted + right.inserted,
    updated: left.updated + right.updated,
    unchanged: left.unchanged + right.unchanged,
    skipped: left.skipped + right.skipped,
  };
}
