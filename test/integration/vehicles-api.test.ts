import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importComplaints, importRecalls } from '../../src/importers/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { SAMPLE_COMPLAINT_LINES, SAMPLE_RECALL_LINES, fixtureDirectory, writeLines } from '../helpers/nhtsa-fixtures.js';
import { checkDigitOf, withCheckDigit, withWrongCheckDigit } from '../helpers/vin.js';

interface ErrorResponse {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

describe('vehicle routes: /api/v1/vehicles', () => {
  let testApp: TestApp;
  let directory: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    directory = fixtureDirectory();
    await importRecalls(testApp.runtime.database, writeLines(path.join(directory, 'FLAT_RCL.txt'), SAMPLE_RECALL_LINES));
    await importComplaints(testApp.runtime.database, writeLines(path.join(directory, 'FLAT_CMPL.txt'), SAMPLE_COMPLAINT_LINES));
  });
  afterAll(async () => {
    await testApp.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const get = (url: string) => testApp.app.inject({ method: 'GET', url });

  it('lists the makes of recalls and complaints together, alphabetically, paginated', async () => {
    const all = await get('/api/v1/vehicles/makes');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({ items: ['FORD', 'HONDA', 'SKODA', 'TOYOTA'], total: 4, limit: 100, offset: 0 });
    const page = await get('/api/v1/vehicles/makes?limit=2&offset=1');
    expect(page.json()).toEqual({ items: ['HONDA', 'SKODA'], total: 4, limit: 2, offset: 1 });
  });

  it('lists the models of a make, whatever its case', async () => {
    expect((await get('/api/v1/vehicles/models?make=%20honda%20')).json()).toEqual({ items: ['CIVIC'], total: 1, limit: 100, offset: 0 });
    expect((await get('/api/v1/vehicles/models?make=skoda')).json()).toMatchObject({ items: ['OCTAVIA'] });
    expect((await get('/api/v1/vehicles/models?make=NOBODY')).json()).toMatchObject({ items: [], total: 0 });
    const missing = await get('/api/v1/vehicles/models');
    expect(missing.statusCode).toBe(422);
    expect(missing.json<ErrorResponse>().error.details).toEqual([expect.objectContaining({ field: 'make' })]);
  });

  it('lists the recalls of one vehicle, newest report first', async () => {
    const response = await get('/api/v1/vehicles/honda/Civic/2018/recalls');
    expect(response.statusCode).toBe(200);
    const body = response.json<{ vehicle: unknown; items: { campaign_number: string; component: string; report_received_date: string; do_not_drive: boolean | null }[]; total: number }>();
    expect(body.vehicle).toEqual({ make: 'HONDA', model: 'CIVIC', year: 2018 });
    expect(body.total).toBe(2);
    expect(body.items.map((item) => [item.campaign_number, item.report_received_date])).toEqual([
      ['23V100000', '2023-01-15'],
      ['22V200000', '2022-05-10'],
    ]);
    expect(body.items[0]).toMatchObject({ component: 'ENGINE AND ENGINE COOLING:ENGINE', potentially_affected: 1200, do_not_drive: false, defect_summary: 'The engine may stall.' });
    const paged = await get('/api/v1/vehicles/HONDA/CIVIC/2018/recalls?limit=1&offset=1');
    expect(paged.json()).toMatchObject({ total: 2, limit: 1, offset: 1, items: [expect.objectContaining({ campaign_number: '22V200000' })] });
  });

  it('finds a model whose name holds a slash when it is percent-encoded', async () => {
    const response = await get(`/api/v1/vehicles/FORD/${encodeURIComponent('F-150/F-250')}/2020/recalls`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ vehicle: { model: 'F-150/F-250' }, total: 1 });
  });

  it('lists complaints with per-complaint crash, fire, injury and death totals, without VINs', async () => {
    const response = await get('/api/v1/vehicles/HONDA/CIVIC/2018/complaints');
    expect(response.statusCode).toBe(200);
    const body = response.json<{ items: { cmplid: number }[]; total: number; totals: unknown }>();
    expect(body.total).toBe(3);
    expect(body.items.map((item) => item.cmplid)).toEqual([1003, 1002, 1001]);
    // ODI 11000001 spans two lines (ENGINE, POWER TRAIN) but is one complaint with one injury.
    expect(body.totals).toEqual({ complaints: 2, crashes: 1, fires: 1, injuries: 1, deaths: 1 });
    expect(response.body).not.toMatch(/vin|1HGCM82633A004352/i);
  });

  it('answers a vehicle without data with empty lists and zero totals', async () => {
    const response = await get('/api/v1/vehicles/HONDA/CIVIC/1999/complaints');
    expect(response.json()).toMatchObject({ items: [], total: 0, totals: { complaints: 0, crashes: 0, fires: 0, injuries: 0, deaths: 0 } });
  });

  it.each(['/api/v1/vehicles/HONDA/CIVIC/20x8/recalls', '/api/v1/vehicles/HONDA/CIVIC/1800/complaints', '/api/v1/vehicles/HONDA/CIVIC/2018/recalls?limit=500'])(
    'answers %s with 422',
    async (url) => {
      const response = await get(url);
      expect(response.statusCode).toBe(422);
      expect(response.json<ErrorResponse>().error.code).toBe('validation_failed');
    },
  );

  describe('VIN decoding', () => {
    it('decodes a valid VIN offline', async () => {
      const vin = withCheckDigit('1HGCM82603A004352');
      const response = await get(`/api/v1/vehicles/vin/${vin}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        vin,
        wmi: '1HG',
        vds: vin.slice(3, 9),
        vis: vin.slice(9),
        region: 'North America',
        manufacturer: 'Honda',
        country: 'United States',
        check_digit: { found: checkDigitOf(vin), expected: checkDigitOf(vin), valid: true, required: true },
        model_year: 2003,
        model_year_candidates: [2003, 2033],
        model_year_basis: 'position_7',
        plant_code: 'A',
        serial_number: '004352',
      });
    });

    it('refuses a mistyped check digit with 422 vin_check_digit_mismatch naming the expected digit', async () => {
      const vin = withWrongCheckDigit('1HGCM82603A004352');
      const response = await get(`/api/v1/vehicles/vin/${vin}`);
      expect(response.statusCode).toBe(422);
      const body = response.json<ErrorResponse>();
      expect(body.error.code).toBe('vin_check_digit_mismatch');
      expect(body.error.message).toContain(`the other characters give ${checkDigitOf(vin)}`);
    });

    it.each([
      ['1HGCM82O03A004352', /letters I, O or Q \(found O at position 8/, { problem: 'vin_forbidden_letter', params: { position: 8, character: 'O' } }],
      ['1HGCM8260', /exactly 17 characters; this one has 9/, { problem: 'vin_length', params: { count: 9 } }],
      ['1HGCM82603A0043521', /exactly 17 characters; this one has 18/, { problem: 'vin_length', params: { count: 18 } }],
    ])('refuses %s with 422 vin_invalid, a specific message and the kind of problem', async (vin, message, problem) => {
      const response = await get(`/api/v1/vehicles/vin/${vin}`);
      expect(response.statusCode).toBe(422);
      const body = response.json<ErrorResponse>();
      expect(body.error.code).toBe('vin_invalid');
      expect(body.error.message).toMatch(message);
      expect(body.error.details).toEqual([{ field: 'vin', message: body.error.message, ...problem }]);
    });
  });
});
