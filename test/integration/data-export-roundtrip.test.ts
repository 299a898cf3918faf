import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, exportTableRows } from '../../src/cli/export.js';
import type { DataOutput } from '../../src/cli/data-output.js';
import type { Database } from '../../src/db/index.js';
import { DtcCodesRepository, type DtcCode, type DtcCodeInput } from '../../src/db/repositories/index.js';
import { isGenericDtcCode } from '../../src/diagnostics/dtc-code.js';
import { importDtcCodes } from '../../src/importers/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { fixtureDirectory } from '../helpers/nhtsa-fixtures.js';

/** Collects what an export writes. */
function memoryOutput(): DataOutput & { text(): string } {
  const chunks: string[] = [];
  return {
    write: async (text) => {
      chunks.push(text);
    },
    finish: async () => undefined,
    abort: async () => undefined,
    text: () => chunks.join(''),
  };
}

async function exportCsv(database: Database, options: { raw?: boolean } = {}): Promise<string> {
  const output = memoryOutput();
  await exportTableRows(database, 'dtc_codes', 'csv', output, options);
  return output.text();
}

async function exportJson(database: Database): Promise<string> {
  const output = memoryOutput();
  await exportTableRows(database, 'dtc_codes', 'json', output);
  return output.text();
}

/** Every stored meaning of `codes` (each make's and the one for every make), without the import's bookkeeping. */
async function meanings(database: Database, codes: readonly string[]): Promise<Omit<DtcCode, 'updated_at' | 'sources'>[]> {
  const repository = new DtcCodesRepository(database.db);
  const rows = (await Promise.all([...new Set(codes)].sort().map((code) => repository.variants(code)))).flat();
  return rows.map(({ updated_at: _updatedAt, sources: _sources, ...row }) => row);
}

/** Text a stored code can hold: what an import leaves after trimming, with every character CSV, lists and spreadsheets care about. */
const storedText = fc
  .string({ unit: fc.constantFrom('a', 'Ő', ' ', ',', '"', '|', "'", '=', '+', '-', '@', '[', ']', '\t', '\r', '\n', '\r\n', '\\', '{', '1'), minLength: 1, maxLength: 12 })
  .map((text) => text.trim())
  .filter((text) => text !== '');
const textList = fc.uniqueArray(storedText, { maxLength: 3 });
const codeNumber = fc.integer({ min: 0, max: 0x3fff });
/** A valid SAE J2012 code for 0..0x3fff: system letter, a digit 0-3, three hex digits. */
const codeOf = (number: number): string => `${'PCBU'.charAt(number >> 12)}${(number >> 10) & 3}${(number & 0x3ff).toString(16).toUpperCase().padStart(3, '0')}`;

const dtcInput = fc.record({
  number: codeNumber,
  /** Used only on manufacturer codes: a make may not be given for a generic one. */
  make: fc.constantFrom(undefined, 'FORD', 'TOYOTA', 'ALFA ROMEO', 'MERCEDES-BENZ'),
  description_en: storedText,
  description_hu: fc.option(storedText, { nil: null }),
  severity: fc.constantFrom(null, 'low', 'medium', 'high', 'critical' as const),
  symptoms: textList,
  possible_causes: textList,
  related: fc.uniqueArray(codeNumber, { maxLength: 2 }),
  sources: fc.uniqueArray(storedText, { minLength: 1, maxLength: 2 }),
});

/**
 * Issue 22 items 8 and 9: a CSV export is safe to open in a spreadsheet and
 * `import dtc` reads it back exactly, on this run's engine.
 */
describe('dtc_codes CSV export → import', () => {
  let source: TestRuntime;
  let target: TestRuntime;
  let directory: string;

  beforeAll(async () => {
    source = await openTestRuntime(testConfig());
    target = await openTestRuntime(testConfig());
    directory = fixtureDirectory();
  });
  afterAll(async () => {
    await source.dispose();
    await target.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['=HYPERLINK("http://example.invalid","x")', `"'=HYPERLINK(""http://example.invalid"",""x"")"`],
    ['@SUM(1+1)', "'@SUM(1+1)"],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ["'=already guarded", "''=already guarded"],
    ["'plain", "'plain"],
    ['plain', 'plain'],
  ])('writes the text cell %j as %j (a leading apostrophe keeps a spreadsheet from running it)', (value, cell) => {
    expect(csvField(value)).toBe(cell);
    expect(csvField(value, { raw: true })).toBe(/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  });

  it('leaves numbers alone and writes a list with a | in an item as a JSON array', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(['a', 'b'])).toBe('a|b');
    expect(csvField(['a|b', 'c'])).toBe('"[""a|b"",""c""]"');
    expect(csvField(['-x'])).toBe("'-x");
  });

  it('guards formula cells in the export unless --raw', async () => {
    await new DtcCodesRepository(source.database.db).upsert([{ code: 'P0300', description_en: '=HYPERLINK("http://example.invalid")', description_hu: '@SUM(A1)', severity: null, symptoms: ['-x'], possible_causes: [], related_codes: [], sources: ['s'] }], new Date().toISOString());
    const guarded = await exportCsv(source.database);
    expect(guarded).toContain(`"'=HYPERLINK(""http://example.invalid"")",'@SUM(A1)`);
    expect(guarded).toContain(",'-x,");
    const raw = await exportCsv(source.database, { raw: true });
    expect(raw).toContain('"=HYPERLINK(""http://example.invalid"")",@SUM(A1)');
    await source.database.db.deleteFrom('dtc_codes').execute();
  });

  it('reproduces every row exactly (property, fast-check)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(dtcInput, { minLength: 1, maxLength: 6, selector: (input) => `${codeOf(input.number)} ${isGenericDtcCode(codeOf(input.number)) ? '' : (input.make ?? '')}` }), async (generated) => {
        run += 1;
        await source.database.db.deleteFrom('dtc_codes').execute();
        await target.database.db.deleteFrom('dtc_codes').execute();
        const inputs: DtcCodeInput[] = generated.map((input) => {
          const code = codeOf(input.number);
          return {
            code,
            ...(input.make === undefined || isGenericDtcCode(code) ? {} : { make: input.make }),
            description_en: input.description_en,
            description_hu: input.description_hu,
            severity: input.severity,
            symptoms: input.symptoms,
            possible_causes: input.possible_causes,
            related_codes: [...new Set(input.related.map(codeOf))].filter((related) => related !== code),
            sources: input.sources,
          };
        });
        await new DtcCodesRepository(source.database.db).upsert(inputs, new Date().toISOString());
        const file = path.join(directory, `export-${run}.csv`);
        writeFileSync(file, await exportCsv(source.database));
        // The file's own name would be added to sources: name the import after a source every row already has.
        const report = await importDtcCodes(target.database, file, { source: inputs[0]?.sources[0] ?? '' });
        expect(report.skipped, JSON.stringify(report.problems)).toBe(0);
        const codes = inputs.map((input) => input.code);
        expect(await meanings(target.database, codes)).toEqual(await meanings(source.database, codes));
        for (const input of inputs) {
          const exported = await new DtcCodesRepository(source.database.db).find(input.code, input.make);
          const expectedSources = [...new Set([...(exported?.sources ?? []), inputs[0]?.sources[0] ?? ''])];
          expect((await new DtcCodesRepository(target.database.db).find(input.code, input.make))?.sources).toEqual(expectedSources);
        }
      }),
      { numRuns: 40, seed: 22 },
    );
  });

  it('carries each make’s meaning through a CSV and a JSON export (a make column, empty for every make)', async () => {
    await source.database.db.deleteFrom('dtc_codes').execute();
    const meaning = (code: string, make: string | undefined, description: string): DtcCodeInput => ({
      code,
      ...(make === undefined ? {} : { make }),
      description_en: description,
      description_hu: null,
      severity: null,
      symptoms: [],
      possible_causes: [],
      related_codes: [],
      sources: ['s'],
    });
    await new DtcCodesRepository(source.database.db).upsert(
      [meaning('P1131', 'FORD', 'Ford meaning'), meaning('P1131', 'TOYOTA', 'Toyota meaning'), meaning('P1131', undefined, 'Every make'), meaning('P0300', undefined, 'Random misfire')],
      new Date().toISOString(),
    );
    const csv = await exportCsv(source.database);
    expect(csv.split('\r\n')[0]?.split(',')).toContain('make');
    const json = JSON.parse(await exportJson(source.database)) as { code: string; make: string }[];
    expect(json.map((row) => `${row.code}/${row.make}`)).toEqual(['P0300/', 'P1131/', 'P1131/FORD', 'P1131/TOYOTA']);
    for (const [extension, text] of [
      ['csv', csv],
      ['json', JSON.stringify(json)],
    ] as const) {
      await target.database.db.deleteFrom('dtc_codes').execute();
      const file = path.join(directory, `makes.${extension}`);
      writeFileSync(file, text);
      expect(await importDtcCodes(target.database, file, { source: 's' }), extension).toMatchObject({ inserted: 4, skipped: 0 });
      expect(await meanings(target.database, ['P0300', 'P1131'])).toEqual(await meanings(source.database, ['P0300', 'P1131']));
    }
  });
});
