import { describe, expect, it } from 'vitest';
import { boundedLines, OverlongLine } from '../../src/io/bounded-lines.js';
import { csvRecords, parseCsvRecord } from '../../src/importers/csv-records.js';
import { MAX_IMPORT_LINE_BYTES } from '../../src/importers/text-lines.js';
import { jsonValueTexts, type JsonValueText } from '../../src/importers/json-values.js';
import { FieldError, FlatFileFields } from '../../src/importers/nhtsa-fields.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

function textOf(value: JsonValueText | undefined): string {
  if (value === undefined || 'problem' in value) throw new Error('expected a value');
  return value.text;
}

describe('streaming JSON values', () => {
  it('splits a pretty-printed array into its elements, each with the line it starts on', async () => {
    const text = ['[', '  {', '    "code": "P0300",', '    "text": "a } in a string, and \\" too"', '  },', '  {"code": "P0301"},', '  {"code": ', '  5],', '  {"code": "P0302"}', ']'].join('\n');
    const values = await collect(jsonValueTexts(linesOf(text)));
    expect(values.map((value) => value.line)).toEqual([2, 6, 7, 9]);
    expect(JSON.parse(textOf(values[0]))).toEqual({ code: 'P0300', text: 'a } in a string, and " too' });
    expect(() => JSON.parse(textOf(values[2])) as unknown).toThrow(SyntaxError);
    expect(JSON.parse(textOf(values[3]))).toEqual({ code: 'P0302' });
  });

  it('reads values one after another (no array) and reports a file that ends inside a value', async () => {
    const values = await collect(jsonValueTexts(linesOf('{"a":1}\n{"b":\n  2}\n{"c": [1,')));
    expect(values).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":\n  2}' },
      { line: 4, problem: 'the file ends inside a value' },
    ]);
  });
});

describe('CSV records', () => {
  it('parses quotes, doubled quotes, empty fields and commas inside quotes', () => {
    expect(parseCsvRecord('a,"b, c","say ""hi""",,e')).toEqual(['a', 'b, c', 'say "hi"', '', 'e']);
    expect(parseCsvRecord('"open')).toBeNull();
  });

  it('joins a quoted field across lines and reports one never closed', async () => {
    const records = await collect(csvRecords(linesOf('h1,h2\n"multi\nline",x\n\nlast,"never closed')));
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['multi\nline', 'x'] },
      { line: 5, problem: 'a quoted field is never closed before the end of the file' },
    ]);
  });
});

describe('NHTSA flat-file fields', () => {
  const names = ['DATE', 'YEAR', 'COUNT', 'FLAG'];
  const fields = (values: string[]) => new FlatFileFields(values, names);

  it('reads YYYYMMDD dates, 9999 as an unknown year, Y/N flags', () => {
    expect(fields(['20240229', '9999', '', 'Yes']).date('DATE')).toBe('2024-02-29');
    expect(fields(['00000000', '9999', '', 'Yes']).date('DATE')).toBeNull();
    expect(fields(['', '9999', '', '']).modelYear('YEAR')).toBeNull();
    expect(fields(['', '2004', '', '']).modelYear('YEAR')).toBe(2004);
    expect(fields(['', '', '', 'N']).yesNo('FLAG')).toBe(false);
    expect(fields(['', '', '', 'maybe']).yesNo('FLAG')).toBeNull();
  });

  it.each([
    ['DATE', ['20230231', '', '', ''], 'DATE is not a date (YYYYMMDD)'],
    ['DATE', ['2023-01-01', '', '', ''], 'DATE is not a date (YYYYMMDD)'],
    ['YEAR', ['', '18', '', ''], 'YEAR is not a model year (YYYY, or 9999 for unknown)'],
    ['COUNT', ['', '', '-3', ''], 'COUNT is not a whole number'],
    ['COUNT', ['', '', '99999999999', ''], 'COUNT is not a whole number'],
  ])('rejects a bad %s naming the field', (name, values, message) => {
    const reader = fields(values);
    const read = () => (name === 'DATE' ? reader.date(name) : name === 'YEAR' ? reader.modelYear(name) : reader.integer(name));
    expect(read).toThrow(new FieldError(message));
  });
});

describe('bounded lines (issue 22 item 4)', () => {
  async function* repeated(chunk: Buffer, times: number): AsyncGenerator<Buffer> {
    for (let index = 0; index < times; index += 1) yield chunk;
  }

  it('counts a 600 MB line without a newline instead of building it (that string would not fit in V8)', async () => {
    const lines = await collect(boundedLines(repeated(Buffer.alloc(1024 * 1024, 'a'), 600), 'latin1', MAX_IMPORT_LINE_BYTES));
    expect(lines).toEqual([new OverlongLine(600 * 1024 * 1024)]);
  });

  it('splits lines across chunks, drops CR before LF and a UTF-8 BOM, and keeps going after an overlong line', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('\uFEFFfirst\r\nsec', 'utf8');
      yield Buffer.from('ond\n', 'utf8');
      yield Buffer.from(`${'x'.repeat(20)}\nlast line ő`, 'utf8');
    }
    expect(await collect(boundedLines(chunks(), 'utf8', 16))).toEqual(['first', 'second', new OverlongLine(20), 'last line ő']);
  });
});
