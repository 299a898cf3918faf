import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecallsRepository } from '../../src/db/repositories/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { withCheckDigit, withWrongCheckDigit } from '../helpers/vin.js';

interface Vehicle {
  id: string;
  make: string;
  model: string;
  year: number;
  vin: string | null;
  nickname: string | null;
}
interface Note {
  id: string;
  codes: string[];
  symptoms: string;
}

describe('garage: a user\'s own vehicles and notes', () => {
  let testApp: TestApp;
  let owner: { headers: Record<string, string> };
  let stranger: { headers: Record<string, string> };

  const call = (who: { headers: Record<string, string> }, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method, url: `/api/v1/garage${url}`, headers: who.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  async function addVehicle(who = owner, body: Record<string, unknown> = { make: 'Suzuki', model: 'Vitara', year: 2019 }): Promise<Vehicle> {
    const response = await call(who, 'POST', '/vehicles', body);
    expect(response.statusCode).toBe(201);
    return response.json<Vehicle>();
  }

  beforeAll(async () => {
    testApp = await startTestApp();
    owner = { headers: bearer((await registerVerifiedAndLogin(testApp)).tokens.access_token) };
    stranger = { headers: bearer((await registerVerifiedAndLogin(testApp)).tokens.access_token) };
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('pages the list with the true total on every page, full or not, and past the end', async () => {
    const garage = { headers: bearer((await registerVerifiedAndLogin(testApp)).tokens.access_token) };
    for (const model of ['A', 'B', 'C']) await addVehicle(garage, { make: 'Paging', model, year: 2020 });
    const page = async (query: string) => (await call(garage, 'GET', `/vehicles${query}`)).json<{ items: Vehicle[]; total: number }>();
    const pages = await Promise.all(['', '?limit=2', '?limit=2&offset=2', '?limit=3', '?offset=5'].map(page));
    expect(pages.map((listed) => [listed.items.length, listed.total])).toEqual([
      [3, 3],
      [2, 3],
      [1, 3],
      [3, 3],
      [0, 3],
    ]);
  });

  it('adds, lists, reads, changes and removes a vehicle; make and model are normalised', async () => {
    const vin = withCheckDigit('1HGCM82630A004352');
    const created = await addVehicle(owner, { make: ' suzuki ', model: 'vitara', year: 2019, vin: vin.toLowerCase(), nickname: 'A családi autó' });
    expect(created).toMatchObject({ make: 'SUZUKI', model: 'VITARA', year: 2019, vin, nickname: 'A családi autó' });

    const list = await call(owner, 'GET', '/vehicles');
    expect(list.json<{ items: Vehicle[]; total: number }>().items.map((vehicle) => vehicle.id)).toContain(created.id);
    expect((await call(owner, 'GET', `/vehicles/${created.id}`)).json<Vehicle>().id).toBe(created.id);

    const changed = await call(owner, 'PUT', `/vehicles/${created.id}`, { nickname: null, year: 2020 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json<Vehicle>()).toMatchObject({ nickname: null, year: 2020, make: 'SUZUKI' });

    expect((await call(owner, 'DELETE', `/vehicles/${created.id}`)).statusCode).toBe(204);
    expect((await call(owner, 'GET', `/vehicles/${created.id}`)).statusCode).toBe(404);
  });

  it.each([
    ['a year far in the future', { make: 'Opel', model: 'Astra', year: 2099 }, 'year'],
    ['a malformed VIN', { make: 'Opel', model: 'Astra', year: 2015, vin: 'NOT-A-VIN' }, 'vin'],
    ['a North American VIN with a wrong check digit', { make: 'Honda', model: 'Accord', year: 2003, vin: withWrongCheckDigit('1HGCM82630A004352') }, 'vin'],
    ['an unknown field', { make: 'Opel', model: 'Astra', year: 2015, user_id: 'someone-else' }, 'user_id'],
    ['a missing model', { make: 'Opel', year: 2015 }, 'model'],
    ['issue 14 item 10: a whitespace-only make', { make: '   ', model: 'Astra', year: 2015 }, 'make'],
    ['issue 14 item 10: a whitespace-only model', { make: 'Opel', model: ' \t ', year: 2015 }, 'model'],
  ])('refuses %s with 422', async (_name, body, field) => {
    const response = await call(owner, 'POST', '/vehicles', body);
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.json())).toContain(field);
  });

  it('issue 14 item 10: trims make and model before validating and storing them; a whitespace-only change is refused', async () => {
    const created = await call(owner, 'POST', '/vehicles', { make: '  Opel ', model: ' Astra  ', year: 2015 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ make: 'OPEL', model: 'ASTRA' });
    const id = created.json<{ id: string }>().id;
    const blank = await call(owner, 'PUT', `/vehicles/${id}`, { model: '   ' });
    expect(blank.statusCode).toBe(422);
    expect((await call(owner, 'GET', `/vehicles/${id}`)).json()).toMatchObject({ model: 'ASTRA' });
  });

  it('keeps markup in a nickname as plain text', async () => {
    const nickname = '<script>window.__pwned=1</script><img src=x onerror=alert(1)>';
    const vehicle = await addVehicle(owner, { make: 'Skoda', model: 'Octavia', year: 2017, nickname });
    expect((await call(owner, 'GET', `/vehicles/${vehicle.id}`)).json<Vehicle>().nickname).toBe(nickname);
  });

  it('adds, lists and removes notes; codes are upper-cased and deduplicated', async () => {
    const vehicle = await addVehicle();
    const added = await call(owner, 'POST', `/vehicles/${vehicle.id}/notes`, { codes: ['p0301', 'P0301', 'P0420'], symptoms: 'Rángat hidegindításnál' });
    expect(added.statusCode).toBe(201);
    const note = added.json<Note>();
    expect(note).toMatchObject({ codes: ['P0301', 'P0420'], symptoms: 'Rángat hidegindításnál' });
    const notes = (await call(owner, 'GET', `/vehicles/${vehicle.id}/notes`)).json<{ items: Note[]; total: number }>();
    expect(notes.total).toBe(1);
    expect((await call(owner, 'DELETE', `/vehicles/${vehicle.id}/notes/${note.id}`)).statusCode).toBe(204);
    expect((await call(owner, 'GET', `/vehicles/${vehicle.id}/notes`)).json<{ total: number }>().total).toBe(0);
  });

  it('refuses malformed note codes and too many codes', async () => {
    const vehicle = await addVehicle();
    expect((await call(owner, 'POST', `/vehicles/${vehicle.id}/notes`, { codes: ['X1234'] })).statusCode).toBe(422);
    expect((await call(owner, 'POST', `/vehicles/${vehicle.id}/notes`, { codes: Array.from({ length: 21 }, (_, index) => `P0${String(100 + index)}`) })).statusCode).toBe(422);
  });

  it('removing a vehicle removes its notes', async () => {
    const vehicle = await addVehicle();
    await call(owner, 'POST', `/vehicles/${vehicle.id}/notes`, { codes: ['P0171'], symptoms: '' });
    expect((await call(owner, 'DELETE', `/vehicles/${vehicle.id}`)).statusCode).toBe(204);
    const left = await testApp.runtime.database.db.selectFrom('diagnosis_notes').select('id').where('vehicle_id', '=', vehicle.id).execute();
    expect(left).toEqual([]);
  });

  it('lists the recalls of a garage vehicle by its make, model and year', async () => {
    const vehicle = await addVehicle(owner, { make: 'Garagemake', model: 'Model X1', year: 2018 });
    await new RecallsRepository(testApp.runtime.database.db).upsert(
      [
        {
          campaign_number: '18V999000',
          make: 'GARAGEMAKE',
          model: 'MODEL X1',
          model_year: 2018,
          component: 'AIR BAGS',
          manufacturer: 'Garage Motors',
          manufacturer_campaign_number: null,
          recall_type: 'V',
          potentially_affected: 10,
          manufactured_from: null,
          manufactured_to: null,
          report_received_date: '2018-05-01',
          owner_notification_date: null,
          fmvss: null,
          defect_summary: 'The air bag may not deploy.',
          consequence_summary: null,
          corrective_action: null,
          notes: null,
          do_not_drive: null,
          park_outside: null,
        },
      ],
      new Date().toISOString(),
    );
    const response = await call(owner, 'GET', `/vehicles/${vehicle.id}/recalls`);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ total: number; items: { campaign_number: string }[]; vehicle: { make: string } }>();
    expect(body.total).toBe(1);
    expect(body.items[0]?.campaign_number).toBe('18V999000');
    expect(body.vehicle.make).toBe('GARAGEMAKE');
  });

  describe('another user\'s rows answer 404 on every route, and change nothing', () => {
    let vehicle: Vehicle;
    let note: Note;
    beforeAll(async () => {
      vehicle = await addVehicle(owner, { make: 'Dacia', model: 'Duster', year: 2021, nickname: 'private' });
      note = (await call(owner, 'POST', `/vehicles/${vehicle.id}/notes`, { codes: ['P0300'], symptoms: 'secret' })).json<Note>();
    });

    it.each<[string, 'GET' | 'PUT' | 'DELETE' | 'POST', (v: Vehicle, n: Note) => string, unknown]>([
      ['GET vehicle', 'GET', (v) => `/vehicles/${v.id}`, undefined],
      ['PUT vehicle', 'PUT', (v) => `/vehicles/${v.id}`, { nickname: 'stolen' }],
      ['DELETE vehicle', 'DELETE', (v) => `/vehicles/${v.id}`, undefined],
      ['GET recalls', 'GET', (v) => `/vehicles/${v.id}/recalls`, undefined],
      ['GET notes', 'GET', (v) => `/vehicles/${v.id}/notes`, undefined],
      ['POST note', 'POST', (v) => `/vehicles/${v.id}/notes`, { codes: [], symptoms: 'planted' }],
      ['DELETE note', 'DELETE', (v, n) => `/vehicles/${v.id}/notes/${n.id}`, undefined],
    ])('%s', async (_name, method, url, payload) => {
      const response = await call(stranger, method, url(vehicle, note), payload);
      expect(response.statusCode).toBe(404);
      expect(errorCode(response)).toBe('not_found');
    });

    it('the stranger\'s own list does not show it, and the owner\'s data is intact', async () => {
      const strangerList = (await call(stranger, 'GET', '/vehicles')).json<{ items: Vehicle[] }>();
      expect(strangerList.items.map((item) => item.id)).not.toContain(vehicle.id);
      expect((await call(owner, 'GET', `/vehicles/${vehicle.id}`)).json<Vehicle>().nickname).toBe('private');
      const notes = (await call(owner, 'GET', `/vehicles/${vehicle.id}/notes`)).json<{ items: Note[] }>();
      expect(notes.items.map((item) => item.symptoms)).toEqual(['secret']);
    });
  });

  it('needs authentication on every route', async () => {
    for (const [method, url] of [
      ['GET', '/vehicles'],
      ['GET', '/vehicles/x'],
      ['GET', '/vehicles/x/notes'],
      ['GET', '/vehicles/x/recalls'],
    ] as const) {
      const response = await request(testApp.app, { method, url: `/api/v1/garage${url}` });
      expect(response.statusCode).toBe(401);
    }
    const write = await request(testApp.app, { method: 'POST', url: '/api/v1/garage/vehicles', payload: { make: 'A', model: 'B', year: 2000 } });
    expect(write.statusCode).toBe(401);
  });

  it('needs a CSRF token on writes', async () => {
    const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/garage/vehicles', headers: owner.headers, payload: { make: 'Opel', model: 'Corsa', year: 2010 } });
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_missing');
  });
});
