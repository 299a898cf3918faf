import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ScansRepository } from '../../src/db/repositories/scans.js';
import {
  boundScanSeries,
  MAX_SCAN_BODY_BYTES,
  MAX_SCAN_FILE_NAME_LENGTH,
  MAX_STORED_SERIES,
  peekFirstLine,
  plausibleMileage,
  prepareScan,
  sanitizeScanFileName,
  ScanTooLargeError,
} from '../../src/garage/scan-import.js';
import type { Scan, ScanSeries } from '../../src/garage/scans/types.js';
import { scanExportFileName } from '../../src/http/garage-scans.js';

const series = (count: number, prefix = 'column'): Record<string, ScanSeries> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix} ${index}`, { unit: '', points: [[0, index]] as const }]));

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** A repository that has the vehicle and no scans, for the parse half of the import. */
const emptyVehicle = { countForVehicle: () => Promise.resolve(0) } as unknown as ScansRepository;

describe('scan import bounds (src/garage/scan-import.ts)', () => {
  it(`keeps at most ${MAX_STORED_SERIES} series: every canonical PID, then the other columns in file order`, () => {
    const scan: Scan = { codes: [], freezeFrames: [], unknownColumns: [], series: { ...series(70), engine_rpm: { unit: 'rpm', points: [[0, 800]] }, coolant_temp: { unit: '°C', points: [[0, 90]] } } };
    const bounded = boundScanSeries(scan);
    const names = Object.keys(bounded.series);
    expect(names).toHaveLength(MAX_STORED_SERIES);
    expect(names).toEqual(expect.arrayContaining(['engine_rpm', 'coolant_temp']));
    expect(names.slice(0, 3)).toEqual(['column 0', 'column 1', 'column 2']);
    expect(names).not.toContain(`column ${MAX_STORED_SERIES - 2}`);
    // Within the bound the scan is left as it is.
    const small: Scan = { ...scan, series: series(3) };
    expect(boundScanSeries(small)).toBe(small);
  });

  it('stores a file name without its path or control characters, cut at whole characters', () => {
    expect(sanitizeScanFileName('C:\\Users\\me\\trip.csv')).toBe('trip.csv');
    expect(sanitizeScanFileName('/tmp/../etc/passwd')).toBe('passwd');
    expect(sanitizeScanFileName('a\u0000b\u202Ecsv.exe\n  log.txt')).toBe('abcsv.exe log.txt');
    expect(sanitizeScanFileName(undefined)).toBe('scan');
    expect(sanitizeScanFileName('   ')).toBe('scan');
    const long = sanitizeScanFileName(`${'é'.repeat(99)}👍🏽x`);
    expect(long.length).toBeLessThanOrEqual(MAX_SCAN_FILE_NAME_LENGTH);
    expect(long).toBe('é'.repeat(99));
  });

  it('keeps a mileage an odometer can show, in whole km', () => {
    expect(plausibleMileage(123_456.7)).toBe(123_457);
    expect(plausibleMileage(0)).toBe(0);
    expect(plausibleMileage(2_000_001)).toBeUndefined();
    expect(plausibleMileage(-1)).toBeUndefined();
    expect(plausibleMileage(Number.NaN)).toBeUndefined();
    expect(plausibleMileage(undefined)).toBeUndefined();
  });

  it('peeks at the first non-blank line and gives the whole stream back', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('\n  \r\n{"for');
      yield Buffer.from('mat": 1}\nsecond line\n');
    }
    const peeked = await peekFirstLine(chunks(), 1024);
    expect(peeked.firstLine).toBe('{"format": 1}');
    expect(await collect(peeked.chunks)).toBe('\n  \r\n{"format": 1}\nsecond line\n');
    const bounded = await peekFirstLine(chunks(), 4);
    expect(bounded.firstLine).toBe('');
    expect(await collect(bounded.chunks)).toBe('\n  \r\n{"format": 1}\nsecond line\n');
  });

  it('guesses the format; the widest CSV log stores within the body bound', async () => {
    const prepared = await prepareScan(emptyVehicle, { userId: 'u', vehicleId: 'v', fileName: 'a.json', chunks: Readable.from([Buffer.from('{"format":"autocognitix-scan","version":1,"codes":[]}')]), now: () => '' });
    expect(prepared.kind).toBe('parsed');
    const rows = Array.from({ length: 2000 }, (_, index) => `${index},${index}`).join('\n');
    const wide = `Time,${Array.from({ length: 500 }, (_, index) => `Column ${index} with a long name to make the stored series large`).join(',')}\n`;
    const body = `${wide}${rows.split('\n').map((row) => `${row}${',1.123456789'.repeat(499)}`).join('\n')}\n`;
    // 500 columns of 2000 rows: 64 series of 2000 points kept, well within the bound (a safety net whatever the input).
    const fits = await prepareScan(emptyVehicle, { userId: 'u', vehicleId: 'v', fileName: 'a.csv', chunks: Readable.from([Buffer.from(body)]), now: () => '' });
    expect(fits.kind).toBe('parsed');
    expect(MAX_SCAN_BODY_BYTES).toBeGreaterThan(64 * 2000 * 40);
    expect(new ScanTooLargeError(MAX_SCAN_BODY_BYTES + 1).message).toBe('the parsed scan takes 9 MiB, more than the 8 MiB a scan may take');
  });

  it('names an export by the day it was taken, else uploaded, and the start of its id', () => {
    expect(scanExportFileName({ id: '1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d', taken_at: '2026-12-03T13:22:05.000Z', uploaded_at: '2026-12-04T00:00:00.000Z' })).toBe('scan-2026-12-03-1a2b3c4d.csv');
    expect(scanExportFileName({ id: 'ab-cd-ef-01-23', taken_at: null, uploaded_at: '2026-12-04T00:00:00.000Z' })).toBe('scan-2026-12-04-abcdef01.csv');
  });
});
