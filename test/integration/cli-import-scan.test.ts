import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SCAN_MILEAGE_KM, SCAN_FORMAT_NAMES } from '../../src/cli/constants.js';
import { loadConfig } from '../../src/config/index.js';
import { GarageRepository } from '../../src/db/repositories/garage.js';
import { ScansRepository } from '../../src/db/repositories/scans.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { MAX_ODOMETER_KM } from '../../src/garage/reminders.js';
import { SCAN_FORMATS } from '../../src/garage/scan-import.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { generatedSecret, uniqueId } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot } from '../helpers/process.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/test-databases.js';

const fixture = (name: string): string => path.join(projectRoot, 'test', 'fixtures', 'scans', name);

/**
 * `autocognitix import scan` (issue 20) as a workshop runs it, in-process: on
 * the embedded SQLite file in a temporary DATA_DIR, and on the redis-postgres
 * run on a PostgreSQL database of its own. The test opens the same database
 * to make the vehicle and to see what was stored.
 */
describe('autocognitix import scan', { timeout: 60_000 }, () => {
  let dataDir: string;
  let scratch: ScratchDatabase | undefined;
  let env: Record<string, string | undefined>;
  let runtime: Runtime;
  let userId: string;

  const cli = (args: readonly string[]) => runCli(args, env);
  const addVehicle = async (): Promise<string> => (await new GarageRepository(runtime.database.db).addVehicle(userId, { make: 'Skoda', model: 'Fabia', year: 2010 })).id;
  const scansOf = async (vehicleId: string) => (await new ScansRepository(runtime.database.db).list(userId, vehicleId, { limit: 100 }))?.items ?? [];
  const readingsOf = (vehicleId: string) => runtime.database.db.selectFrom('odometer_readings').select(['km', 'source']).where('vehicle_id', '=', vehicleId).execute();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-scans-'));
    const postgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';
    if (postgres) scratch = await createScratchDatabase('scans');
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      JWT_SECRET_KEY: generatedSecret(),
      DATABASE_URL: scratch?.url,
      REDIS_URL: postgres ? process.env.REDIS_URL : undefined,
      REDIS_KEY_PREFIX: postgres ? `test:${uniqueId()}:` : undefined,
    };
    runtime = await openRuntime(loadConfig(env).config, { migrate: true });
    userId = (await new UsersRepository(runtime.database.db).create({ email: `workshop-${uniqueId()}@example.com`, passwordHash: 'not-a-hash', fullName: null })).id;
  });
  afterAll(async () => {
    await runtime.store.deleteWithPrefix('').catch(() => undefined);
    await runtime.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports one file per scan, reports each, records the odometer from the transcript', async () => {
    const vehicleId = await addVehicle();
    const result = await cli(['import', 'scan', fixture('elm327-session.txt'), fixture('torque-log.csv'), fixture('json-scan.json'), '--vehicle', vehicleId]);
    expect(result.code, result.output).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/elm327-session\.txt: scan [0-9a-f-]{36} \(elm327, 8 codes, 1 freeze frames, 0 series, odometer 123457 km recorded\)$/);
    expect(lines[1]).toMatch(/torque-log\.csv: scan [0-9a-f-]{36} \(torque-csv, 0 codes/);
    // The JSON scan's mileage (123457) equals the latest: recorded too.
    expect(lines[2]).toMatch(/json-scan\.json: scan [0-9a-f-]{36} \(json, 3 codes, 1 freeze frames, 3 series, odometer 123457 km recorded\)$/);
    const stored = await scansOf(vehicleId);
    expect(stored.map((scan) => [scan.file_name, scan.format]).sort()).toEqual([
      ['elm327-session.txt', 'elm327'],
      ['json-scan.json', 'json'],
      ['torque-log.csv', 'torque-csv'],
    ]);
    expect(await readingsOf(vehicleId)).toEqual([
      { km: 123_457, source: 'scan' },
      { km: 123_457, source: 'scan' },
    ]);
  });

  it('--format and --mileage apply to every file; a lower mileage is stored with the scan, not as a reading', async () => {
    const vehicleId = await addVehicle();
    const first = await cli(['import', 'scan', fixture('car-scanner-long.csv'), '--vehicle', vehicleId, '--format', 'torque-csv', '--mileage', '90000']);
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain('odometer 90000 km recorded');
    const lower = await cli(['import', 'scan', fixture('torque-log-semicolon.csv'), '--vehicle', vehicleId, '--mileage', '80000']);
    expect(lower.code, lower.output).toBe(0);
    expect(lower.stdout).toContain('odometer 80000 km not recorded (lower than the latest reading; --correct records it)');
    expect(await readingsOf(vehicleId)).toEqual([{ km: 90_000, source: 'scan' }]);
    expect((await scansOf(vehicleId)).map((scan) => scan.mileage_km).sort()).toEqual([80_000, 90_000]);
    // --correct: the latest (90 000) was mistyped; the lower reading is recorded.
    const corrected = await cli(['import', 'scan', fixture('torque-log-semicolon.csv'), '--vehicle', vehicleId, '--mileage', '80000', '--correct']);
    expect(corrected.code, corrected.output).toBe(0);
    expect(corrected.stdout).toContain('odometer 80000 km recorded');
    expect((await readingsOf(vehicleId)).map((reading) => reading.km).sort()).toEqual([80_000, 90_000]);
  });

  it('a bad file is named with its line and reason, the others are still imported, and the exit status is 1', async () => {
    const vehicleId = await addVehicle();
    const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-scans-files-'));
    try {
      const missing = path.join(scratchDir, 'missing.csv');
      const result = await cli(['import', 'scan', fixture('torque-malformed.csv'), missing, scratchDir, fixture('json-scan.json'), '--vehicle', vehicleId]);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toContain(`${fixture('torque-malformed.csv')}: not imported: line 4: engine_rpm: "8x20" is not a number`);
      expect(result.stderr).toContain(`${missing}: not imported: no such file`);
      expect(result.stderr).toContain(`${scratchDir}: not imported: a directory, not a file`);
      expect(result.stderr).toContain('error: 3 of 4 files were not imported');
      expect(result.stdout).toContain('json-scan.json: scan ');
      expect((await scansOf(vehicleId)).map((scan) => scan.file_name)).toEqual(['json-scan.json']);
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
  });

  it('an unknown vehicle is exit 1 naming it; usage mistakes are exit 2; nothing is stored', async () => {
    const unknown = await cli(['import', 'scan', fixture('json-scan.json'), '--vehicle', 'no-such-vehicle']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: no vehicle with the id no-such-vehicle');
    const vehicleId = await addVehicle();
    for (const args of [
      ['import', 'scan', fixture('json-scan.json')],
      ['import', 'scan', '--vehicle', vehicleId],
      ['import', 'scan', fixture('json-scan.json'), '--vehicle', vehicleId, '--format', 'xml'],
      ['import', 'scan', fixture('json-scan.json'), '--vehicle', vehicleId, '--mileage', '-5'],
      ['import', 'scan', fixture('json-scan.json'), '--vehicle', vehicleId, '--mileage', '2000001'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(await scansOf(vehicleId)).toEqual([]);
  });

  it('a JSON scan written by hand (a mileage, no codes) is read from a path relative to the working directory', async () => {
    const vehicleId = await addVehicle();
    const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-scans-relative-'));
    try {
      writeFileSync(path.join(scratchDir, 'odo.json'), JSON.stringify({ format: 'autocognitix-scan', version: 1, mileageKm: 4321, codes: [] }));
      const result = await cli(['import', 'scan', path.relative(projectRoot, path.join(scratchDir, 'odo.json')), '--vehicle', vehicleId]);
      expect(result.code, result.output).toBe(0);
      expect(await readingsOf(vehicleId)).toEqual([{ km: 4321, source: 'scan' }]);
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
  });

  it('the command line knows the same formats and mileage bound as the import', () => {
    expect([...SCAN_FORMAT_NAMES]).toEqual([...SCAN_FORMATS]);
    expect(MAX_SCAN_MILEAGE_KM).toBe(MAX_ODOMETER_KM);
  });
});
