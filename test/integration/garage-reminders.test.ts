import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, MAX_REMINDERS_PER_VEHICLE, utcDay } from '../../src/garage/reminders.js';
import { GARAGE_WRITE_RATE_LIMITS } from '../../src/http/garage-reminders.js';
import { accountRateLimitKey } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, login, registerAndLogin, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';

interface Reading {
  id: string;
  km: number;
  source: string;
  read_at: string;
}
interface NextDue {
  due_date: string | null;
  due_km: number | null;
  state: 'ok' | 'due_soon' | 'overdue';
  days_left: number | null;
  km_left: number | null;
}
interface Reminder {
  id: string;
  vehicle_id: string;
  kind: string;
  title: string;
  every_months: number | null;
  every_km: number | null;
  due_date: string | null;
  due_km: number | null;
  last_done_date: string | null;
  last_done_km: number | null;
  next_due: NextDue;
}
type Who = { headers: Record<string, string> };

const DAY_MS = 86_400_000;

describe('garage: odometer readings and service/inspection reminders (issue 20)', () => {
  // Noon UTC, so "today" does not change while the test runs.
  const clock = manualClock(Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS / 2);
  let testApp: TestApp;
  let owner: Who & { id: string; email: string; password: string };
  let stranger: Who;

  const call = (who: Who, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method, url: `/api/v1/garage${url}`, headers: who.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const today = (): string => utcDay(clock.now());
  const plusDays = (days: number): string => utcDay(clock.now() + days * DAY_MS);

  async function addVehicle(who: Who = owner): Promise<string> {
    const response = await call(who, 'POST', '/vehicles', { make: 'Suzuki', model: 'Swift', year: 2015 });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string }>().id;
  }
  async function addReading(vehicleId: string, km: number, who: Who = owner): Promise<Reading> {
    // "Latest" is by reading time: each reading a second after the one before.
    clock.advance(1000);
    const response = await call(who, 'POST', `/vehicles/${vehicleId}/odometer`, { km });
    expect(response.statusCode).toBe(201);
    return response.json<Reading>();
  }
  async function addReminder(vehicleId: string, body: Record<string, unknown>, who: Who = owner): Promise<Reminder> {
    const response = await call(who, 'POST', `/vehicles/${vehicleId}/reminders`, body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<Reminder>();
  }

  beforeAll(async () => {
    testApp = await startTestApp({ clock });
    const account = await registerVerifiedAndLogin(testApp);
    owner = { ...account, headers: bearer(account.tokens.access_token) };
    stranger = { headers: bearer((await registerVerifiedAndLogin(testApp)).tokens.access_token) };
  });
  afterAll(async () => {
    await testApp.close();
  });

  describe('odometer', () => {
    it('adds readings and lists them newest first; a lower one is 409 odometer_reading_lower unless it is a correction', async () => {
      const vehicleId = await addVehicle();
      const first = await addReading(vehicleId, 100_000);
      expect(first).toMatchObject({ km: 100_000, source: 'manual', read_at: new Date(clock.now()).toISOString() });
      clock.advance(60_000);
      await addReading(vehicleId, 100_250);
      clock.advance(60_000);

      const lower = await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 10_250 });
      expect(lower.statusCode).toBe(409);
      expect(errorCode(lower)).toBe('odometer_reading_lower');
      expect(lower.json<{ error: { message: string } }>().error.message).toContain('100250');

      const corrected = await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 10_250, correct: true });
      expect(corrected.statusCode).toBe(201);
      clock.advance(60_000);
      // Later readings compare with the correction.
      await addReading(vehicleId, 10_300);

      const list = await call(owner, 'GET', `/vehicles/${vehicleId}/odometer`);
      expect(list.statusCode).toBe(200);
      expect(list.json<{ items: Reading[]; total: number }>()).toMatchObject({ total: 4 });
      expect(list.json<{ items: Reading[] }>().items.map((reading) => reading.km)).toEqual([10_300, 10_250, 100_250, 100_000]);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ latest_km: number }>().latest_km).toBe(10_300);
    });

    it('an equal reading is accepted (the car did not move)', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 5000);
      await addReading(vehicleId, 5000);
    });

    it.each([
      ['a negative km', { km: -1 }, 'km'],
      ['a km above 2 000 000', { km: 2_000_001 }, 'km'],
      ['a fractional km', { km: 1.5 }, 'km'],
      ['a missing km', {}, 'km'],
      ['an unknown field', { km: 10, source: 'scan' }, 'source'],
      ['a reading time in the future', { km: 10, read_at: new Date(Date.now() + 30 * DAY_MS).toISOString() }, 'read_at'],
      ['a reading time that is no time', { km: 10, read_at: 'yesterday' }, 'read_at'],
    ])('refuses %s with 422', async (_name, body, field) => {
      const vehicleId = await addVehicle();
      const response = await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, body);
      expect(response.statusCode).toBe(422);
      expect(JSON.stringify(response.json())).toContain(field);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/odometer`)).json<{ total: number }>().total).toBe(0);
    });

    it('a reading back in time is stored with that time', async () => {
      const vehicleId = await addVehicle();
      const readAt = new Date(clock.now() - 10 * DAY_MS).toISOString();
      const response = await call(owner, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 42, read_at: readAt });
      expect(response.statusCode).toBe(201);
      expect(response.json<Reading>().read_at).toBe(readAt);
    });
  });

  describe('reminders', () => {
    it('takes the kind\'s suggested intervals and computes the next due from today and the latest reading', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 100_000);
      const oil = await addReminder(vehicleId, { kind: 'oil_service' });
      expect(oil).toMatchObject({ kind: 'oil_service', title: '', every_months: 12, every_km: 15_000, due_date: addMonths(today(), 12), due_km: 115_000, last_done_date: null });
      expect(oil.next_due).toMatchObject({ state: 'ok', due_km: 115_000, km_left: 15_000 });
      const belt = await addReminder(vehicleId, { kind: 'timing_belt', every_months: null });
      expect(belt).toMatchObject({ every_months: null, every_km: 90_000, due_date: null, due_km: 190_000 });
      const fluid = await addReminder(vehicleId, { kind: 'brake_fluid', last_done_date: plusDays(-700) });
      expect(fluid).toMatchObject({ every_months: 24, every_km: null, due_date: addMonths(plusDays(-700), 24), due_km: null });
    });

    it('due soon and overdue, whichever comes first, through the API; the garage list shows only those, overdue first', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 100_000);
      // Due by date in 15 days and by mileage in 5000 km: due soon (the date comes first).
      const soonByDate = await addReminder(vehicleId, { kind: 'oil_service', due_date: plusDays(15), due_km: 105_000 });
      expect(soonByDate.next_due).toMatchObject({ state: 'due_soon', days_left: 15, km_left: 5000 });
      // 500 km left though a year away: due soon (the mileage comes first).
      const soonByKm = await addReminder(vehicleId, { kind: 'oil_service', last_done_km: 85_500 });
      expect(soonByKm.next_due).toMatchObject({ state: 'due_soon', due_km: 100_500, km_left: 500 });
      // The mileage is reached: overdue.
      const beltOverdue = await addReminder(vehicleId, { kind: 'timing_belt', last_done_km: 10_000, last_done_date: plusDays(-365) });
      expect(beltOverdue.next_due).toMatchObject({ state: 'overdue', due_km: 100_000, km_left: 0 });
      // The inspection day has passed: overdue.
      const inspection = await addReminder(vehicleId, { kind: 'inspection', due_date: plusDays(-3) });
      expect(inspection.next_due).toMatchObject({ state: 'overdue', days_left: -3, due_km: null, km_left: null });
      // Far away: not listed as due.
      const insurance = await addReminder(vehicleId, { kind: 'insurance', due_date: plusDays(200) });
      expect(insurance.next_due.state).toBe('ok');

      const due = await call(owner, 'GET', '/reminders/due');
      expect(due.statusCode).toBe(200);
      const items = due.json<{ items: { vehicle: { id: string; make: string }; reminder: Reminder }[] }>().items.filter((item) => item.vehicle.id === vehicleId);
      expect(items.map((item) => item.reminder.id)).toEqual([inspection.id, beltOverdue.id, soonByDate.id, soonByKm.id]);
      expect(items[0]?.vehicle).toMatchObject({ make: 'SUZUKI' });
      // The stranger sees none of it.
      expect((await call(stranger, 'GET', '/reminders/due')).json<{ items: unknown[] }>().items).toEqual([]);
    });

    it('done records the day and mileage and moves the due by the interval; a fixed-date reminder needs the next date', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 120_000);
      const oil = await addReminder(vehicleId, { kind: 'oil_service', last_done_km: 105_500, last_done_date: plusDays(-300) });
      expect(oil.next_due.state).toBe('due_soon');
      const done = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders/${oil.id}/done`, {});
      expect(done.statusCode).toBe(200);
      expect(done.json<Reminder>()).toMatchObject({ last_done_date: today(), last_done_km: 120_000, due_date: addMonths(today(), 12), due_km: 135_000, next_due: { state: 'ok' } });

      const doneEarlier = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders/${oil.id}/done`, { date: plusDays(-10), km: 119_000 });
      expect(doneEarlier.json<Reminder>()).toMatchObject({ last_done_date: plusDays(-10), last_done_km: 119_000, due_date: addMonths(plusDays(-10), 12), due_km: 134_000 });

      const inspection = await addReminder(vehicleId, { kind: 'inspection', due_date: plusDays(5) });
      const withoutNext = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders/${inspection.id}/done`, {});
      expect(withoutNext.statusCode).toBe(422);
      expect(JSON.stringify(withoutNext.json())).toContain('next_due_date');
      const withNext = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders/${inspection.id}/done`, { next_due_date: addMonths(today(), 24) });
      expect(withNext.statusCode).toBe(200);
      expect(withNext.json<Reminder>()).toMatchObject({ last_done_date: today(), due_date: addMonths(today(), 24), next_due: { state: 'ok' } });

      const inFuture = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders/${oil.id}/done`, { date: plusDays(1) });
      expect(inFuture.statusCode).toBe(422);
      expect(JSON.stringify(inFuture.json())).toContain('"date"');
    });

    it('changes and removes a reminder; a new interval moves the due', async () => {
      const vehicleId = await addVehicle();
      const oil = await addReminder(vehicleId, { kind: 'oil_service', title: 'Olajcsere 5W-30', last_done_date: plusDays(-30), last_done_km: 40_000 });
      expect(oil).toMatchObject({ title: 'Olajcsere 5W-30', due_km: 55_000 });
      const changed = await call(owner, 'PUT', `/vehicles/${vehicleId}/reminders/${oil.id}`, { every_km: 10_000, title: '  Olaj  ' });
      expect(changed.statusCode).toBe(200);
      expect(changed.json<Reminder>()).toMatchObject({ title: 'Olaj', every_km: 10_000, due_km: 50_000, due_date: oil.due_date });
      const fixed = await call(owner, 'PUT', `/vehicles/${vehicleId}/reminders/${oil.id}`, { due_km: 52_000 });
      expect(fixed.json<Reminder>()).toMatchObject({ due_km: 52_000 });
      expect((await call(owner, 'PUT', `/vehicles/${vehicleId}/reminders/${oil.id}`, {})).statusCode).toBe(422);

      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}/reminders/${oil.id}`)).statusCode).toBe(204);
      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}/reminders/${oil.id}`)).statusCode).toBe(404);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ items: unknown[] }>().items).toEqual([]);
    });

    it.each([
      ['an unknown kind', { kind: 'tyres', due_date: '2030-01-01' }, 'kind'],
      ['a missing kind', { due_date: '2030-01-01' }, 'kind'],
      ['an unknown field', { kind: 'custom', title: 'x', due_date: '2030-01-01', user_id: 'someone' }, 'user_id'],
      ['a custom reminder without a title', { kind: 'custom', due_date: '2030-01-01' }, 'title'],
      ['a custom reminder with a whitespace title', { kind: 'custom', title: '   ', due_date: '2030-01-01' }, 'title'],
      ['an inspection without a date', { kind: 'inspection' }, 'due_date'],
      ['no interval and no due', { kind: 'oil_service', every_months: null, every_km: null }, 'due_date'],
      ['a day that does not exist', { kind: 'inspection', due_date: '2030-02-30' }, 'due_date'],
      ['a date in another format', { kind: 'inspection', due_date: '30.01.2030' }, 'due_date'],
      ['a last service in the future', { kind: 'oil_service', last_done_date: '2999-01-01' }, 'last_done_date'],
      ['a negative interval', { kind: 'oil_service', every_months: -1 }, 'every_months'],
      ['an interval of two million km', { kind: 'oil_service', every_km: 2_000_000 }, 'every_km'],
      ['a too long title', { kind: 'custom', title: 'x'.repeat(101), due_date: '2030-01-01' }, 'title'],
    ])('refuses %s with 422 and stores nothing', async (_name, body, field) => {
      const vehicleId = await addVehicle();
      const response = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders`, body);
      expect(response.statusCode).toBe(422);
      expect(errorCode(response)).toBe('validation_failed');
      expect(JSON.stringify(response.json())).toContain(field);
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ items: unknown[] }>().items).toEqual([]);
    });

    it(`a vehicle holds at most ${MAX_REMINDERS_PER_VEHICLE} reminders: 409 reminder_limit_reached`, async () => {
      const vehicleId = await addVehicle();
      for (let index = 0; index < MAX_REMINDERS_PER_VEHICLE; index += 1) await addReminder(vehicleId, { kind: 'custom', title: `#${index}`, due_date: '2030-01-01' });
      const refused = await call(owner, 'POST', `/vehicles/${vehicleId}/reminders`, { kind: 'custom', title: 'one more', due_date: '2030-01-01' });
      expect(refused.statusCode).toBe(409);
      expect(errorCode(refused)).toBe('reminder_limit_reached');
      expect((await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ items: unknown[] }>().items).toHaveLength(MAX_REMINDERS_PER_VEHICLE);
      // Another vehicle has its own budget.
      await addReminder(await addVehicle(), { kind: 'custom', title: 'fine', due_date: '2030-01-01' });
    });
  });

  describe('ownership, the verified address, limits', () => {
    it('another user\'s vehicle and reminders answer 404 on every route, and nothing changes', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 1000);
      const reminder = await addReminder(vehicleId, { kind: 'inspection', due_date: plusDays(3) });
      const strangersVehicle = await addVehicle(stranger);
      const attempts: [string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown][] = [
        ['list readings', 'GET', `/vehicles/${vehicleId}/odometer`, undefined],
        ['add a reading', 'POST', `/vehicles/${vehicleId}/odometer`, { km: 5000 }],
        ['list reminders', 'GET', `/vehicles/${vehicleId}/reminders`, undefined],
        ['add a reminder', 'POST', `/vehicles/${vehicleId}/reminders`, { kind: 'inspection', due_date: '2030-01-01' }],
        ['change it', 'PUT', `/vehicles/${vehicleId}/reminders/${reminder.id}`, { title: 'mine now' }],
        ['mark it done', 'POST', `/vehicles/${vehicleId}/reminders/${reminder.id}/done`, { next_due_date: '2030-01-01' }],
        ['remove it', 'DELETE', `/vehicles/${vehicleId}/reminders/${reminder.id}`, undefined],
        ['change it through their own vehicle', 'PUT', `/vehicles/${strangersVehicle}/reminders/${reminder.id}`, { title: 'mine now' }],
        ['mark it done through their own vehicle', 'POST', `/vehicles/${strangersVehicle}/reminders/${reminder.id}/done`, { next_due_date: '2030-01-01' }],
        ['remove it through their own vehicle', 'DELETE', `/vehicles/${strangersVehicle}/reminders/${reminder.id}`, undefined],
      ];
      for (const [name, method, url, payload] of attempts) {
        const response = await call(stranger, method, url, payload);
        expect(response.statusCode, name).toBe(404);
        expect(errorCode(response), name).toBe('not_found');
      }
      const after = (await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ items: Reminder[]; latest_km: number }>();
      expect(after.latest_km).toBe(1000);
      expect(after.items).toEqual([reminder]);
    });

    it('without a sign-in every route is 401', async () => {
      const response = await request(testApp.app, { method: 'GET', url: '/api/v1/garage/reminders/due' });
      expect(response.statusCode).toBe(401);
      const add = await request(testApp.app, { method: 'POST', url: `/api/v1/garage/vehicles/x/odometer`, payload: { km: 1 } });
      expect(add.statusCode).toBe(401);
    });

    it('an account whose address is not verified may not add readings or reminders (403 email_not_verified)', async () => {
      const unverified = { headers: bearer((await registerAndLogin(testApp.app)).tokens.access_token) };
      const vehicleId = await addVehicle();
      for (const [url, payload] of [
        [`/vehicles/${vehicleId}/odometer`, { km: 10 }],
        [`/vehicles/${vehicleId}/reminders`, { kind: 'inspection', due_date: '2030-01-01' }],
      ] as const) {
        const response = await call(unverified, 'POST', url, payload);
        expect(response.statusCode).toBe(403);
        expect(errorCode(response)).toBe('email_not_verified');
      }
      expect((await call(unverified, 'GET', '/reminders/due')).statusCode).toBe(200);
    });

    it('adding counts against a per-account budget: over it, 429 rate_limited and nothing stored', async () => {
      const account = await registerVerifiedAndLogin(testApp);
      const who = { headers: bearer(account.tokens.access_token) };
      const vehicleId = await addVehicle(who);
      const { maxRequests, windowMs } = GARAGE_WRITE_RATE_LIMITS.account;
      for (let index = 0; index < maxRequests; index += 1) await testApp.runtime.store.increment(accountRateLimitKey('garage_writes', account.id), windowMs);
      for (const [url, payload] of [
        [`/vehicles/${vehicleId}/odometer`, { km: 10 }],
        [`/vehicles/${vehicleId}/reminders`, { kind: 'inspection', due_date: '2030-01-01' }],
      ] as const) {
        const response = await call(who, 'POST', url, payload);
        expect(response.statusCode).toBe(429);
        expect(errorCode(response)).toBe('rate_limited');
        expect(response.headers['retry-after']).toBeDefined();
      }
      expect((await call(who, 'GET', `/vehicles/${vehicleId}/odometer`)).json<{ total: number }>().total).toBe(0);
    });
  });

  describe('the vehicle, the export and erasure', () => {
    it('removing the vehicle removes its readings and reminders', async () => {
      const vehicleId = await addVehicle();
      await addReading(vehicleId, 1000);
      await addReminder(vehicleId, { kind: 'inspection', due_date: plusDays(3) });
      expect((await call(owner, 'DELETE', `/vehicles/${vehicleId}`)).statusCode).toBe(204);
      const db = testApp.runtime.database.db;
      expect(await db.selectFrom('odometer_readings').select('id').where('vehicle_id', '=', vehicleId).execute()).toEqual([]);
      expect(await db.selectFrom('vehicle_reminders').select('id').where('vehicle_id', '=', vehicleId).execute()).toEqual([]);
    });

    it('the data export has the readings and reminders under their vehicle; erasure removes them', async () => {
      const account = await registerVerifiedAndLogin(testApp);
      const who = { headers: bearer(account.tokens.access_token) };
      const vehicleId = await addVehicle(who);
      await addReading(vehicleId, 77_777, who);
      const reminder = await addReminder(vehicleId, { kind: 'brake_fluid', title: 'Fékfolyadék', last_done_date: plusDays(-100) }, who);

      const exported = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me/export', headers: who.headers });
      expect(exported.statusCode).toBe(200);
      const garage = exported.json<{ garage: { id: string; odometer_readings: { km: number; source: string }[]; reminders: { id: string; kind: string; title: string; due_date: string; notified_for: null }[] }[] }>().garage;
      const vehicle = garage.find((entry) => entry.id === vehicleId);
      expect(vehicle?.odometer_readings).toEqual([expect.objectContaining({ km: 77_777, source: 'manual' })]);
      expect(vehicle?.reminders).toEqual([expect.objectContaining({ id: reminder.id, kind: 'brake_fluid', title: 'Fékfolyadék', due_date: reminder.due_date, notified_for: null })]);

      const erased = await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: who.headers, payload: { password: account.password } });
      expect(erased.statusCode).toBe(204);
      const db = testApp.runtime.database.db;
      expect(await db.selectFrom('odometer_readings').select('id').where('user_id', '=', account.id).execute()).toEqual([]);
      expect(await db.selectFrom('vehicle_reminders').select('id').where('user_id', '=', account.id).execute()).toEqual([]);
    });
  });

  // Last: it moves the clock 45 days (every earlier token expires).
  describe('time', () => {
      it('a new reading changes the state; the injected clock moves the day', async () => {
        const vehicleId = await addVehicle();
        await addReading(vehicleId, 50_000);
        const oil = await addReminder(vehicleId, { kind: 'oil_service', due_date: plusDays(45), due_km: 60_000 });
        expect(oil.next_due.state).toBe('ok');
        await addReading(vehicleId, 59_500);
        const afterReading = (await call(owner, 'GET', `/vehicles/${vehicleId}/reminders`)).json<{ items: Reminder[] }>().items;
        expect(afterReading[0]?.next_due).toMatchObject({ state: 'due_soon', km_left: 500 });

        const other = await addVehicle();
        const byDate = await addReminder(other, { kind: 'insurance', due_date: plusDays(45) });
        expect(byDate.next_due).toMatchObject({ state: 'ok', days_left: 45 });
        clock.advance(20 * DAY_MS);
        // The access token expired meanwhile: sign in again at the new time.
        const fresh = { headers: bearer((await login(testApp.app, owner.email, owner.password)).access_token) };
        const later = (await call(fresh, 'GET', `/vehicles/${other}/reminders`)).json<{ items: Reminder[] }>().items;
        expect(later[0]?.next_due).toMatchObject({ state: 'due_soon', days_left: 25 });
        clock.advance(25 * DAY_MS);
        const fresher = { headers: bearer((await login(testApp.app, owner.email, owner.password)).access_token) };
        const onTheDay = (await call(fresher, 'GET', `/vehicles/${other}/reminders`)).json<{ items: Reminder[] }>().items;
        expect(onTheDay[0]?.next_due).toMatchObject({ state: 'overdue', days_left: 0 });
      });
  });
});
