// @backend-independent: pure parsing
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANONICAL_PIDS, DEFAULT_SCAN_LIMITS, guessScanFormat, MinMaxDownsampler, parseScan, ScanParseError, type Scan, type ScanLimits } from '../../src/garage/scans/index.js';

const fixture = (name: string): string => path.resolve(import.meta.dirname, '../fixtures/scans', name);

async function* text(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

const parse = (json: string, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> => parseScan('json', text(json), limits);

async function refusal(json: string, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<ScanParseError> {
  const error: unknown = await parse(json, limits).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanParseError);
  return error as ScanParseError;
}

const minimal = (extra: string): string => `{\n  "format": "autocognitix-scan",\n  "version": 1,\n  "codes": []${extra}\n}\n`;

describe('JSON scan (our own shape)', () => {
  it('reads the fixture: codes normalised and deduplicated, units converted to the canonical ones, unknown names reported', async () => {
    const scan = await parseScan('json', createReadStream(fixture('json-scan.json')));
    expect(scan.takenAt).toBe('2026-12-03T13:22:05.000Z');
    expect(scan.mileageKm).toBe(123456.7);
    expect(scan.codes).toEqual([
      { code: 'P0171', status: 'stored', ecu: '7E8' },
      { code: 'P0128', status: 'pending' },
      { code: 'P0420', status: 'permanent', ecu: '7E8' },
    ]);
    expect(scan.freezeFrames).toEqual([
      {
        code: 'P0171',
        ecu: '7E8',
        values: {
          ltft_bank1: { value: 15.63, unit: '%' },
          coolant_temp: { value: 83, unit: '°C' },
          engine_rpm: { value: 802.5, unit: 'rpm' },
          oil_temp: { value: 92, unit: '°C' },
        },
      },
    ]);
    expect(scan.series.vehicle_speed).toEqual({ unit: 'km/h', points: [[0, 0], [1000, 16.09]] });
    expect(scan.series['Turbo Boost & Vacuum Gauge']).toEqual({ unit: 'psi', points: [[0, -10.2], [1000, -9.7]] });
    expect(scan.unknownColumns).toEqual(['oil_temp', 'Turbo Boost & Vacuum Gauge']);
  });

  it('names the line of a syntax error', async () => {
    expect(await refusal('{\n  "format": "autocognitix-scan",\n  "version": 1\n  "codes": []\n}')).toMatchObject({ line: 4, reason: 'expected "," or "}" but found """' });
    expect(await refusal(minimal(',\n  "mileageKm": 12,\n  "mileageKm": 13'))).toMatchObject({ line: 6, reason: 'the field "mileageKm" appears twice' });
    expect(await refusal('{\n  "format": "autocognitix-scan",\n')).toMatchObject({ line: 2, reason: 'expected a field name in double quotes' });
    expect((await refusal('')).reason).toBe('the JSON document ends too early');
  });

  it('names the line and field the schema refuses', async () => {
    const badCode = await refusal(minimal(',\n  "freezeFrames": [\n    { "code": "X0171", "values": {} }\n  ]'));
    expect(badCode).toMatchObject({ line: 6, reason: 'freezeFrames[0].code: expected a trouble code such as P0171' });
    const status = await refusal('{\n  "format": "autocognitix-scan",\n  "version": 1,\n  "codes": [\n    { "code": "P0171",\n      "status": "active" }\n  ]\n}');
    expect(status).toMatchObject({ line: 6, reason: 'codes[0].status: expected stored, pending or permanent' });
    expect(await refusal(minimal(',\n  "colour": "red"'))).toMatchObject({ line: 5, reason: 'colour: unknown field' });
    expect(await refusal('{\n  "format": "autocognitix-scan",\n  "version": 1\n}')).toMatchObject({ line: 1, reason: 'the document: the field "codes" is missing' });
    const unit = await refusal(minimal(',\n  "series": {\n    "engine_rpm": { "unit": "km/h", "points": [] }\n  }'));
    expect(unit).toMatchObject({ line: 6, reason: 'series.engine_rpm: engine_rpm is in rpm, not "km/h"' });
    const back = await refusal(minimal(',\n  "series": { "engine_rpm": { "unit": "rpm", "points": [\n    [1000, 800],\n    [500, 810]\n  ] } }'));
    expect(back).toMatchObject({ line: 7, reason: 'series.engine_rpm.points[1]: the time goes back (points are in time order)' });
  });

  it('keeps a field named __proto__ as data', async () => {
    const scan = await parse(minimal(',\n  "series": { "__proto__": { "unit": "x", "points": [[0, 1]] } }'));
    expect(Object.getPrototypeOf(scan.series)).toBe(Object.prototype);
    expect(Object.keys(scan.series)).toEqual(['__proto__']);
  });

  it('refuses a document over the size bound, an over-long line and deep nesting (bounds)', async () => {
    const limits = { ...DEFAULT_SCAN_LIMITS, maxJsonBytes: 80, maxLineBytes: 60 };
    expect((await refusal(minimal(`,\n  "mileageKm": ${'1'.repeat(70)}`), limits)).line).toBe(5);
    const big = await refusal(minimal(',\n  "mileageKm": 1'), limits);
    expect(big).toMatchObject({ line: 5, reason: 'the JSON document is larger than 80 bytes' });
    expect((await refusal(`${'['.repeat(40)}${']'.repeat(40)}`)).reason).toBe('the JSON document nests deeper than 16 levels');
  });

  it('downsamples the points past the bound', async () => {
    const points = Array.from({ length: 5000 }, (_, index) => `[${index * 10}, ${index === 1234 ? -50 : index % 7}]`).join(',\n');
    const scan = await parse(minimal(`,\n  "series": { "maf": { "unit": "g/s", "points": [${points}] } }`), { ...DEFAULT_SCAN_LIMITS, maxPointsPerSeries: 100 });
    const kept = scan.series.maf?.points ?? [];
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept).toContainEqual([12340, -50]);
  });
});

describe('scan helpers', () => {
  it('min/max downsampler keeps at most its points, both extremes and the first sample', () => {
    const sampler = new MinMaxDownsampler(10);
    for (let index = 0; index < 1001; index += 1) sampler.add(index, index === 500 ? 99 : index === 777 ? -99 : 0);
    const points = sampler.points();
    expect(sampler.count).toBe(1001);
    expect(points.length).toBeLessThanOrEqual(10);
    expect(points).toContainEqual([500, 99]);
    expect(points).toContainEqual([777, -99]);
    expect(points[0]).toEqual([0, 0]);
    expect(() => new MinMaxDownsampler(3)).toThrow(RangeError);
  });

  it('guesses the format from the first line', () => {
    expect(guessScanFormat('{')).toBe('json');
    expect(guessScanFormat('\uFEFFGPS Time, Device Time, Engine RPM(rpm)')).toBe('torque-csv');
    expect(guessScanFormat('"SECONDS";"PID";"VALUE";"UNITS"')).toBe('torque-csv');
    expect(guessScanFormat('>ATZ')).toBe('elm327');
    expect(guessScanFormat('7E8 06 43 02 01 71 03 00')).toBe('elm327');
  });

  it('docs/API.md "Scan formats" names every canonical PID', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '../../docs/API.md'), 'utf8');
    const section = /^### Scan formats\n([\s\S]*?)\n## /m.exec(docs)?.[1] ?? '';
    expect(section).toContain('the routes that accept an upload');
    expect(CANONICAL_PIDS.map((pid) => pid.name).filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
    expect(section).toContain(`at most\n${DEFAULT_SCAN_LIMITS.maxPointsPerSeries} points per PID`);
  });
});
