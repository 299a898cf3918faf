// @backend-independent: pure parsing
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_LIMITS, parseScan, ScanParseError, type Scan, type ScanLimits } from '../../src/garage/scans/index.js';

const fixture = (name: string): string => path.resolve(import.meta.dirname, '../fixtures/scans', name);

async function* text(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

const parse = (log: string, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> => parseScan('torque-csv', text(log), limits);

async function refusal(input: Promise<Scan>): Promise<ScanParseError> {
  const error: unknown = await input.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanParseError);
  return error as ScanParseError;
}

describe('Torque Pro / Car Scanner CSV log', () => {
  it('takes the mileage from a logged odometer: its highest reading, in km (miles converted)', async () => {
    const inKm = await parse('Device Time,Odometer(km),Engine RPM(rpm)\n03-Dec-2026 14:22:05.000,120400.4,800\n03-Dec-2026 14:22:06.000,120401.6,900\n');
    expect(inKm.mileageKm).toBe(120402);
    const inMiles = await parse('Device Time,Odometer(mi)\n03-Dec-2026 14:22:05.000,1000\n');
    expect(inMiles.mileageKm).toBe(1609);
    expect((await parse('Device Time,Engine RPM(rpm)\n03-Dec-2026 14:22:05.000,800\n')).mileageKm).toBeUndefined();
  });

  it('maps the common PIDs to canonical names and SI units (°F → °C, mph → km/h, psi → kPa) and keeps unknown columns as written', async () => {
    const scan = await parseScan('torque-csv', createReadStream(fixture('torque-log.csv')));
    // GPS Time 14:22:05 at GMT+01:00.
    expect(scan.takenAt).toBe('2026-12-03T13:22:05.000Z');
    expect(scan.series.engine_rpm).toEqual({ unit: 'rpm', points: [[0, 812.5], [1000, 1500], [2000, 2200], [3000, 2500]] });
    expect(scan.series.vehicle_speed).toEqual({ unit: 'km/h', points: [[0, 0], [1000, 16.09], [2000, 32.19], [3000, 48.28]] });
    // `-` is a missing value: no point at 2000.
    expect(scan.series.coolant_temp).toEqual({ unit: '°C', points: [[0, 60], [1000, 66], [3000, 80]] });
    expect(scan.series.ltft_bank1?.unit).toBe('%');
    expect(scan.series.intake_map).toEqual({ unit: 'kPa', points: [[0, 31.03], [1000, 34.47], [2000, 42.75], [3000, 48.26]] });
    expect(scan.series['Turbo Boost & Vacuum Gauge(psi)']).toEqual({ unit: 'psi', points: [[0, -10.2], [1000, -9.7], [2000, -8.5], [3000, -7.3]] });
    expect(scan.series.Longitude?.points[0]).toEqual([0, 19.0402]);
    expect(scan.unknownColumns).toEqual(['Longitude', 'Latitude', 'GPS Speed (Meters/second)', 'Turbo Boost & Vacuum Gauge(psi)', 'Trip Name']);
    // The text column is reported, not plotted; the repeated header row is skipped.
    expect(scan.series['Trip Name']).toBeUndefined();
    expect(scan.codes).toEqual([]);
  });

  it('reads semicolons with decimal commas and quoted fields', async () => {
    const scan = await parseScan('torque-csv', createReadStream(fixture('torque-log-semicolon.csv')));
    expect(scan.takenAt).toBeUndefined();
    expect(scan.series.engine_rpm?.points).toEqual([
      [0, 780.5],
      [500, 790],
      [1000, 805.25],
    ]);
    expect(scan.series.ltft_bank1?.points).toEqual([
      [0, -3.13],
      [1000, -2.34],
    ]);
    expect(scan.series.vehicle_speed?.points.at(-1)).toEqual([1000, 3.5]);
    expect(scan.unknownColumns).toEqual([]);
  });

  it('reads the Car Scanner long format (SECONDS;PID;VALUE;UNITS)', async () => {
    const scan = await parseScan('torque-csv', createReadStream(fixture('car-scanner-long.csv')));
    expect(scan.series.engine_rpm?.points).toEqual([
      [0, 812],
      [1500, 1500],
    ]);
    expect(scan.series.vehicle_speed).toEqual({ unit: 'km/h', points: [[0, 0], [1500, 20.12]] });
    expect(scan.series['Boost pressure(bar)']).toEqual({ unit: 'bar', points: [[0, 0.35], [1500, 0.5]] });
    expect(scan.unknownColumns).toEqual(['Boost pressure(bar)']);
  });

  it('refuses the malformed fixture with the line of the bad value', async () => {
    const error = await refusal(parseScan('torque-csv', createReadStream(fixture('torque-malformed.csv'))));
    expect(error.line).toBe(4);
    expect(error.reason).toBe('engine_rpm: "8x20" is not a number');
  });

  it('refuses a row with more fields than the header, an unclosed quote, a bad time, no time column', async () => {
    const extra = await refusal(parse('Device Time,Engine RPM(rpm)\n03-Dec-2026 14:22:05.100,800\n\n03-Dec-2026 14:22:06.100,810,5\n'));
    expect(extra).toMatchObject({ line: 4, reason: 'the row has 3 fields, the header has 2' });
    expect(await refusal(parse('Device Time,Engine RPM(rpm)\n"03-Dec-2026 14:22:05.100,800\n'))).toMatchObject({ line: 2, reason: 'a quoted field is not closed on its line' });
    expect(await refusal(parse('Device Time,Engine RPM(rpm)\n31-Foo-2026 14:22:05,800\n'))).toMatchObject({ line: 2, reason: '"31-Foo-2026 14:22:05" is not a time' });
    expect((await refusal(parse('Engine RPM(rpm),Speed (OBD)(km/h)\n800,0\n'))).line).toBe(1);
    expect((await refusal(parse(''))).reason).toBe('the log is empty: no header row');
  });

  it('keeps a column whose unit does not fit its PID as an unknown column', async () => {
    const scan = await parse('Seconds,Engine RPM(rpm x1000),Engine Coolant Temperature(K)\n0,0.8,350\n1,0.9,351\n');
    expect(scan.series.engine_rpm).toBeUndefined();
    expect(scan.series['Engine RPM(rpm x1000)']?.points).toEqual([
      [0, 0.8],
      [1000, 0.9],
    ]);
    expect(scan.unknownColumns).toEqual(['Engine RPM(rpm x1000)', 'Engine Coolant Temperature(K)']);
  });

  it('refuses an over-long line, too many columns and too many rows (bounds)', async () => {
    const limits = { ...DEFAULT_SCAN_LIMITS, maxLineBytes: 100, maxColumns: 5, maxLines: 3 };
    const overlong = await refusal(parse(`Seconds,Engine RPM(rpm)\n0,${'8'.repeat(200)}\n`, limits));
    expect(overlong).toMatchObject({ line: 2 });
    expect(overlong.reason).toMatch(/more than the 100 bytes a line may have/);
    const columns = await refusal(parse(`Seconds,${['A', 'B', 'C', 'D', 'E'].join(',')}\n`, limits));
    expect(columns).toMatchObject({ line: 1, reason: 'the line has 6 columns, more than the 5 a log may have' });
    const rows = await refusal(parse('Seconds,Engine RPM(rpm)\n0,800\n1,800\n2,800\n3,800\n', limits));
    expect(rows).toMatchObject({ line: 5, reason: 'the log has more than 3 rows' });
  });

  it('downsamples a long log while streaming: bounded points, the spike kept, time in order', async () => {
    async function* rows(): AsyncGenerator<string> {
      yield 'Seconds,Engine RPM(rpm)\n';
      for (let second = 0; second < 50_000; second += 1) yield `${second},${second === 31_337 ? 7000 : 800 + (second % 100)}\n`;
    }
    const scan = await parseScan('torque-csv', rows(), { ...DEFAULT_SCAN_LIMITS, maxPointsPerSeries: 500 });
    const points = scan.series.engine_rpm?.points ?? [];
    expect(points.length).toBeGreaterThan(200);
    expect(points.length).toBeLessThanOrEqual(500);
    expect(points).toContainEqual([31_337_000, 7000]);
    expect(Math.min(...points.map(([, value]) => value))).toBe(800);
    expect(points.every(([time], index) => index === 0 || time >= (points[index - 1]?.[0] ?? 0))).toBe(true);
    expect(points.at(-1)?.[0]).toBeGreaterThan(49_000_000);
  });
});
