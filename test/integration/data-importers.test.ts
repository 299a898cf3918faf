import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBoolean } from '../../src/db/index.js';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import {
  BUNDLED_DTC_SEED_SOURCE,
  DTC_MAKE_ON_GENERIC_MESSAGE,
  ImportInputError,
  importComplaints,
  importDtcCodes,
  importRecalls,
  seedDtcCodes,
  type ImportProblem,
  type ImportProgress,
} from '../../src/importers/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { complaintLine, fixtureDirectory, recallLine, writeLines, writeZip } from '../helpers/nhtsa-fixtures.js';
import { projectRoot } from '../helpers/process.js';

const VIN_CANARY = '1HGCM82633A004352';
const DEALER_CANARY = 'CANARY-DEALER-MOTORS';

const recallsIn29Fields = [
  recallLine({
    RECORD_ID: '1', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', MFGCAMPNO: 'HX1', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE',
    MFGNAME: 'Honda (American Honda Motor Co.)', BGMAN: '20170801', ENDMAN: '20180630', RCLTYPECD: 'V', POTAFF: '1200', ODATE: '20230301', RCDATE: '20230115',
    DESC_DEFECT: 'The engine may stall.', CONEQUENCE_DEFECT: 'A stall increases the risk of a crash.', CORRECTIVE_ACTION: 'Dealers will reprogram the ECU.',
    MFR_COMP_NAME: 'ECU', MFR_COMP_PTNO: '37820-XXX', DO_NOT_DRIVE: 'No', PARK_OUTSIDE: 'Yes',
  }),
  recallLine({ RECORD_ID: '2', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2019', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE', RCDATE: '20230115' }),
  recallLine({ RECORD_ID: '3', CAMPNO: '22v200000', MAKETXT: '  honda ', MODELTXT: ' civic  ', YEARTXT: '2018', COMPNAME: 'AIR BAGS:FRONTAL', RCDATE: '20220510' }),
  'only\tfour\tfields\there',
  recallLine({ RECORD_ID: '5', CAMPNO: '21V300000', MAKETXT: 'FORD', MODELTXT: 'F-150', YEARTXT: '2020', COMPNAME: 'STEERING', RCDATE: '20231340' }),
  '',
  recallLine({ RECORD_ID: '7', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE', RCDATE: '20230116' }),
  recallLine({ RECORD_ID: '8', CAMPNO: '21V300000', MAKETXT: 'FORD', MODELTXT: 'F-150', YEARTXT: '9999', COMPNAME: 'SERVICE BRAKES, HYDRAULIC', RCDATE: '20210101' }),
];

const recallsIn27Fields = [
  recallLine({ RECORD_ID: '11', CAMPNO: '05V001000', MAKETXT: 'TOYOTA', MODELTXT: 'COROLLA', YEARTXT: '2004', COMPNAME: 'SUSPENSION', RCDATE: '20050301', POTAFF: '5000' }, 27),
  recallLine({ RECORD_ID: '12', CAMPNO: '05V001000', MAKETXT: 'TOYOTA', MODELTXT: 'COROLLA', YEARTXT: '2005', COMPNAME: 'SUSPENSION', RCDATE: '20050301' }, 27),
];

const complaintBase = { MFR_NAME: 'Honda (American Honda Motor Co.)', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', CITY: 'SPRINGFIELD', STATE: 'IL', VIN: VIN_CANARY, DEALER_NAME: DEALER_CANARY, DEALER_TEL: '5550100', DEALER_CITY: 'DEALERTOWN', DEALER_ZIP: '62701' };

const complaintsIn49Fields = [
  complaintLine({ ...complaintBase, CMPLID: '1001', ODINO: '11000001', CRASH: 'Y', FIRE: 'N', INJURED: '1', DEATHS: '0', COMPDESC: 'ENGINE', FAILDATE: '20230120', LDATE: '20230201', MILES: '42000', VEH_SPEED: '55', CDESCR: 'ENGINE STALLED AT THE CAFÉ EXIT', CMPL_TYPE: 'EVOQ', PROD_TYPE: 'V', POLICE_RPT_YN: 'Y', MEDICAL_ATTN: 'N', VEHICLES_TOWED_YN: 'Y' }),
  complaintLine({ ...complaintBase, CMPLID: '1002', ODINO: '11000001', CRASH: 'Y', FIRE: 'N', INJURED: '1', DEATHS: '0', COMPDESC: 'POWER TRAIN:AUTOMATIC TRANSMISSION', LDATE: '20230201' }),
  complaintLine({ ...complaintBase, CMPLID: 'abc', ODINO: '11000003', COMPDESC: 'ENGINE' }),
  complaintLine({ ...complaintBase, CMPLID: '1003', ODINO: '11000002', CRASH: 'N', FIRE: 'Y', INJURED: '0', DEATHS: '1', COMPDESC: 'ELECTRICAL SYSTEM', LDATE: '20230301' }),
  'CMPLID\tonly\tthree',
];

const complaintsIn51Fields = [
  complaintLine({ ...complaintBase, CMPLID: '2001', ODINO: '12000001', MAKETXT: 'SKODA', MODELTXT: 'OCTAVIA', YEARTXT: '2015', CRASH: 'N', FIRE: 'N', COMPDESC: 'SERVICE BRAKES', CDESCR: 'FÉKEK ZAJOSAK - BRAKES NOISY', LDATE: '20220101' }, 51),
];

describe('data importers (in-process, on this run’s database)', () => {
  let runtime: TestRuntime;
  let directory: string;

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig());
    directory = fixtureDirectory();
  });
  afterAll(async () => {
    await runtime.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  describe('recalls (FLAT_RCL)', () => {
    it('imports a 29-field file, reporting malformed lines by number and skipping a repeated key', async () => {
      const file = writeLines(path.join(directory, 'FLAT_RCL_29.txt'), recallsIn29Fields);
      const problems: ImportProblem[] = [];
      const report = await importRecalls(runtime.database, file, { onProblem: (problem) => problems.push(problem) });
      expect(report).toMatchObject({ read: 7, inserted: 4, updated: 0, unchanged: 0, skipped: 3 });
      expect(problems.map((problem) => problem.line)).toEqual([4, 5, 7]);
      expect(problems[0]?.message).toBe('expected 27 or 29 tab-separated fields, found 4');
      expect(problems[1]?.message).toMatch(/RCDATE is not a date/);
      expect(problems[2]?.message).toMatch(/already appeared earlier/);
      expect(report.problems).toEqual(problems);
    });

    it('stores what a user needs, normalised: upper-case make/model, ISO dates, 9999 as an unknown year, the advisories', async () => {
      const db = runtime.database.db;
      const engine = await db.selectFrom('recalls').selectAll().where('campaign_number', '=', '23V100000').where('model_year', '=', 2018).executeTakeFirstOrThrow();
      expect(engine).toMatchObject({
        make: 'HONDA',
        model: 'CIVIC',
        component: 'ENGINE AND ENGINE COOLING:ENGINE',
        manufacturer: 'Honda (American Honda Motor Co.)',
        recall_type: 'V',
        potentially_affected: 1200,
        manufactured_from: '2017-08-01',
        report_received_date: '2023-01-15',
        owner_notification_date: '2023-03-01',
        defect_summary: 'The engine may stall.',
      });
      expect(toBoolean(engine.do_not_drive ?? 0)).toBe(false);
      expect(toBoolean(engine.park_outside ?? 0)).toBe(true);
      const normalised = await db.selectFrom('recalls').select(['make', 'model', 'campaign_number']).where('component', '=', 'AIR BAGS:FRONTAL').executeTakeFirstOrThrow();
      expect(normalised).toEqual({ make: 'HONDA', model: 'CIVIC', campaign_number: '22V200000' });
      const unknownYear = await db.selectFrom('recalls').select('model_year').where('campaign_number', '=', '21V300000').execute();
      expect(unknownYear).toEqual([{ model_year: null }]);
    });

    it('is idempotent: a second run inserts and updates nothing', async () => {
      const report = await importRecalls(runtime.database, path.join(directory, 'FLAT_RCL_29.txt'));
      expect(report).toMatchObject({ read: 7, inserted: 0, updated: 0, unchanged: 4, skipped: 3 });
    });

    it('reports a changed line as updated', async () => {
      const changed = [...recallsIn29Fields];
      changed[1] = recallLine({ RECORD_ID: '2', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2019', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE', RCDATE: '20230115', NOTES: 'Owners may contact Honda.' });
      const report = await importRecalls(runtime.database, writeLines(path.join(directory, 'FLAT_RCL_29_changed.txt'), changed));
      expect(report).toMatchObject({ inserted: 0, updated: 1, unchanged: 3 });
      const row = await runtime.database.db.selectFrom('recalls').select('notes').where('model_year', '=', 2019).executeTakeFirstOrThrow();
      expect(row.notes).toBe('Owners may contact Honda.');
    });

    it('imports the 27-field layout (no advisories: null) from a zip, streaming', async () => {
      const zip = writeZip(path.join(directory, 'FLAT_RCL_27.zip'), [
        { name: 'Import_Instructions.pdf', data: Buffer.from('not text') },
        { name: 'FLAT_RCL.txt', data: Buffer.from(`${recallsIn27Fields.join('\r\n')}\r\n`, 'latin1') },
      ]);
      const progress: ImportProgress[] = [];
      const report = await importRecalls(runtime.database, zip, { batchSize: 1, onProgress: (update) => progress.push(update) });
      expect(report).toMatchObject({ read: 2, inserted: 2, updated: 0, unchanged: 0, skipped: 0 });
      expect(report.source).toBe('FLAT_RCL_27.zip:FLAT_RCL.txt');
      // One update a batch (one row each) with running totals, and a last one when the entry ends, having read all of it.
      expect(progress.map((update) => [update.read, update.inserted])).toEqual([
        [1, 1],
        [2, 2],
        [2, 2],
      ]);
      expect(progress.at(-1)?.bytesRead).toBe(progress.at(-1)?.totalBytes);
      const rows = await runtime.database.db.selectFrom('recalls').select(['model_year', 'do_not_drive', 'park_outside']).where('make', '=', 'TOYOTA').orderBy('model_year').execute();
      expect(rows).toEqual([
        { model_year: 2004, do_not_drive: null, park_outside: null },
        { model_year: 2005, do_not_drive: null, park_outside: null },
      ]);
      expect(await importRecalls(runtime.database, zip)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    });

    it('refuses a zip without a text entry and a missing file with a message naming the file', async () => {
      const zip = writeZip(path.join(directory, 'empty.zip'), [{ name: 'a.pdf', data: Buffer.from('x') }, { name: 'b.pdf', data: Buffer.from('y') }]);
      await expect(importRecalls(runtime.database, zip)).rejects.toThrow(new ImportInputError(`${zip} has no .txt entry to import`));
      // The full path, so an operator sees which directory was searched (issue 15).
      const missing = path.join(directory, 'missing.txt');
      await expect(importRecalls(runtime.database, path.relative(process.cwd(), missing))).rejects.toThrow(`cannot read ${missing}: no such file`);
    });
  });

  describe('complaints (FLAT_CMPL)', () => {
    it('imports a Latin-1 49-field file and a 51-field zip, decoding accents', async () => {
      const file = writeLines(path.join(directory, 'FLAT_CMPL.txt'), complaintsIn49Fields, 'latin1');
      const problems: ImportProblem[] = [];
      const report = await importComplaints(runtime.database, file, { onProblem: (problem) => problems.push(problem) });
      expect(report).toMatchObject({ read: 5, inserted: 3, updated: 0, unchanged: 0, skipped: 2 });
      expect(problems).toEqual([
        { line: 3, message: 'CMPLID is not a whole number' },
        { line: 5, message: 'expected 49 or 51 tab-separated fields, found 3' },
      ]);

      const zip = writeZip(path.join(directory, 'FLAT_CMPL.zip'), [{ name: 'FLAT_CMPL.txt', data: Buffer.from(`${complaintsIn51Fields.join('\r\n')}\r\n`, 'latin1') }]);
      expect(await importComplaints(runtime.database, zip)).toMatchObject({ read: 1, inserted: 1, skipped: 0 });

      const db = runtime.database.db;
      const stalled = await db.selectFrom('complaints').selectAll().where('cmplid', '=', 1001).executeTakeFirstOrThrow();
      expect(stalled).toMatchObject({ odi_number: 11000001, make: 'HONDA', model: 'CIVIC', model_year: 2018, component: 'ENGINE', description: 'ENGINE STALLED AT THE CAFÉ EXIT', state: 'IL', miles: 42000, vehicle_speed: 55, failure_date: '2023-01-20', received_date: '2023-02-01', injured: 1, deaths: 0 });
      expect(toBoolean(stalled.crash)).toBe(true);
      expect(toBoolean(stalled.fire)).toBe(false);
      const octavia = await db.selectFrom('complaints').select('description').where('cmplid', '=', 2001).executeTakeFirstOrThrow();
      expect(octavia.description).toBe('FÉKEK ZAJOSAK - BRAKES NOISY');
    });

    it('stores no VIN, city or dealer field', async () => {
      const rows = await runtime.database.db.selectFrom('complaints').selectAll().execute();
      expect(rows.length).toBe(4);
      const columns = Object.keys(rows[0] ?? {});
      expect(columns.filter((column) => /vin|dealer|city/i.test(column))).toEqual([]);
      const stored = JSON.stringify(rows);
      for (const canary of [VIN_CANARY, DEALER_CANARY, 'SPRINGFIELD', 'DEALERTOWN', '5550100']) expect(stored).not.toContain(canary);
    });

    it('is idempotent: a second run inserts and updates nothing', async () => {
      const report = await importComplaints(runtime.database, path.join(directory, 'FLAT_CMPL.txt'));
      expect(report).toMatchObject({ read: 5, inserted: 0, updated: 0, unchanged: 3, skipped: 2 });
    });
  });

  describe('trouble codes', () => {
    const seedCodes = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-generic.json'), 'utf8')) as {
      code: string;
      description_hu: string;
      symptoms_hu: string[];
      possible_causes_hu: string[];
    }[];
    const manufacturerSeed = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-manufacturer.json'), 'utf8')) as { code: string; make: string; description_en: string; description_hu: string }[];
    const seededRows = seedCodes.length + manufacturerSeed.length;

    it('seeds the bundled generic and manufacturer-specific codes once; the second run changes nothing', async () => {
      const progress: ImportProgress[] = [];
      expect(await seedDtcCodes(runtime.database, { onProgress: (update) => progress.push(update) })).toMatchObject({ read: seededRows, inserted: seededRows, updated: 0, skipped: 0, problems: [] });
      // Progress runs on across both files: the last update has read every record and every byte of both.
      expect(progress.at(-1)).toMatchObject({ read: seededRows, inserted: seededRows });
      expect(progress.at(-1)?.bytesRead).toBe(progress.at(-1)?.totalBytes);
      expect(await seedDtcCodes(runtime.database)).toMatchObject({ read: seededRows, inserted: 0, updated: 0, unchanged: seededRows });
      const repository = new DtcCodesRepository(runtime.database.db);
      for (const entry of manufacturerSeed) expect(await repository.find(entry.code, entry.make), `${entry.code} ${entry.make}`).toMatchObject({ make: entry.make, is_generic: false, description_en: entry.description_en, description_hu: entry.description_hu });
      const misfire = await new DtcCodesRepository(runtime.database.db).find('P0301');
      const seeded = seedCodes.find((code) => code.code === 'P0301');
      expect(misfire).toMatchObject({ system: 'powertrain', is_generic: true, sources: [BUNDLED_DTC_SEED_SOURCE] });
      // The Hungarian lists arrive with the seed, one for one with the English ones.
      expect(misfire?.symptoms_hu).toEqual(seeded?.symptoms_hu);
      expect(misfire?.possible_causes_hu).toEqual(seeded?.possible_causes_hu);
      expect(misfire?.symptoms_hu).toHaveLength(misfire?.symptoms.length ?? -1);
    });

    it('imports Hungarian symptoms and causes (JSON and CSV); a file without them keeps the stored ones', async () => {
      const repository = new DtcCodesRepository(runtime.database.db);
      const jsonFile = path.join(directory, 'hungarian.jsonl');
      writeFileSync(
        jsonFile,
        `${JSON.stringify({ code: 'P0171', description_en: 'System too lean (bank 1)', symptoms: ['Hesitation'], symptoms_hu: ['Akadozik gyorsításkor'], possible_causes_hu: ['Falslevegő a szívócsőben'] })}\n`,
      );
      expect(await importDtcCodes(runtime.database, jsonFile)).toMatchObject({ read: 1, skipped: 0 });
      expect(await repository.find('P0171')).toMatchObject({ symptoms: ['Hesitation'], symptoms_hu: ['Akadozik gyorsításkor'], possible_causes_hu: ['Falslevegő a szívócsőben'] });

      const csvFile = path.join(directory, 'hungarian.csv');
      writeFileSync(csvFile, ['code,description_en,symptoms_hu,possible_causes_hu', 'P0171,System too lean (bank 1),Rángat alapjáraton|Nehezen indul,'].join('\n'));
      expect(await importDtcCodes(runtime.database, csvFile)).toMatchObject({ read: 1, updated: 1, skipped: 0 });
      expect(await repository.find('P0171')).toMatchObject({ symptoms_hu: ['Rángat alapjáraton', 'Nehezen indul'], possible_causes_hu: ['Falslevegő a szívócsőben'] });

      const englishOnly = path.join(directory, 'english-only.jsonl');
      writeFileSync(englishOnly, `${JSON.stringify({ code: 'P0171', description_en: 'System too lean (bank 1)', symptoms: ['Hesitation', 'Rough idle'] })}\n`);
      expect(await importDtcCodes(runtime.database, englishOnly)).toMatchObject({ read: 1, updated: 1 });
      expect(await repository.find('P0171')).toMatchObject({ symptoms: ['Hesitation', 'Rough idle'], symptoms_hu: ['Rángat alapjáraton', 'Nehezen indul'] });
    });

    it('imports CSV: quoted commas and line breaks, | lists, empty cells keep stored values, bad rows by line', async () => {
      const csv = [
        'code,description_en,description_hu,severity,symptoms,possible_causes,related_codes',
        'p0301,"Cylinder 1 misfire, detected",,high,"Rough idle|Check engine light flashing",,P0300',
        'P1ABC,"Manufacturer code with a',
        'line break in its description",Gyártói kód,low,,,',
        'P0302,missing severity is fine,,,,,',
        'X0000,not a code,,,,,',
        'P0303,bad severity,,extreme,,,',
        'P0304,too,few',
      ].join('\n');
      const file = path.join(directory, 'workshop-codes.csv');
      writeFileSync(file, csv);
      const problems: ImportProblem[] = [];
      const report = await importDtcCodes(runtime.database, file, { onProblem: (problem) => problems.push(problem) });
      expect(report).toMatchObject({ read: 6, inserted: 1, updated: 2, skipped: 3 });
      expect(problems.map((problem) => problem.line)).toEqual([6, 7, 8]);
      expect(problems[0]?.message).toMatch(/code is not a DTC code/);
      expect(problems[1]?.message).toMatch(/severity must be one of/);
      expect(problems[2]?.message).toBe('expected 7 fields as in the header, found 3');

      const misfire = await new DtcCodesRepository(runtime.database.db).find('P0301');
      const seeded = seedCodes.find((code) => code.code === 'P0301');
      expect(misfire).toMatchObject({
        description_en: 'Cylinder 1 misfire, detected',
        description_hu: seeded?.description_hu,
        severity: 'high',
        symptoms: ['Rough idle', 'Check engine light flashing'],
        related_codes: ['P0300'],
        sources: [BUNDLED_DTC_SEED_SOURCE, 'workshop-codes'],
      });
      expect((misfire?.possible_causes.length ?? 0) > 0).toBe(true);
      const manufacturer = await new DtcCodesRepository(runtime.database.db).find('P1ABC');
      expect(manufacturer).toMatchObject({ description_en: 'Manufacturer code with a\nline break in its description', description_hu: 'Gyártói kód', is_generic: false, severity: 'low' });
      expect(await importDtcCodes(runtime.database, file)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, skipped: 3 });
    });

    it('imports a make per record (JSON and CSV): the same code keeps one meaning per make; a make on a generic code is refused with its line', async () => {
      const repository = new DtcCodesRepository(runtime.database.db);
      const jsonFile = path.join(directory, 'makes.jsonl');
      writeFileSync(
        jsonFile,
        [
          { code: 'P1F31', make: ' ford ', description_en: 'Ford meaning of P1F31' },
          { code: 'P1F31', make: 'Toyota', description_en: 'Toyota meaning of P1F31' },
          { code: 'P1F31', description_en: 'Meaning for every make of P1F31' },
          { code: 'P0300', make: 'FORD', description_en: 'Random misfire' },
          { code: 'P1F31', make: 'FORD', description_en: 'Repeated Ford row' },
          { code: 'P1F32', make: 'Ford; drop table', description_en: 'Bad make' },
          { code: 'P1F32', make: 'X'.repeat(33), description_en: 'Make too long' },
          { code: 'P1F32', make: 'Mercedes-Benz', description_en: 'Mercedes meaning of P1F32' },
        ]
          .map((record) => JSON.stringify(record))
          .join('\n'),
      );
      const problems: ImportProblem[] = [];
      const report = await importDtcCodes(runtime.database, jsonFile, { onProblem: (problem) => problems.push(problem) });
      expect(report).toMatchObject({ read: 8, inserted: 4, skipped: 4 });
      expect(problems).toEqual([
        { line: 4, message: `${DTC_MAKE_ON_GENERIC_MESSAGE} (P0300 is a generic SAE code)` },
        { line: 5, message: 'code P1F31 for FORD already appeared earlier in the file; the first occurrence is kept' },
        { line: 6, message: 'make must be 1-32 letters, digits, spaces or hyphens' },
        { line: 7, message: 'make must be 1-32 letters, digits, spaces or hyphens' },
      ]);
      expect(await repository.find('P1F31', 'ford')).toMatchObject({ make: 'FORD', description_en: 'Ford meaning of P1F31' });
      expect(await repository.find('P1F31', 'TOYOTA')).toMatchObject({ make: 'TOYOTA', description_en: 'Toyota meaning of P1F31' });
      // A make without its own row gets the meaning for every make.
      expect(await repository.find('P1F31', 'SUZUKI')).toMatchObject({ make: null, description_en: 'Meaning for every make of P1F31' });
      expect(await repository.find('P1F31')).toMatchObject({ make: null });
      expect(await repository.find('P1F32', 'MERCEDES-BENZ')).toMatchObject({ make: 'MERCEDES-BENZ' });
      // Only make-specific rows: no meaning for every make, so a look-up without a make finds none.
      expect(await repository.find('P1F32')).toBeUndefined();
      expect((await repository.variants('P1F31')).map((variant) => variant.make)).toEqual([null, 'FORD', 'TOYOTA']);
      expect((await repository.find('P0300'))?.make).toBeNull();

      const csvFile = path.join(directory, 'makes.csv');
      writeFileSync(csvFile, ['code,make,description_en,description_hu', 'P1F31,FORD,Ford meaning of P1F31 (revised),Ford-jelentés', 'P1F31,,Meaning for every make of P1F31,', 'P0301,TOYOTA,Misfire,'].join('\n'));
      const csvProblems: ImportProblem[] = [];
      expect(await importDtcCodes(runtime.database, csvFile, { onProblem: (problem) => csvProblems.push(problem) })).toMatchObject({ read: 3, inserted: 0, updated: 1, unchanged: 1, skipped: 1 });
      expect(csvProblems).toEqual([{ line: 4, message: `${DTC_MAKE_ON_GENERIC_MESSAGE} (P0301 is a generic SAE code)` }]);
      expect(await repository.find('P1F31', 'FORD')).toMatchObject({ description_en: 'Ford meaning of P1F31 (revised)', description_hu: 'Ford-jelentés' });
      expect(await repository.find('P1F31', 'TOYOTA')).toMatchObject({ description_en: 'Toyota meaning of P1F31', description_hu: null });
    });

    it('imports JSON Lines and reports a broken value by its line', async () => {
      const file = path.join(directory, 'extra.jsonl');
      writeFileSync(
        file,
        ['{"code":"B1999","description_en":"Body test code","severity":"low"}', '{"code":"B1998", "description_en": ', '{"code":"C1999","description_en":"Chassis test code","related_codes":["bogus"]}', '[1,2]', '{"code":"U1999","description_en":"Network test code"}'].join('\n'),
      );
      const problems: ImportProblem[] = [];
      const report = await importDtcCodes(runtime.database, file, { onProblem: (problem) => problems.push(problem) });
      expect(report).toMatchObject({ inserted: 2, skipped: 3 });
      expect(problems.map((problem) => problem.line)).toEqual([2, 3, 4]);
      expect(problems.map((problem) => problem.message)).toEqual(['not valid JSON', 'related_codes has an entry that is not a DTC code', 'expected an object with code and description_en']);
    });
  });
});
