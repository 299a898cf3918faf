import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDatabasePath } from '../../src/config/index.js';
import { createDatabase, type Database } from '../../src/db/index.js';
import { complaintLine, fixtureDirectory, recallLine, writeLines, writeZip } from '../helpers/nhtsa-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot, startTypeScriptProcess } from '../helpers/process.js';

/**
 * The `autocognitix seed` and `import` commands as a user runs them (run
 * in-process by test/helpers/cli.ts) on the embedded SQLite file in a
 * temporary DATA_DIR (the importers themselves are tested on both engines).
 */
describe('autocognitix seed / import', () => {
  let dataDir: string;
  let fixtures: string;
  let database: Database;

  const cli = (args: readonly string[], extraEnv: Record<string, string> = {}) =>
    runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...extraEnv });

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-'));
    fixtures = fixtureDirectory();
    database = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir }) });
  });
  afterAll(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('seeds the bundled codes, and a second run changes nothing', async () => {
    const first = await cli(['seed']);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/^seed: read (\d+), inserted \1, updated 0, unchanged 0, skipped 0$/m);
    const second = await cli(['seed']);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/^seed: read (\d+), inserted 0, updated 0, unchanged \1, skipped 0$/m);
  });

  it('imports a recalls zip, naming each malformed line and ending with the totals', async () => {
    const lines = [
      recallLine({ RECORD_ID: '1', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'ENGINE', RCDATE: '20230115' }, 27),
      'a\tbroken\tline',
      recallLine({ RECORD_ID: '3', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '20X8', COMPNAME: 'ENGINE' }, 27),
      recallLine({ RECORD_ID: '4', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2019', COMPNAME: 'ENGINE', RCDATE: '20230115' }, 27),
    ];
    const zip = writeZip(path.join(fixtures, 'FLAT_RCL.zip'), [{ name: 'FLAT_RCL.txt', data: Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1') }]);
    const result = await cli(['import', 'recalls', zip]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('recalls: line 2 skipped: expected 27 or 29 tab-separated fields, found 3');
    expect(result.output).toContain('recalls: line 3 skipped: YEARTXT is not a model year');
    expect(result.output).toMatch(/^recalls: read 4, inserted 2, updated 0, unchanged 0, skipped 2$/m);
    expect((await cli(['import', 'recalls', zip])).output).toMatch(/^recalls: read 4, inserted 0, updated 0, unchanged 2, skipped 2$/m);
  });

  it('imports Latin-1 complaints with --json, decoding accents and storing no VIN', async () => {
    const vin = '1HGCM82633A004352';
    const file = writeLines(
      path.join(fixtures, 'FLAT_CMPL.txt'),
      [complaintLine({ CMPLID: '9001', ODINO: '19000001', MAKETXT: 'SKODA', MODELTXT: 'FABIA', YEARTXT: '2012', COMPDESC: 'ENGINE', VIN: vin, DEALER_NAME: 'SOME DEALER', CDESCR: 'MOTOR LEÁLLT A KÖRFORGALOMBAN' }, 51)],
      'latin1',
    );
    const result = await cli(['import', 'complaints', file, '--json', '--batch-size', '10']);
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(result.output)).toMatchObject({ source: 'FLAT_CMPL.txt', read: 1, inserted: 1, updated: 0, unchanged: 0, skipped: 0, problems: [] });
    const stored = await database.db.selectFrom('complaints').selectAll().where('cmplid', '=', 9001).executeTakeFirstOrThrow();
    expect(stored.description).toBe('MOTOR LEÁLLT A KÖRFORGALOMBAN');
    expect(JSON.stringify(stored)).not.toContain(vin);
  });

  it('imports a trouble-code CSV', async () => {
    const file = path.join(fixtures, 'codes.csv');
    writeFileSync(file, 'code,description_en,description_hu\nP1B00,Test code,Tesztkód\n');
    const result = await cli(['import', 'dtc', file]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/^dtc: read 1, inserted 1, updated 0, unchanged 0, skipped 0$/m);
  });

  it('fails with exit 1 when every record is rejected', async () => {
    const file = writeLines(path.join(fixtures, 'not-recalls.txt'), ['this is', 'not a recall file']);
    const result = await cli(['import', 'recalls', file]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/every record was rejected/);
  });

  it('stops an import of the wrong file after the first 20 rejected lines, printing the totals (issue 15)', async () => {
    const complaints = Array.from({ length: 200 }, (_, index) => complaintLine({ CMPLID: String(index + 1), MAKETXT: 'HONDA', MODELTXT: 'CIVIC', COMPDESC: 'ENGINE' }));
    const file = writeLines(path.join(fixtures, 'FLAT_CMPL-by-mistake.txt'), complaints);
    const result = await cli(['import', 'recalls', file]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^recalls: read 20, inserted 0, updated 0, unchanged 0, skipped 20$/m);
    expect(result.output).toMatch(/recalls: the first 20 records were all rejected and none accepted; stopped there \(is this the right file and layout\?\)/);
    expect(result.output.match(/skipped: expected 27 or 29 tab-separated fields, found 49/g)).toHaveLength(20);
  });

  it.each([
    [['import', 'recalls', 'no-such-file.txt'], 1, `cannot read ${path.join(projectRoot, 'no-such-file.txt')}: no such file`],
    [['import', 'dtc', 'codes.xml'], 2, /expects a \.json, \.jsonl or \.csv file/],
    [['import', 'recalls'], 2, /missing required argument 'file'/],
    [['import', 'complaints', 'x.txt', '--batch-size', 'many'], 2, /a whole number from 1 to 5000/],
  ])('autocognitix %j exits %i', async (args, code, message) => {
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(message);
  });

  it('never prints the database password when the database is unreachable', async () => {
    const canary = 'CanaryPassw0rd-7d1e';
    const file = writeLines(path.join(fixtures, 'one-recall.txt'), [recallLine({ CAMPNO: '23V1', MAKETXT: 'A', MODELTXT: 'B', COMPNAME: 'C' })]);
    const result = await cli(['import', 'recalls', file], { DATABASE_URL: `postgres://autocognitix:${canary}@127.0.0.1:1/nowhere` });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/the database is unavailable/);
    expect(result.output).not.toContain(canary);
  });

  it('ends by Ctrl-C in the middle of an import (a real process), leaving whole batches that a second run completes', { timeout: 120_000 }, async () => {
    const total = 5000;
    const batchSize = 100;
    const lines = Array.from({ length: total }, (_, index) =>
      recallLine({ RECORD_ID: String(index + 1), CAMPNO: `24V${index + 1}`, MAKETXT: 'TOYOTA', MODELTXT: 'COROLLA', YEARTXT: '2015', COMPNAME: 'BRAKES' }),
    );
    const file = writeLines(path.join(fixtures, 'FLAT_RCL-interrupted.txt'), lines);
    expect((await cli(['migrate'])).code).toBe(0);
    const countRecalls = async (): Promise<number> =>
      Number((await database.db.selectFrom('recalls').select((eb) => eb.fn.countAll<number | string>().as('count')).where('make', '=', 'TOYOTA').executeTakeFirstOrThrow()).count);
    const importer = startTypeScriptProcess('src/cli/main.ts', ['import', 'recalls', file, '--batch-size', String(batchSize)], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => importer.child.on('exit', (code, signal) => { resolve({ code, signal }); }));
    // Interrupted as soon as its first transaction is committed.
    while ((await countRecalls()) === 0 && importer.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 10));
    importer.child.kill('SIGINT');
    expect(await ended, importer.output()).toEqual({ code: null, signal: 'SIGINT' });
    const kept = await countRecalls();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(total);
    // Only committed transactions: the one under way when the signal came was rolled back.
    expect(kept % batchSize).toBe(0);

    const second = await cli(['import', 'recalls', file, '--batch-size', '1000']);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(new RegExp(`^recalls: read ${total}, inserted ${total - kept}, updated 0, unchanged ${kept}, skipped 0$`, 'm'));
  });
});
