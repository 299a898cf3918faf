import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import {
  ImportInputError,
  MAX_ZIP_EXPANSION_RATIO,
  WRONG_FILE_REJECTIONS,
  WrongFileError,
  importComplaints,
  importDtcCodes,
  importRecalls,
  type ImportProblem,
} from '../../src/importers/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { complaintLine, fixtureDirectory, recallLine, writeLines, writeZip } from '../helpers/nhtsa-fixtures.js';

/**
 * Issue 22 items 3–7: files an attacker or an accident produces. Each test
 * runs on this run's engine (embedded SQLite, or PostgreSQL with DATABASE_URL).
 */
describe('imports of hostile files (issue 22)', () => {
  let config: Config;
  let runtime: TestRuntime;
  let directory: string;

  const countRows = async (table: 'recalls' | 'complaints' | 'dtc_codes'): Promise<number> => {
    const row = await runtime.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total);
  };
  const recall = (index: number): string =>
    recallLine({ RECORD_ID: String(index), CAMPNO: `24V${String(index).padStart(6, '0')}`, MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'ENGINE' });

  beforeAll(() => {
    directory = fixtureDirectory();
  });
  beforeEach(async () => {
    config = testConfig();
    runtime = await openTestRuntime(config);
  });
  afterEach(async () => {
    await runtime.dispose();
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('skips a line longer than 1 MiB by number and imports the rest (item 4)', async () => {
    // Random letters do not compress, so the zip passes the expansion bound and the line bound is what stops it.
    const huge = randomBytes(3 * 1024 * 1024).toString('base64');
    const text = [recall(1), huge, recall(3)].join('\r\n');
    const zip = writeZip(path.join(directory, 'long-line.zip'), [{ name: 'FLAT_RCL.txt', data: Buffer.from(text, 'latin1') }]);
    const problems: ImportProblem[] = [];
    const report = await importRecalls(runtime.database, zip, { onProblem: (problem) => problems.push(problem) });
    expect(report).toMatchObject({ read: 3, inserted: 2, skipped: 1 });
    expect(problems).toEqual([{ line: 2, message: expect.stringMatching(/^the line is \d+ bytes long, more than the 1 MiB a line may have$/) as unknown }]);
  });

  it('refuses a JSON document with a line over the bound, but a JSON Lines file goes on past it (item 4)', async () => {
    const long = `{"code":"P0300","description_en":"${'x'.repeat(1_100_000)}"}`;
    const json = path.join(directory, 'long.json');
    writeFileSync(json, `[\n${long}\n]\n`);
    await expect(importDtcCodes(runtime.database, json)).rejects.toThrow(/line 2 is \d+ bytes long, more than the 1 MiB a line may have/);
    const jsonl = path.join(directory, 'long.jsonl');
    writeFileSync(jsonl, `${long}\n{"code":"P0301","description_en":"ok"}\n`);
    expect(await importDtcCodes(runtime.database, jsonl)).toMatchObject({ read: 2, inserted: 1, skipped: 1 });
  });

  it('parses a 10 MB CSV with one unclosed quote in one pass, dropping the runaway record and keeping the rows after it (item 5)', async () => {
    const rows = Array.from({ length: 430_000 }, (_, index) => `P${(index % 4096).toString(16).toUpperCase().padStart(4, '0')},Description ${index}`);
    const file = path.join(directory, 'unclosed.csv');
    writeFileSync(file, `code,description_en\nP0300,"never closed\n${rows.join('\n')}\n`);
    expect(readFileSync(file).length).toBeGreaterThan(10_000_000);
    const problems: ImportProblem[] = [];
    const report = await importDtcCodes(runtime.database, file, { onProblem: (problem) => problems.push(problem) });
    expect(problems[0]).toEqual({ line: 2, message: 'a quoted field is never closed' });
    // After the 256 KiB bound the parser starts afresh: every later code is imported.
    expect(report.inserted).toBe(4096);
  });

  it('refuses a zip entry that expands past the ratio bound before reading it, writing nothing (item 5)', async () => {
    const blankLines = Buffer.alloc(20 * 1024 * 1024, '\n');
    const zip = writeZip(path.join(directory, 'bomb.zip'), [{ name: 'FLAT_RCL.txt', data: Buffer.concat([Buffer.from(`${recall(1)}\n`), blankLines]) }]);
    const error = await importRecalls(runtime.database, zip).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportInputError);
    expect((error as Error).message).toMatch(new RegExp(`would expand \\d+ times its compressed size, more than the ${MAX_ZIP_EXPANSION_RATIO}×`));
    expect(await countRows('recalls')).toBe(0);
  });

  it('refuses a zip entry whose CRC-32 does not match its data, writing nothing (item 6)', async () => {
    const zip = writeZip(path.join(directory, 'corrupt.zip'), [{ name: 'FLAT_RCL.txt', data: Buffer.from([recall(1), recall(2)].join('\r\n'), 'latin1') }]);
    const bytes = readFileSync(zip);
    // Flip the stored CRC-32 in the local header (offset 14) and the central directory entry (offset 16).
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    for (const offset of [14, central + 16]) bytes.writeUInt32LE((bytes.readUInt32LE(offset) ^ 0xff) >>> 0, offset);
    writeFileSync(zip, bytes);
    await expect(importRecalls(runtime.database, zip)).rejects.toThrow(/FLAT_RCL\.txt is corrupt \(its CRC-32 or size does not match the archive's directory\); nothing was imported/);
    expect(await countRows('recalls')).toBe(0);
  });

  it('skips a line with a NUL byte by its number and stores the others (item 3)', async () => {
    const withNul = recallLine({ RECORD_ID: '2', CAMPNO: '24V000002', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'ENGINE', NOTES: 'bad\u0000byte' });
    const file = writeLines(path.join(directory, 'nul.txt'), [recall(1), withNul, recall(3)]);
    const report = await importRecalls(runtime.database, file);
    expect(report).toMatchObject({ read: 3, inserted: 2, skipped: 1 });
    expect(report.problems).toEqual([{ line: 2, message: 'it contains a NUL character (\\0), which text columns cannot store' }]);
  });

  it('writes 5000-row batches of the widest table on this engine (item 7)', async () => {
    const lines = Array.from({ length: 5000 }, (_, index) =>
      complaintLine({ CMPLID: String(index + 1), ODINO: String(10_000_000 + index), MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPDESC: 'ENGINE', CDESCR: `complaint ${index}` }),
    );
    const file = writeLines(path.join(directory, 'complaints-5000.txt'), lines);
    expect(await importComplaints(runtime.database, file, { batchSize: 5000 })).toMatchObject({ read: 5000, inserted: 5000, skipped: 0 });
    expect(await importComplaints(runtime.database, file, { batchSize: 5000 })).toMatchObject({ inserted: 0, updated: 0, unchanged: 5000 });
    const dtcFile = path.join(directory, 'codes-5000.jsonl');
    writeFileSync(dtcFile, Array.from({ length: 5000 }, (_, index) => JSON.stringify({ code: `P${(0x1000 + index).toString(16).toUpperCase()}`, description_en: `code ${index}` })).join('\n'));
    expect(await importDtcCodes(runtime.database, dtcFile, { batchSize: 5000 })).toMatchObject({ inserted: 5000 });
  });

  it(`stops a wrong file after the first ${WRONG_FILE_REJECTIONS} rejected lines with the totals, writing nothing (issue 15)`, async () => {
    const file = writeLines(path.join(directory, 'FLAT_CMPL-as-recalls.txt'), Array.from({ length: 60 }, (_, index) => complaintLine({ CMPLID: String(index + 1) })));
    const error = await importRecalls(runtime.database, file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WrongFileError);
    expect((error as WrongFileError).report).toMatchObject({ read: WRONG_FILE_REJECTIONS, skipped: WRONG_FILE_REJECTIONS, inserted: 0 });
    expect(await countRows('recalls')).toBe(0);
  });

  it('two concurrent imports of the same codes lose no merge and report true counts (item 3)', async () => {
    // A second connection pool on the same schema: on PostgreSQL the two imports really run at once.
    const second = await openTestRuntime(config, { shareWith: runtime });
    try {
      const codes = Array.from({ length: 3000 }, (_, index) => `P${(0x2000 + index).toString(16).toUpperCase()}`);
      const fileA = path.join(directory, 'workshop-a.jsonl');
      const fileB = path.join(directory, 'workshop-b.jsonl');
      writeFileSync(fileA, codes.map((code) => JSON.stringify({ code, description_en: `${code} description`, symptoms: ['from a'] })).join('\n'));
      writeFileSync(fileB, codes.map((code) => JSON.stringify({ code, description_en: `${code} description`, description_hu: `${code} leírás` })).join('\n'));
      const [a, b] = await Promise.all([importDtcCodes(runtime.database, fileA, { batchSize: 250 }), importDtcCodes(second.database, fileB, { batchSize: 250 })]);
      expect(a.inserted + b.inserted).toBe(codes.length);
      expect(a.inserted + a.updated + b.inserted + b.updated).toBe(2 * codes.length);
      for (const code of [codes[0], codes[1500], codes[2999]]) {
        const stored = await new DtcCodesRepository(runtime.database.db).find(code ?? '');
        expect(stored?.sources.sort()).toEqual(['workshop-a', 'workshop-b']);
        expect(stored?.symptoms).toEqual(['from a']);
        expect(stored?.description_hu).toBe(`${code ?? ''} leírás`);
      }
      const everyMerge = await runtime.database.db.selectFrom('dtc_codes').select('code').where('sources', 'not like', '%workshop-a%').execute();
      const everyMergeB = await runtime.database.db.selectFrom('dtc_codes').select('code').where('sources', 'not like', '%workshop-b%').execute();
      expect(everyMerge.length + everyMergeB.length).toBe(0);
    } finally {
      await second.dispose({ dropData: false });
    }
  });

  it('two concurrent imports of the same complaints count each line inserted once (item 3)', async () => {
    const second = await openTestRuntime(config, { shareWith: runtime });
    try {
      const lines = Array.from({ length: 3000 }, (_, index) => complaintLine({ CMPLID: String(index + 1), ODINO: String(20_000_000 + index), MAKETXT: 'FORD', MODELTXT: 'FOCUS', YEARTXT: '2015', COMPDESC: 'ENGINE' }));
      const file = writeLines(path.join(directory, 'complaints-twice.txt'), lines);
      const [a, b] = await Promise.all([importComplaints(runtime.database, file, { batchSize: 250 }), importComplaints(second.database, file, { batchSize: 250 })]);
      expect(a.inserted + b.inserted).toBe(lines.length);
      expect(a.updated + b.updated).toBe(0);
      expect(a.unchanged + b.unchanged).toBe(lines.length);
    } finally {
      await second.dispose({ dropData: false });
    }
  });
});
