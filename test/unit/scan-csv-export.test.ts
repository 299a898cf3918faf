// @backend-independent: pure formatting
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvText, parseScan, SCAN_CSV_HEADER, scanCsvLines, type Scan, type ScanValue } from '../../src/garage/scans/index.js';

const fixture = (name: string): string => path.resolve(import.meta.dirname, '../fixtures/scans', name);

/** An RFC 4180 reader for the test: the export's lines joined with CRLF back into rows of fields. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (quoted) {
      if (character === '"' && text.charAt(index + 1) === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"' && field === '') quoted = true;
    else if (character === ',') {
      fields.push(field);
      field = '';
    } else if (character === '\r' && text.charAt(index + 1) === '\n') {
      fields.push(field);
      rows.push(fields);
      fields = [];
      field = '';
      index += 1;
    } else field += character;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  fields.push(field);
  rows.push(fields);
  return rows;
}

const exported = (scan: Scan): string[][] => readCsv([...scanCsvLines(scan)].join('\r\n'));

const empty: Scan = { codes: [], freezeFrames: [], series: {}, unknownColumns: [] };

describe('scan CSV export', () => {
  it('writes the header first, and only the header for an empty scan', () => {
    expect([...scanCsvLines(empty)]).toEqual(['kind,time_ms,name,value,unit,code,status,ecu']);
    expect(SCAN_CSV_HEADER).toHaveLength(8);
  });

  it('writes a row per code, freeze-frame value and sample, in the long format', () => {
    const scan: Scan = {
      codes: [
        { code: 'P0171', status: 'stored', ecu: '7E8' },
        { code: 'U0100', status: 'permanent' },
      ],
      freezeFrames: [{ code: 'P0171', ecu: '7E8', values: { ltft_bank1: { value: -12.5, unit: '%' }, engine_rpm: { value: 802.5, unit: 'rpm' } } }],
      series: { coolant_temp: { unit: '°C', points: [[0, 20], [1500, 21.5]] } },
      unknownColumns: [],
    };
    expect([...scanCsvLines(scan)]).toEqual([
      'kind,time_ms,name,value,unit,code,status,ecu',
      'code,,,,,P0171,stored,7E8',
      'code,,,,,U0100,permanent,',
      'freeze_frame,,ltft_bank1,-12.5,%,P0171,,7E8',
      'freeze_frame,,engine_rpm,802.5,rpm,P0171,,7E8',
      'sample,0,coolant_temp,20,°C,,,',
      'sample,1500,coolant_temp,21.5,°C,,,',
    ]);
  });

  it('quotes a text cell with a comma, a quote or a line break (RFC 4180)', () => {
    expect(csvText('plain')).toBe('plain');
    expect(csvText('Boost, gauge')).toBe('"Boost, gauge"');
    expect(csvText('the "real" one')).toBe('"the ""real"" one"');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
    const scan: Scan = { ...empty, series: { 'Turbo "Boost", Vacuum\nGauge': { unit: 'psi', points: [[0, -10.2]] } } };
    expect(exported(scan)[1]).toEqual(['sample', '0', 'Turbo "Boost", Vacuum\nGauge', '-10.2', 'psi', '', '', '']);
  });

  it('neutralises a text cell a spreadsheet would read as a formula, but writes negative numbers as numbers', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvText(`${start}1+1`)).toMatch(/^"?'/);
    expect(csvText('=HYPERLINK("http://example.invalid","x")')).toBe(`"'=HYPERLINK(""http://example.invalid"",""x"")"`);
    expect(csvText('\r=1')).toBe(`"'\r=1"`);
    const scan: Scan = {
      ...empty,
      freezeFrames: [{ code: null, values: { '=cmd|"/c calc"!A1': { value: -3, unit: '@unit' } } }],
      series: { '-2+3': { unit: '+x', points: [[0, -1]] } },
    };
    const lines = [...scanCsvLines(scan)];
    expect(lines[1]).toBe(`freeze_frame,,"'=cmd|""/c calc""!A1",-3,'@unit,,,`);
    expect(lines[2]).toBe(`sample,0,'-2+3,-1,'+x,,,`);
    // No cell of any line starts with a formula character except a number.
    for (const fields of readCsv(lines.join('\r\n'))) {
      for (const field of fields) if (/^[=+\-@\t\r]/.test(field)) expect(field).toMatch(/^-\d/);
    }
  });

  it('writes every value of a parsed fixture so that it reads back the same (round trip)', async () => {
    const scan = await parseScan('json', createReadStream(fixture('json-scan.json')));
    const rows = exported(scan);
    expect(rows[0]).toEqual([...SCAN_CSV_HEADER]);
    const codes = rows.filter((fields) => fields[0] === 'code').map(([, , , , , code, status, ecu]) => (ecu === '' ? { code, status } : { code, status, ecu }));
    expect(codes).toEqual(scan.codes);
    const frames = new Map<string, Record<string, ScanValue>>();
    for (const [kind, , name = '', value, unit = '', code = '', , ecu = ''] of rows) {
      if (kind !== 'freeze_frame') continue;
      const key = `${code}|${ecu}`;
      const values = frames.get(key) ?? {};
      values[name] = { value: Number(value), unit };
      frames.set(key, values);
    }
    expect([...frames.values()]).toEqual(scan.freezeFrames.map((frame) => frame.values));
    const series: Record<string, { unit: string; points: [number, number][] }> = {};
    for (const [kind, time, name = '', value, unit = ''] of rows) {
      if (kind !== 'sample') continue;
      series[name] ??= { unit, points: [] };
      series[name].points.push([Number(time), Number(value)]);
    }
    expect(series).toEqual(scan.series);
    expect(rows).toHaveLength(1 + scan.codes.length + 4 + 3 + 2 + 2);
  });

  it('is lazy: a generator that yields line by line', () => {
    const lines = scanCsvLines({ ...empty, series: { engine_rpm: { unit: 'rpm', points: Array.from({ length: 2000 }, (_, index) => [index, 800] as const) } } });
    expect(lines.next()).toEqual({ value: 'kind,time_ms,name,value,unit,code,status,ecu', done: false });
    expect(lines.next().value).toBe('sample,0,engine_rpm,800,rpm,,,');
  });

  it('docs/API.md "CSV export" names every column', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '../../docs/API.md'), 'utf8');
    const start = docs.indexOf('#### CSV export');
    expect(start).toBeGreaterThan(docs.indexOf('### Scan formats'));
    const section = docs.slice(start, docs.indexOf('\n###', start + 1));
    expect([...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1])).toEqual([...SCAN_CSV_HEADER]);
  });
});
