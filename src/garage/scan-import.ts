/**
 * Importing one scan file into a garage vehicle (issue 20): the one path the
 * upload route and `autocognitix import scan` share. The file streams through
 * the parser (which downsamples while it reads: memory does not grow with the
 * file); only the parsed, bounded scan is stored, with its odometer reading,
 * in one transaction (src/db/repositories/scans.ts). A refused file stores
 * nothing.
 */
import { ScansRepository, type StoredScan } from '../db/repositories/scans.js';
import { MAX_ODOMETER_KM } from './reminders.js';
import { guessScanFormat, parseScan } from './scans/index.js';
import { CANONICAL_PIDS } from './scans/pids.js';
import { DEFAULT_SCAN_LIMITS, type Scan, type ScanFormat, type ScanLimits, type ScanSeries } from './scans/types.js';

export const SCAN_FORMATS: readonly ScanFormat[] = ['torque-csv', 'elm327', 'json'];

/** Scans one vehicle may hold; past it an upload is refused (409 `scan_limit_reached`) until one is removed. */
export const MAX_SCANS_PER_VEHICLE = 200;

/**
 * Series one stored scan keeps. The canonical PIDs (fewer than this) always
 * stay; other columns follow in the order of the file, and those past the
 * bound are left out of the stored scan (still listed in `unknown_columns`).
 */
export const MAX_STORED_SERIES = 64;

/** A stored file name's length, in characters. */
export const MAX_SCAN_FILE_NAME_LENGTH = 100;

/** The largest stored scan (its JSON): a bound on a row whatever the input, well within a backup line (MAX_BACKUP_LINE_BYTES, 16 MiB) even escaped. */
export const MAX_SCAN_BODY_BYTES = 8 * 1024 * 1024;

/** The parsed scan is larger than {@link MAX_SCAN_BODY_BYTES}: nothing stored. */
export class ScanTooLargeError extends Error {
  constructor(bytes: number) {
    super(`the parsed scan takes ${Math.ceil(bytes / 1_048_576)} MiB, more than the ${MAX_SCAN_BODY_BYTES / 1_048_576} MiB a scan may take`);
    this.name = 'ScanTooLargeError';
  }
}

const CANONICAL_NAMES: ReadonlySet<string> = new Set(CANONICAL_PIDS.map((pid) => pid.name));

/**
 * The name a file is stored under: its last path segment, without control
 * characters, whitespace collapsed, at most {@link MAX_SCAN_FILE_NAME_LENGTH}
 * characters; `scan` when nothing is left.
 */
export function sanitizeScanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  // Cut at whole graphemes (an accented letter or an emoji is never split).
  const graphemes = Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(cleaned), (segment) => segment.segment);
  let bounded = '';
  for (const grapheme of graphemes) {
    if (bounded.length + grapheme.length > MAX_SCAN_FILE_NAME_LENGTH) break;
    bounded += grapheme;
  }
  bounded = bounded.trimEnd();
  return bounded === '' ? 'scan' : bounded;
}

/** The scan with at most {@link MAX_STORED_SERIES} series: canonical PIDs first, then the others in file order. */
export function boundScanSeries(scan: Scan): Scan {
  const names = Object.keys(scan.series);
  if (names.length <= MAX_STORED_SERIES) return scan;
  const kept = [...names.filter((name) => CANONICAL_NAMES.has(name)), ...names.filter((name) => !CANONICAL_NAMES.has(name))].slice(0, MAX_STORED_SERIES);
  const keptSet = new Set(kept);
  const series = Object.create(null) as Record<string, ScanSeries>;
  // File order, as the parser gave it.
  for (const name of names) if (keptSet.has(name)) series[name] = scan.series[name] as ScanSeries;
  return { ...scan, series: { ...series } };
}

/** Whole kilometres when the mileage is one an odometer can show; undefined otherwise (it is then left out). */
export function plausibleMileage(km: number | undefined): number | undefined {
  if (km === undefined || !Number.isFinite(km)) return undefined;
  const whole = Math.round(km);
  return whole >= 0 && whole <= MAX_ODOMETER_KM ? whole : undefined;
}

const toBuffer = (chunk: Buffer | string): Buffer => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);

/**
 * The first non-blank line of a stream (looked for in at most `maxBytes`),
 * and the whole stream again: the chunks read to find it, then the rest.
 * Abandoning the returned stream ends the source (a file stream is destroyed).
 */
export async function peekFirstLine(chunks: AsyncIterable<Buffer | string>, maxBytes: number): Promise<{ firstLine: string; chunks: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let bytes = 0;
  let firstLine: string | undefined;
  let ended = false;
  while (firstLine === undefined && bytes < maxBytes) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    head.push(chunk);
    bytes += chunk.length;
    const text = Buffer.concat(head).subarray(0, maxBytes).toString('utf8');
    const lines = text.split('\n');
    // Every line but the last is complete.
    firstLine = lines.slice(0, -1).find((line) => line.trim() !== '');
  }
  if (firstLine === undefined) {
    const text = Buffer.concat(head).subarray(0, maxBytes).toString('utf8');
    firstLine = text.split('\n').find((line) => line.trim() !== '') ?? '';
  }
  async function* replay(): AsyncGenerator<Buffer> {
    let finished = ended;
    try {
      yield* head;
      head.length = 0;
      while (!finished) {
        const next = await iterator.next();
        if (next.done === true) finished = true;
        else yield toBuffer(next.value);
      }
    } finally {
      if (!finished) await iterator.return?.();
    }
  }
  return { firstLine: firstLine.replace(/\r$/, ''), chunks: replay() };
}

export interface ScanImportInput {
  readonly userId: string;
  readonly vehicleId: string;
  /** The file's name as the client or the command line gave it (sanitised here). */
  readonly fileName: string | undefined;
  /** Absent: guessed from the first line ({@link guessScanFormat}). */
  readonly format?: ScanFormat | undefined;
  /** Whole kilometres, overriding the scan's own mileage (the caller checks its bounds). */
  readonly mileageKm?: number | undefined;
  /** Record the mileage even when lower than the latest reading (it corrects a mistyped one). */
  readonly correctOdometer?: boolean | undefined;
  readonly chunks: AsyncIterable<Buffer | string>;
  /** The upload's time (ISO 8601). */
  readonly now: () => string;
  readonly limits?: ScanLimits;
  readonly maxPerVehicle?: number;
}

export type ScanImportResult = { readonly kind: 'added'; readonly scan: StoredScan } | { readonly kind: 'not_found' } | { readonly kind: 'limit' };

/** A file read and parsed, not yet stored: `store()` writes it (once), or it is dropped. */
export type PreparedScan = { readonly kind: 'parsed'; store(): Promise<ScanImportResult> } | { readonly kind: 'not_found' } | { readonly kind: 'limit' };

/**
 * Checks the vehicle and its count (before a byte is read) and parses the
 * file; storing is left to `store()`, so a caller that reads more input after
 * the file (the rest of a form) stores nothing when that fails. Throws the
 * parser's `ScanParseError` (line, reason) or {@link ScanTooLargeError}.
 */
export async function prepareScan(scans: ScansRepository, input: ScanImportInput): Promise<PreparedScan> {
  const limits = input.limits ?? DEFAULT_SCAN_LIMITS;
  const maxPerVehicle = input.maxPerVehicle ?? MAX_SCANS_PER_VEHICLE;
  const count = await scans.countForVehicle(input.userId, input.vehicleId);
  if (count === undefined) return { kind: 'not_found' };
  if (count >= maxPerVehicle) return { kind: 'limit' };

  let format = input.format;
  let chunks: AsyncIterable<Buffer | string> = input.chunks;
  if (format === undefined) {
    const peeked = await peekFirstLine(input.chunks, limits.maxLineBytes);
    format = guessScanFormat(peeked.firstLine);
    chunks = peeked.chunks;
  }
  const parsed = boundScanSeries(await parseScan(format, chunks, limits));
  const mileageKm = plausibleMileage(input.mileageKm ?? parsed.mileageKm);
  const { mileageKm: _ignored, ...withoutMileage } = parsed;
  const scan: Scan = mileageKm === undefined ? withoutMileage : { ...withoutMileage, mileageKm };
  const bodyBytes = Buffer.byteLength(JSON.stringify({ codes: scan.codes, freezeFrames: scan.freezeFrames, series: scan.series, unknownColumns: scan.unknownColumns }));
  if (bodyBytes > MAX_SCAN_BODY_BYTES) throw new ScanTooLargeError(bodyBytes);
  const fileName = sanitizeScanFileName(input.fileName);
  const scanFormat = format;
  // The vehicle and the count are checked again under the vehicle's lock.
  return { kind: 'parsed', store: () => scans.add(input.userId, input.vehicleId, { format: scanFormat, fileName, scan, mileageKm, correctOdometer: input.correctOdometer }, { maxPerVehicle, now: input.now() }) };
}

/** Parses one file into a scan and stores it ({@link prepareScan}, then its `store()`); a refused file stores nothing. */
export async function importScan(scans: ScansRepository, input: ScanImportInput): Promise<ScanImportResult> {
  const prepared = await prepareScan(scans, input);
  return prepared.kind === 'parsed' ? prepared.store() : prepared;
}
