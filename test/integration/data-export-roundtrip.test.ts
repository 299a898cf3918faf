import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, exportTableRows } from '../../src/cli/export.js';
import type { DataOutput } from '../../src/cli/data-output.js';
import type { Database } from '../../src/db/index.js';
import { DtcCodesRepository, type DtcCodeInput } from '../../src/db/repositories/index.js';
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
      fc.asyncProperty(fc.uniqueArray(dtcInput, { minLength: 1, maxLength: 6, selector: (input) => codeOf(input.number) }), async (generated) => {
        run += 1;
        await source.database.db.deleteFrom('dtc_codes').execute();
        await target.database.db.deleteFrom('dtc_codes').execute();
        const inputs: DtcCodeInput[] = generated.map((input) => {
          const code = codeOf(input.number);
          return {
            code,
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
        const strip = (rows: Map<string, object>) => codes.map((code) => ({ ...rows.get(code), updated_at: undefined, sources: undefined }));
        const exported = await new DtcCodesRepository(source.database.db).findMany(codes);
        const imported = await new DtcCodesRepository(target.database.db).findMany(codes);
        expect(strip(imported)).toEqual(strip(exported));
        for (const code of codes) {
          const expectedSources = [...new Set([...(exported.get(code)?.sources ?? []), inputs[0]?.sources[0] ?? ''])];
          expect(imported.get(code)?.sources).toEqual(expectedSources);
        }
      }),
      { numRuns: 40, seed: 22 },
    );
  });
});
