/**
 * Garage scans (issue 20): parsers from what OBD apps and adapters write to the
 * canonical {@link Scan}. Pure: no database, no route.
 */
import { boundedLines, type BoundedLine } from '../../io/bounded-lines.js';
import { parseElm327Transcript } from './elm327.js';
import { parseJsonScan } from './json-scan.js';
import { parseTorqueCsv } from './torque-csv.js';
import { DEFAULT_SCAN_LIMITS, type Scan, type ScanFormat, type ScanLimits } from './types.js';

export { decodeDtcBytes, parseElm327Transcript } from './elm327.js';
export { jsonScanSchema, parseJsonScan, type JsonScan } from './json-scan.js';
export { parseTorqueCsv } from './torque-csv.js';
export { analyzeScanFreezeFrames, SCAN_FINDING_RULE_IDS, type ScanFinding, type ScanFindingRuleId, type ScanFindingSeverity } from './analysis.js';
export { csvText, SCAN_CSV_HEADER, scanCsvLines } from './csv-export.js';
export { MinMaxDownsampler } from './downsample.js';
export { CANONICAL_PIDS, type CanonicalPid } from './pids.js';
export * from './types.js';

/** UTF-8 lines of an upload, each at most `limits.maxLineBytes` (a longer one comes out as an `OverlongLine`, which the parsers refuse). */
export function scanLines(chunks: AsyncIterable<Buffer | string>, limits: ScanLimits = DEFAULT_SCAN_LIMITS): AsyncGenerator<BoundedLine> {
  return boundedLines(chunks, 'utf8', limits.maxLineBytes);
}

/** Parses an upload in the named format; throws a {@link ScanParseError} (line, reason) and returns nothing half-parsed. */
export async function parseScan(format: ScanFormat, chunks: AsyncIterable<Buffer | string>, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> {
  const lines = scanLines(chunks, limits);
  if (format === 'torque-csv') return parseTorqueCsv(lines, limits);
  if (format === 'elm327') return parseElm327Transcript(lines, limits);
  return parseJsonScan(lines, limits);
}

/**
 * The format an upload's first line suggests: `{` JSON, a line of separated
 * names a CSV log, anything else an ELM327 transcript.
 */
export function guessScanFormat(firstLine: string): ScanFormat {
  const text = firstLine.replace(/^\uFEFF/, '').trim();
  if (text.startsWith('{')) return 'json';
  if (/[,;\t]/.test(text) && /[A-Za-z]{3,}/.test(text) && !text.startsWith('>')) return 'torque-csv';
  return 'elm327';
}
