import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importComplaints, importRecalls, seedDtcCodes } from '../../src/importers/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { request } from '../helpers/auth-client.js';
import { SAMPLE_COMPLAINT_LINES, SAMPLE_RECALL_LINES, fixtureDirectory, writeLines } from '../helpers/nhtsa-fixtures.js';
import { projectRoot } from '../helpers/process.js';

interface Analysis {
  codes: { code: string; known: boolean; decoded: { system: string; controlled_by: string }; details: { severity: string; make: string | null; description_en: string } | null }[];
  systems: { system: string; codes: string[] }[];
  shared_systems: string[];
  related_pairs: { code: string; related_code: string }[];
  highest_severity: string | null;
  vehicle: null | {
    make: string;
    model: string;
    year: number;
    recalls: { total: number; relevant: number; items: { campaign_number: string }[] };
    complaints: { all: Record<string, number>; relevant: Record<string, number> };
  };
}

describe('POST /api/v1/diagnosis/quick-analyze', () => {
  let testApp: TestApp;
  let directory: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    directory = fixtureDirectory();
    await seedDtcCodes(testApp.runtime.database);
    await importRecalls(testApp.runtime.database, writeLines(path.join(directory, 'FLAT_RCL.txt'), SAMPLE_RECALL_LINES));
    await importComplaints(testApp.runtime.database, writeLines(path.join(directory, 'FLAT_CMPL.txt'), SAMPLE_COMPLAINT_LINES));
  });
  afterAll(async () => {
    await testApp.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const analyze = (payload: unknown) => request(testApp.app, { method: 'POST', url: '/api/v1/diagnosis/quick-analyze', payload: payload as Record<string, unknown> });

  it('explains the codes together: details, shared systems, related pairs, the highest severity', async () => {
    const response = await analyze({ codes: ['P0301', 'p0300', 'U0100', 'P1FFF', 'P0301'] });
    expect(response.statusCode).toBe(200);
    const body = response.json<Analysis>();
    expect(body.codes.map((entry) => [entry.code, entry.known])).toEqual([
      ['P0301', true],
      ['P0300', true],
      ['U0100', true],
      ['P1FFF', false],
    ]);
    expect(body.codes[3]).toMatchObject({ details: null, decoded: { system: 'powertrain', controlled_by: 'manufacturer' } });
    expect(body.systems).toEqual([
      { system: 'powertrain', codes: ['P0301', 'P0300', 'P1FFF'] },
      { system: 'network', codes: ['U0100'] },
    ]);
    expect(body.shared_systems).toEqual(['powertrain']);
    expect(body.related_pairs).toEqual([
      { code: 'P0301', related_code: 'P0300' },
      { code: 'P0300', related_code: 'P0301' },
    ]);
    expect(body.highest_severity).toBe('critical');
    expect(body.vehicle).toBeNull();
  });

  it('is deterministic: the same request gives the same answer', async () => {
    const payload = { codes: ['P0171', 'P0420', 'C0035'], make: 'honda', model: 'civic', year: 2018 };
    const first = await analyze(payload);
    const second = await analyze(payload);
    expect(first.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
  });

  it('adds the vehicle’s recalls (relevant ones first) and complaint counts for the codes’ systems', async () => {
    const response = await analyze({ codes: ['P0301', 'P0300'], make: 'Honda', model: 'Civic', year: 2018 });
    expect(response.statusCode).toBe(200);
    const vehicle = response.json<Analysis>().vehicle;
    expect(vehicle).toMatchObject({ make: 'HONDA', model: 'CIVIC', year: 2018 });
    // Engine recall: powertrain; airbag recall: body, not relevant to misfires.
    expect(vehicle?.recalls).toMatchObject({ total: 2, relevant: 1 });
    expect(vehicle?.recalls.items.map((item) => item.campaign_number)).toEqual(['23V100000', '22V200000']);
    expect(vehicle?.complaints.all).toEqual({ complaints: 2, crashes: 1, fires: 1, injuries: 1, deaths: 1 });
    // Only ODI 11000001 (ENGINE, POWER TRAIN) is powertrain; the ELECTRICAL SYSTEM fire is not.
    expect(vehicle?.complaints.relevant).toEqual({ complaints: 1, crashes: 1, fires: 0, injuries: 1, deaths: 0 });
  });

  it('puts a relevant older recall before an irrelevant newer one', async () => {
    const response = await analyze({ codes: ['B0001'], make: 'HONDA', model: 'CIVIC', year: 2018 });
    const vehicle = response.json<Analysis>().vehicle;
    expect(vehicle?.recalls.items.map((item) => item.campaign_number)).toEqual(['22V200000', '23V100000']);
    expect(vehicle?.recalls.relevant).toBe(1);
  });

  it('reads a manufacturer code as the vehicle’s make defines it, a generic code the same for every make', async () => {
    const manufacturerSeed = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-manufacturer.json'), 'utf8')) as { code: string; make: string; description_en: string }[];
    const meaning = (make: string) => manufacturerSeed.find((entry) => entry.code === 'P1780' && entry.make === make)?.description_en;
    expect(meaning('FORD')).toBeDefined();
    expect(meaning('FORD')).not.toBe(meaning('TOYOTA'));
    const detailsFor = async (vehicle: Record<string, unknown>) => {
      const response = await analyze({ codes: ['P1780', 'P0301'], ...vehicle });
      expect(response.statusCode).toBe(200);
      return response.json<Analysis>().codes.map((entry) => ({ code: entry.code, known: entry.known, make: entry.details?.make, description_en: entry.details?.description_en }));
    };
    const misfire = { code: 'P0301', known: true, make: null, description_en: expect.any(String) as unknown };
    expect(await detailsFor({ make: 'Ford', model: 'Focus', year: 2008 })).toEqual([{ code: 'P1780', known: true, make: 'FORD', description_en: meaning('FORD') }, misfire]);
    expect(await detailsFor({ make: 'toyota', model: 'Corolla', year: 2005 })).toEqual([{ code: 'P1780', known: true, make: 'TOYOTA', description_en: meaning('TOYOTA') }, misfire]);
    // No make, or a make without its own meaning: no meaning for every make exists, so the code is not known.
    expect(await detailsFor({})).toEqual([{ code: 'P1780', known: false, make: undefined, description_en: undefined }, misfire]);
    expect(await detailsFor({ make: 'Suzuki', model: 'Swift', year: 2010 })).toEqual([{ code: 'P1780', known: false, make: undefined, description_en: undefined }, misfire]);
  });

  it.each([
    [{ codes: [] }, 'codes'],
    [{ codes: Array.from({ length: 21 }, (_, index) => `P03${String(index).padStart(2, '0')}`) }, 'codes'],
    [{ codes: ['P0301', 'X0301'] }, 'codes.1'],
    [{ codes: ['P0301'], make: 'HONDA' }, 'model'],
    [{ codes: ['P0301'], make: 'HONDA', model: 'CIVIC', year: 1850 }, 'year'],
    [{ codes: ['P0301'], colour: 'red' }, 'colour'],
  ])('refuses %j with 422 naming %s', async (payload, field) => {
    const response = await analyze(payload);
    expect(response.statusCode).toBe(422);
    const body = response.json<{ error: { code: string; details: { field: string }[] } }>();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.map((detail) => detail.field)).toContain(field);
  });
});
