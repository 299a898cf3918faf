import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScansRepository } from '../../src/db/repositories/scans.js';
import { MAX_SCANS_PER_VEHICLE } from '../../src/garage/scan-import.js';
import { SCAN_UPLOAD_RATE_LIMITS } from '../../src/http/garage-scans.js';
import { accountRateLimitKey } from '../../src/security/store-keys.js';
import { StoreUnavailableError } from '../../src/stores/key-value-store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, csrfTokenFor, errorCode, registerAndLogin, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { testConfig } from '../helpers/backends.js';
import { multipartBody, type FormPart } from '../helpers/multipart.js';
import { projectRoot } from '../helpers/process.js';

const fixture = (name: string): Buffer => readFileSync(path.join(projectRoot, 'test', 'fixtures', 'scans', name));

interface Summary {
  id: string;
  vehicle_id: string;
  format: string;
  file_name: string;
  taken_at: string | null;
  uploaded_at: string;
  mileage_km: number | null;
  code_counts: { stored: number; pending: number; permanent: number };
  series_names: string[];
}
interface Detail extends Summary {
  codes: { code: string; status: string; ecu: string | null }[];
  freeze_frames: { code: string | null; ecu: string | null; values: Record<string, { value: number; unit: string }> }[];
  series: Record<string, { unit: string; points: [number, number][] }>;
  unknown_columns: string[];
  odometer: { km: number; recorded: boolean; reason: string | null } | null;
  analysis: { codes: { code: string; known: boolean; description: string | null; severity: string | null; system: string }[]; highest_severity: string | null; findings: unknown[] };
}
type Who = { headers: Record<string, string> };

describe('garage: scans uploaded from OBD apps and adapters (issue 20)', () => {
  let testApp: TestApp;
  let owner: Who & { id: string; email: string; password: string };
  let stranger: Who;

  const call = (who: Who, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method, url: `/api/v1/garage${url}`, headers: who.headers, ...(payload === undefined ? {} : { payload }) });
  const upload = (who: Who, vehicleId: string, parts: readonly FormPart[], options: { csrf?: boolean; app?: TestApp } = {}): Promise<LightMyRequestResponse> => {
    const body = multipartBody(parts);
    return request((options.app ?? testApp).app, {
      method: 'POST',
      url: `/api/v1/garage/vehicles/${vehicleId}/scans`,
      headers: { ...who.headers, ...body.headers },
      payload: body.payload,
      ...(options.csrf === false ? { csrf: false } : {}),
    });
  };
  const file = (name: string, content: Buffer | string = fixture(name)): FormPart => ({ name: 'file', filename: name, content });

  async function addVehicle(who: Who = owner, app: TestApp = testApp): Promise<string> {
    const response = await request(app.app, { method: 'POST', url: '/api/v1/garage/vehicles', headers: who.headers, payload: { make: 'Opel', model: 'Astra', year: 2012 } });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string }>().id;
  }
  const scanCount = async (vehicleId: string): Promise<number> =>
    (await testApp.runtime.database.db.selectFrom('garage_scans').select('id').where('vehicle_id', '=', vehicleId).execute()).length;
  const readingKms = async (vehicleId: string, who: Who = owner): Promise<{ km: number; source: string }[]> =>
    (await call(who, 'GET', `/vehicles/${vehicleId}/odometer`)).json<{ items: { km: number; source: string }[] }>().items;

  beforeAll(async () => {
    testApp = await startTestApp();
    const account = await registerVerifiedAndLogin(testApp);
    owner = { ...account, headers: bearer(account.tokens.access_token) };
    stranger = { headers: bearer((await registerVerifiedAndLogin(testApp)).tokens.access_token) };
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await testApp.close();
  });

  describe('each format', () => {
    it('a Torque Pro CSV log (format guessed): canonical series, unknown columns kept, taken_at from GPS Time, no codes, no mileage', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [file('torque-log.csv')]);
      expect(response.statusCode, response.body).toBe(201);
      const scan = response.json<Detail>();
      expect(scan).toMatchObject({ vehicle_id: vehicleId, format: 'torque-csv', file_name: 'torque-log.csv', taken_at: '2026-12-03T13:22:05.000Z', mileage_km: null, odometer: null, code_counts: { stored: 0, pending: 0, permanent: 0 } });
      expect(scan.series_names).toEqual(expect.arrayContaining(['engine_rpm', 'vehicle_speed', 'coolant_temp', 'ltft_bank1', 'intake_map', 'Turbo Boost & Vacuum Gauge(psi)']));
      expect(scan.series.engine_rpm?.unit).toBe('rpm');
      expect(scan.series.engine_rpm?.points[0]).toEqual([0, 812.5]);
      expect(scan.unknown_columns).toEqual(expect.arrayContaining(['Turbo Boost & Vacuum Gauge(psi)', 'Trip Name']));
      expect(scan.analysis).toEqual({ codes: [], highest_severity: null, findings: [] });
      expect(Date.parse(scan.uploaded_at)).not.toBeNaN();
    });

    it('a Car Scanner long CSV log with the format named', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [{ name: 'format', value: 'torque-csv' }, file('car-scanner-long.csv')]);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json<Detail>()).toMatchObject({ format: 'torque-csv', series_names: ['engine_rpm', 'vehicle_speed', 'Boost pressure(bar)'], unknown_columns: ['Boost pressure(bar)'] });
    });

    it('an ELM327 transcript (guessed): codes by status and ECU, the freeze frame, the odometer as a reading from the scan, the quick analysis of the codes', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [file('elm327-session.txt')]);
      expect(response.statusCode, response.body).toBe(201);
      const scan = response.json<Detail>();
      expect(scan).toMatchObject({ format: 'elm327', mileage_km: 123_457, code_counts: { stored: 5, pending: 2, permanent: 1 }, odometer: { km: 123_457, recorded: true, reason: null } });
      expect(scan.codes).toContainEqual({ code: 'P0171', status: 'stored', ecu: '7E8' });
      expect(scan.freeze_frames).toHaveLength(1);
      expect(scan.unknown_columns).toEqual(['mode 02 PID 1C']);
      // Each code once in the analysis (P0420 is stored and permanent), with its system.
      expect(scan.analysis.codes.map((code) => code.code)).toEqual(['P0700', 'P0171', 'P0300', 'P0420', 'U0100', 'P0128', 'B1234']);
      expect(scan.analysis.codes.find((code) => code.code === 'U0100')?.system).toBe('network');
      expect(await readingKms(vehicleId)).toEqual([expect.objectContaining({ km: 123_457, source: 'scan' })]);
      // The detail reads the same back.
      const shown = await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${scan.id}`);
      expect(shown.statusCode).toBe(200);
      expect(shown.json<Detail>()).toEqual(scan);
    });

    it('our JSON scan; a mileage field overrides the scan\'s own', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [{ name: 'mileage_km', value: '150000' }, file('json-scan.json')]);
      expect(response.statusCode, response.body).toBe(201);
      const scan = response.json<Detail>();
      expect(scan).toMatchObject({ format: 'json', taken_at: '2026-12-03T13:22:05.000Z', mileage_km: 150_000, odometer: { km: 150_000, recorded: true }, code_counts: { stored: 1, pending: 1, permanent: 1 } });
      expect(scan.freeze_frames[0]).toMatchObject({ code: 'P0171', ecu: '7E8' });
      // The freeze-frame rules read the frame: a lean mixture at idle with P0171.
      expect(scan.analysis.findings).toContainEqual(expect.objectContaining({ rule: 'lean_at_idle', code: 'P0171', severity: 'warning' }));
      expect(await readingKms(vehicleId)).toEqual([expect.objectContaining({ km: 150_000, source: 'scan' })]);
    });

    it('a file name is stored without its path, control characters, and at most 100 characters', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [{ name: 'file', filename: `C:\\logs\\trip\u0007 ${'é'.repeat(120)}.csv`, content: fixture('torque-log-semicolon.csv') }]);
      expect(response.statusCode, response.body).toBe(201);
      const name = response.json<Detail>().file_name;
      expect(name.startsWith('trip éé')).toBe(true);
      expect(name.length).toBeLessThanOrEqual(100);
    });
  });

  describe('refused uploads store nothing', () => {
    it('a malformed line is 422 scan_invalid with the line and the reason', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [{ name: 'mileage_km', value: '5000' }, file('torque-malformed.csv')]);
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ error: { code: 'scan_invalid', message: expect.stringContaining('line 4') as string, line: 4, reason: 'engine_rpm: "8x20" is not a number' } });
      expect(await scanCount(vehicleId)).toBe(0);
      expect(await readingKms(vehicleId)).toEqual([]);
    });

    it('a file in another format than the one named is 422 scan_invalid', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [{ name: 'format', value: 'json' }, file('torque-log.csv')]);
      expect(response.statusCode).toBe(422);
      expect(response.json<{ error: { code: string; line: number } }>().error).toMatchObject({ code: 'scan_invalid', line: 1 });
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it.each([
      ['an unknown format', [{ name: 'format', value: 'obd-xml' }, { name: 'file', filename: 'a.csv', content: 'x' }], 'format'],
      ['a mileage that is not a number', [{ name: 'mileage_km', value: '12 km' }, { name: 'file', filename: 'a.csv', content: 'x' }], 'mileage_km'],
      ['a mileage above 2 000 000 km', [{ name: 'mileage_km', value: '2000001' }, { name: 'file', filename: 'a.csv', content: 'x' }], 'mileage_km'],
      ['no file', [{ name: 'format', value: 'json' }], 'file'],
      ['the file in another field', [{ name: 'upload', filename: 'a.csv', content: 'x' }], 'upload'],
      ['an unknown text field', [{ name: 'note', value: 'hi' }, { name: 'file', filename: 'a.csv', content: 'x' }], 'note'],
      ['two files', [{ name: 'file', filename: 'a.json', content: fixture('json-scan.json') }, { name: 'file', filename: 'b.json', content: fixture('json-scan.json') }], 'file'],
    ] as [string, FormPart[], string][])('%s is 422 validation_failed naming the field', async (_name, parts, field) => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, parts);
      expect(response.statusCode, response.body).toBe(422);
      expect(errorCode(response)).toBe('validation_failed');
      expect(response.json<{ error: { details: { field: string }[] } }>().error.details[0]?.field).toBe(field);
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it('a body that is not multipart is 415; multipart is not accepted by other routes', async () => {
      const vehicleId = await addVehicle();
      const json = await call(owner, 'POST', `/vehicles/${vehicleId}/scans`, { file: 'x' });
      expect(json.statusCode).toBe(415);
      expect(errorCode(json)).toBe('unsupported_media_type');
      const body = multipartBody([{ name: 'km', value: '1000' }]);
      for (const url of [`/api/v1/garage/vehicles/${vehicleId}/odometer`, `/api/v1/garage/vehicles/${vehicleId}/notes`, '/api/v1/garage/vehicles']) {
        const response = await request(testApp.app, { method: 'POST', url, headers: { ...owner.headers, ...body.headers }, payload: body.payload });
        expect(response.statusCode, url).toBe(415);
      }
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it('without the CSRF token an upload is refused (403) and nothing is stored', async () => {
      const vehicleId = await addVehicle();
      const response = await upload(owner, vehicleId, [file('json-scan.json')], { csrf: false });
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('csrf_missing');
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it('an account whose address is not verified may not upload (403 email_not_verified)', async () => {
      const account = await registerAndLogin(testApp.app);
      const who = { headers: bearer(account.tokens.access_token) };
      const response = await upload(who, await addVehicle(), [file('json-scan.json')]);
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('email_not_verified');
    });
  });

  describe('a file past SCAN_UPLOAD_MAX_BYTES', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await startTestApp({ config: testConfig({ SCAN_UPLOAD_MAX_BYTES: '2048' }) });
    });
    afterAll(async () => {
      await small.close();
    });

    it('is 413 payload_too_large and nothing is stored; one within it is taken', async () => {
      // An app of its own (its own data and keys): an account there.
      const who = { headers: bearer((await registerVerifiedAndLogin(small)).tokens.access_token) };
      const vehicleId = await addVehicle(who, small);
      const rows = Array.from({ length: 400 }, (_, index) => `${index},${800 + index}`);
      const large = `Time,Engine RPM(rpm)\n${rows.join('\n')}\n`;
      expect(large.length).toBeGreaterThan(2048);
      const refused = await upload(who, vehicleId, [{ name: 'mileage_km', value: '1000' }, { name: 'file', filename: 'long.csv', content: large }], { app: small });
      expect(refused.statusCode).toBe(413);
      expect(errorCode(refused)).toBe('payload_too_large');
      const db = small.runtime.database.db;
      expect(await db.selectFrom('garage_scans').select('id').where('vehicle_id', '=', vehicleId).execute()).toEqual([]);
      expect(await db.selectFrom('odometer_readings').select('id').where('vehicle_id', '=', vehicleId).execute()).toEqual([]);

      const taken = await upload(who, vehicleId, [{ name: 'file', filename: 'short.csv', content: `Time,Engine RPM(rpm)\n${rows.slice(0, 50).join('\n')}\n` }], { app: small });
      expect(taken.statusCode, taken.body).toBe(201);
    });

    it('over a real connection, an upload refused before its end is answered and the connection serves the next request', async () => {
      const account = await registerVerifiedAndLogin(small);
      const vehicleId = await addVehicle({ headers: bearer(account.tokens.access_token) }, small);
      const address = await small.app.listen({ port: 0, host: '127.0.0.1' });
      const csrf = await csrfTokenFor(small.app, { headers: bearer(account.tokens.access_token) });
      const cookie = Object.entries(csrf.cookies).map(([name, value]) => `${name}=${value}`).join('; ');
      const send = async (parts: readonly FormPart[]): Promise<{ status: number; code: string | undefined }> => {
        const body = multipartBody(parts);
        const response = await fetch(`${address}/api/v1/garage/vehicles/${vehicleId}/scans`, {
          method: 'POST',
          headers: { ...bearer(account.tokens.access_token), ...body.headers, 'x-csrf-token': csrf.token, cookie },
          body: body.payload,
        });
        const json = (await response.json()) as { error?: { code?: string } };
        return { status: response.status, code: json.error?.code };
      };
      // 4 MB past a 2 KiB limit.
      const large = `Time,Engine RPM(rpm)\n${'1,800\n'.repeat(800_000)}`;
      expect(await send([{ name: 'file', filename: 'large.csv', content: large }])).toEqual({ status: 413, code: 'payload_too_large' });
      expect(await send([{ name: 'file', filename: 'bad.csv', content: 'Time,Engine RPM(rpm)\n1,fast\n' }])).toEqual({ status: 422, code: 'scan_invalid' });
      expect(await send([{ name: 'file', filename: 'ok.csv', content: 'Time,Engine RPM(rpm)\n1,800\n' }])).toEqual({ status: 201, code: undefined });
      const db = small.runtime.database.db;
      expect(await db.selectFrom('garage_scans').select('file_name').where('vehicle_id', '=', vehicleId).execute()).toEqual([{ file_name: 'ok.csv' }]);
    });
  });

  it('over a real connection, a bad line early in a large file is refused at that line and the rest of the body is dropped', async () => {
    const vehicleId = await addVehicle();
    const address = await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    const csrf = await csrfTokenFor(testApp.app, { headers: owner.headers });
    const cookie = Object.entries(csrf.cookies).map(([name, value]) => `${name}=${value}`).join('; ');
    const body = multipartBody([{ name: 'file', filename: 'bad.csv', content: `Time,Engine RPM(rpm)\n1,fast\n${'1,800\n'.repeat(800_000)}` }]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await fetch(`${address}/api/v1/garage/vehicles/${vehicleId}/scans`, { method: 'POST', headers: { ...owner.headers, ...body.headers, 'x-csrf-token': csrf.token, cookie }, body: body.payload });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ error: { code: 'scan_invalid', line: 2 } });
    }
    expect(await scanCount(vehicleId)).toBe(0);
  });

  describe('list, show, delete, ownership', () => {
    it('lists summaries newest first with paging, shows one, deletes it (its reading stays)', async () => {
      const vehicleId = await addVehicle();
      const first = (await upload(owner, vehicleId, [file('elm327-session.txt')])).json<Detail>();
      const second = (await upload(owner, vehicleId, [file('torque-log.csv')])).json<Detail>();
      const list = await call(owner, 'GET', `/vehicles/${vehicleId}/scans`);
      expect(list.statusCode).toBe(200);
      const page = list.json<{ items: (Summary & Record<string, unknown>)[]; total: number; limit: number; offset: number }>();
      expect(page).toMatchObject({ total: 2, limit: 20, offset: 0 });
      expect(page.items.map((item) => item.id)).toEqual([second.id, first.id]);
      // A summary carries no body.
      expect(Object.keys(page.items[0] ?? {}).sort()).toEqual(['code_counts', 'file_name', 'format', 'id', 'mileage_km', 'series_names', 'taken_at', 'uploaded_at', 'vehicle_id']);
      expect(page.items[1]).toMatchObject({ code_counts: { stored: 5, pending: 2, permanent: 1 }, mileage_km: 123_457 });
      const paged = (await call(owner, 'GET', `/vehicles/${vehicleId}/scans?limit=1&offset=1`)).json<{ items: Summary[]; total: number }>();
      expect(paged).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(paged.items.map((item) => item.id)).toEqual([first.id]);

      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}/scans/${first.id}`)).statusCode).toBe(204);
      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}/scans/${first.id}`)).statusCode).toBe(404);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${first.id}`)).statusCode).toBe(404);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/scans`)).json<{ total: number }>().total).toBe(1);
      expect(await readingKms(vehicleId)).toEqual([expect.objectContaining({ km: 123_457, source: 'scan' })]);
    });

    it('exports a scan as CSV: an attachment named by its day and id, a row a code, freeze-frame value and sample', async () => {
      const vehicleId = await addVehicle();
      const scan = (await upload(owner, vehicleId, [file('json-scan.json')])).json<Detail>();
      const response = await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${scan.id}/export.csv`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(`attachment; filename="scan-2026-12-03-${scan.id.replaceAll('-', '').slice(0, 8)}.csv"`);
      const lines = response.body.split('\r\n');
      expect(lines[0]).toBe('kind,time_ms,name,value,unit,code,status,ecu');
      expect(lines).toContain('code,,,,,P0171,stored,7E8');
      expect(lines.some((line) => line.startsWith('freeze_frame,,ltft_bank1,'))).toBe(true);
      expect(lines.some((line) => line.startsWith('sample,0,engine_rpm,'))).toBe(true);
      expect(lines.at(-1)).toBe('');
      const samples = Object.values(scan.series).reduce((total, series) => total + series.points.length, 0);
      const frameValues = scan.freeze_frames.reduce((total, frame) => total + Object.keys(frame.values).length, 0);
      expect(lines.length).toBe(1 + scan.codes.length + frameValues + samples + 1);

      // A scan without a time is named by its upload day; another user's is 404.
      const untimed = (await upload(owner, vehicleId, [file('elm327-session.txt')])).json<Detail>();
      const named = await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${untimed.id}/export.csv`);
      expect(named.headers['content-disposition']).toContain(`scan-${untimed.uploaded_at.slice(0, 10)}-`);
      expect((await call(stranger, 'GET', `/vehicles/${vehicleId}/scans/${scan.id}/export.csv`)).statusCode).toBe(404);
    });

    it("another user's vehicle and scans answer 404 on every route, and nothing changes", async () => {
      const vehicleId = await addVehicle();
      const scan = (await upload(owner, vehicleId, [file('json-scan.json')])).json<Detail>();
      const strangersVehicle = await addVehicle(stranger);
      const uploadAttempt = await upload(stranger, vehicleId, [file('json-scan.json')]);
      expect(uploadAttempt.statusCode).toBe(404);
      expect(errorCode(uploadAttempt)).toBe('not_found');
      const attempts: [string, 'GET' | 'DELETE', string][] = [
        ['list', 'GET', `/vehicles/${vehicleId}/scans`],
        ['show', 'GET', `/vehicles/${vehicleId}/scans/${scan.id}`],
        ['remove', 'DELETE', `/vehicles/${vehicleId}/scans/${scan.id}`],
        ['show through their own vehicle', 'GET', `/vehicles/${strangersVehicle}/scans/${scan.id}`],
        ['remove through their own vehicle', 'DELETE', `/vehicles/${strangersVehicle}/scans/${scan.id}`],
      ];
      for (const [name, method, url] of attempts) {
        const response = await call(stranger, method, url);
        expect(response.statusCode, name).toBe(404);
        expect(errorCode(response), name).toBe('not_found');
      }
      expect(await scanCount(vehicleId)).toBe(1);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${scan.id}`)).json<Detail>()).toEqual(scan);
    });

    it('without a sign-in every route is 401', async () => {
      expect((await request(testApp.app, { method: 'GET', url: '/api/v1/garage/vehicles/x/scans' })).statusCode).toBe(401);
      const body = multipartBody([file('json-scan.json')]);
      const response = await request(testApp.app, { method: 'POST', url: '/api/v1/garage/vehicles/x/scans', headers: body.headers, payload: body.payload });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('mileage from a scan', () => {
    it('a mileage lower than the latest reading stores the scan but not the reading (lower_than_latest)', async () => {
      const vehicleId = await addVehicle();
      const reading = await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 200_000 });
      expect(reading.statusCode).toBe(201);
      const response = await upload(owner, vehicleId, [file('elm327-session.txt')]);
      expect(response.statusCode, response.body).toBe(201);
      const scan = response.json<Detail>();
      expect(scan).toMatchObject({ mileage_km: 123_457, odometer: { km: 123_457, recorded: false, reason: 'lower_than_latest' } });
      expect(await readingKms(vehicleId)).toEqual([expect.objectContaining({ km: 200_000, source: 'manual' })]);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/scans/${scan.id}`)).json<Detail>().odometer).toEqual({ km: 123_457, recorded: false, reason: 'lower_than_latest' });
    });

    it('with correct_odometer=true a lower mileage is recorded: it corrects a mistyped latest reading', async () => {
      const vehicleId = await addVehicle();
      expect((await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 200_000 })).statusCode).toBe(201);
      const response = await upload(owner, vehicleId, [{ name: 'correct_odometer', value: 'true' }, file('elm327-session.txt')]);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json<Detail>().odometer).toEqual({ km: 123_457, recorded: true, reason: null });
      expect((await readingKms(vehicleId)).map((reading) => reading.km).sort()).toEqual([123_457, 200_000]);
      const refused = await upload(owner, vehicleId, [{ name: 'correct_odometer', value: 'yes' }, file('elm327-session.txt')]);
      expect(refused.statusCode).toBe(422);
      expect(refused.json<{ error: { details: { field: string }[] } }>().error.details[0]?.field).toBe('correct_odometer');
    });

    it('a scan and its reading are stored together or not at all', async () => {
      const vehicleId = await addVehicle();
      const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      // The transaction that stores the scan and its reading fails at its end (the connection drops before COMMIT).
      const db = testApp.runtime.database.db;
      const realTransaction = db.transaction.bind(db);
      let storedInside: unknown;
      vi.spyOn(db, 'transaction').mockImplementationOnce(() => {
        const real = realTransaction();
        return {
          execute: <T>(work: (transaction: never) => Promise<T>): Promise<T> =>
            real.execute(async (transaction) => {
              storedInside = await work(transaction as never);
              throw outage;
            }),
        } as unknown as ReturnType<typeof realTransaction>;
      });
      const response = await upload(owner, vehicleId, [file('elm327-session.txt')]);
      expect(response.statusCode).toBe(503);
      expect(errorCode(response)).toBe('database_unavailable');
      // Both rows were written inside the transaction, and both are gone with it.
      expect(storedInside).toMatchObject({ kind: 'added', scan: { odometer: { recorded: true } } });
      expect(await scanCount(vehicleId)).toBe(0);
      expect(await readingKms(vehicleId)).toEqual([]);
    });
  });

  describe('limits and outages', () => {
    it('uploads count against a per-account budget: over it, 429 rate_limited and nothing stored', async () => {
      const account = await registerVerifiedAndLogin(testApp);
      const who = { headers: bearer(account.tokens.access_token) };
      const vehicleId = await addVehicle(who);
      const { maxRequests, windowMs } = SCAN_UPLOAD_RATE_LIMITS.account;
      for (let index = 0; index < maxRequests; index += 1) await testApp.runtime.store.increment(accountRateLimitKey('garage_scan_uploads', account.id), windowMs);
      const response = await upload(who, vehicleId, [file('json-scan.json')]);
      expect(response.statusCode).toBe(429);
      expect(errorCode(response)).toBe('rate_limited');
      expect(response.headers['retry-after']).toBeDefined();
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it(`a vehicle holds at most ${MAX_SCANS_PER_VEHICLE} scans: 409 scan_limit_reached, nothing stored`, async () => {
      const vehicleId = await addVehicle();
      const repository = new ScansRepository(testApp.runtime.database.db);
      const now = new Date().toISOString();
      for (let index = 0; index < MAX_SCANS_PER_VEHICLE; index += 1) {
        const added = await repository.add(owner.id, vehicleId, { format: 'json', fileName: `${index}.json`, scan: { codes: [], freezeFrames: [], series: {}, unknownColumns: [] }, mileageKm: undefined }, { maxPerVehicle: MAX_SCANS_PER_VEHICLE, now });
        expect(added.kind).toBe('added');
      }
      const refused = await upload(owner, vehicleId, [{ name: 'mileage_km', value: '1000' }, file('json-scan.json')]);
      expect(refused.statusCode).toBe(409);
      expect(errorCode(refused)).toBe('scan_limit_reached');
      expect(await scanCount(vehicleId)).toBe(MAX_SCANS_PER_VEHICLE);
      expect(await readingKms(vehicleId)).toEqual([]);
      // Another vehicle has its own budget.
      expect((await upload(owner, await addVehicle(), [file('json-scan.json')])).statusCode).toBe(201);
    });

    it('fails closed: a store that does not answer the rate limit is 503 store_unavailable, nothing stored', async () => {
      const vehicleId = await addVehicle();
      const csrf = await csrfTokenFor(testApp.app, { headers: owner.headers });
      vi.spyOn(testApp.runtime.store, 'increment').mockRejectedValue(new StoreUnavailableError(undefined, { cause: new Error('connection lost') }));
      const body = multipartBody([file('json-scan.json')]);
      const response = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/garage/vehicles/${vehicleId}/scans`,
        headers: { ...owner.headers, ...body.headers, 'x-csrf-token': csrf.token },
        cookies: csrf.cookies,
        payload: body.payload,
      });
      vi.restoreAllMocks();
      expect(response.statusCode).toBe(503);
      expect(errorCode(response)).toBe('store_unavailable');
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it('fails closed: a database that does not answer is 503 database_unavailable', async () => {
      const vehicleId = await addVehicle();
      const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      vi.spyOn(ScansRepository.prototype, 'list').mockRejectedValueOnce(outage);
      const response = await call(owner, 'GET', `/vehicles/${vehicleId}/scans`);
      expect(response.statusCode).toBe(503);
      expect(errorCode(response)).toBe('database_unavailable');
    });
  });

  describe('the vehicle, the export and erasure', () => {
    it('removing the vehicle removes its scans', async () => {
      const vehicleId = await addVehicle();
      await upload(owner, vehicleId, [file('json-scan.json')]);
      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}`)).statusCode).toBe(204);
      expect(await scanCount(vehicleId)).toBe(0);
    });

    it('the data export has the scans under their vehicle; erasure removes them', async () => {
      const account = await registerVerifiedAndLogin(testApp);
      const who = { headers: bearer(account.tokens.access_token) };
      const vehicleId = await addVehicle(who);
      const scan = (await upload(who, vehicleId, [file('json-scan.json')])).json<Detail>();

      const exported = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me/export', headers: who.headers });
      expect(exported.statusCode).toBe(200);
      const vehicle = exported.json<{ garage: { id: string; scans: Record<string, unknown>[] }[] }>().garage.find((entry) => entry.id === vehicleId);
      const { analysis: _analysis, vehicle_id: _vehicle, ...stored } = scan;
      expect(vehicle?.scans).toEqual([stored]);

      const erased = await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: who.headers, payload: { password: account.password } });
      expect(erased.statusCode).toBe(204);
      expect(await testApp.runtime.database.db.selectFrom('garage_scans').select('id').where('user_id', '=', account.id).execute()).toEqual([]);
    });
  });
});
