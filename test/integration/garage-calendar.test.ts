import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountDataRepository } from '../../src/db/repositories/account-data.js';
import { utcDay } from '../../src/garage/reminders.js';
import { CALENDAR_FEED_RATE_LIMITS } from '../../src/http/garage-calendar.js';
import { accountRateLimitKey, ipRateLimitKey } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';

const DAY_MS = 86_400_000;
const PUBLIC_URL = 'https://garage.autocognitix.example';
type Who = { id: string; headers: Record<string, string> };

/** Content lines of an iCalendar text, unfolded. */
const unfold = (text: string): string[] => text.replace(/\r\n /g, '').split('\r\n').filter((line) => line !== '');

describe('garage: the iCalendar feed of reminders (issue 20)', () => {
  const clock = manualClock(Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS / 2);
  let testApp: TestApp;
  let owner: Who;
  let other: Who;

  const call = (who: Who, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>, remoteAddress?: string): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method, url: `/api/v1/garage${url}`, headers: who.headers, ...(payload === undefined ? {} : { payload }), ...(remoteAddress === undefined ? {} : { remoteAddress }) });
  const fetchFeed = (url: string, headers: Record<string, string> = {}, remoteAddress = '10.9.8.7'): Promise<LightMyRequestResponse> =>
    testApp.app.inject({ method: 'GET', url: new URL(url).pathname, headers, remoteAddress });
  async function account(language: 'hu' | 'en'): Promise<Who> {
    const registered = await registerVerifiedAndLogin(testApp);
    await testApp.runtime.database.db.updateTable('users').set({ language }).where('id', '=', registered.id).execute();
    return { id: registered.id, headers: bearer(registered.tokens.access_token) };
  }
  async function vehicleWithReminder(who: Who, nickname: string, reminder: Record<string, unknown>): Promise<string> {
    const vehicle = await call(who, 'POST', '/vehicles', { make: 'Skoda', model: 'Octavia', year: 2018, nickname });
    expect(vehicle.statusCode, vehicle.body).toBe(201);
    const vehicleId = vehicle.json<{ id: string }>().id;
    const added = await call(who, 'POST', `/vehicles/${vehicleId}/reminders`, reminder);
    expect(added.statusCode, added.body).toBe(201);
    return added.json<{ id: string }>().id;
  }
  async function enable(who: Who): Promise<string> {
    const response = await call(who, 'POST', '/calendar-feed');
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ url: string }>().url;
  }

  beforeAll(async () => {
    testApp = await startTestApp({ clock, config: testConfig({ PUBLIC_URL, REMINDER_MAIL_INTERVAL_MINUTES: '0' }), captureLogs: 'info' });
    owner = await account('hu');
    other = await account('en');
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('is off at first; turning it on gives a secret URL once, and the feed holds the reminders with a due date, in the user\'s language', async () => {
    expect((await call(owner, 'GET', '/calendar-feed')).json()).toEqual({ enabled: false, created_at: null });
    const due = utcDay(clock.now() + 40 * DAY_MS);
    await vehicleWithReminder(owner, 'Napi, kék', { kind: 'inspection', due_date: due });
    await vehicleWithReminder(owner, 'Csak km', { kind: 'timing_belt', every_months: null, due_km: 150_000 });
    const url = await enable(owner);
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL.replace(/\./g, '\\.')}/api/v1/calendar/[A-Za-z0-9_-]{43}\\.ics$`));

    const state = await call(owner, 'GET', '/calendar-feed');
    expect(state.json()).toEqual({ enabled: true, created_at: new Date(clock.now()).toISOString() });
    expect(state.body).not.toContain(new URL(url).pathname.split('/').at(-1)?.replace('.ics', ''));

    const feed = await fetchFeed(url);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(feed.headers['cache-control']).toBe('no-store');
    expect(feed.headers['referrer-policy']).toBe('no-referrer');
    expect(feed.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = unfold(feed.body);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    // One event: the mileage-only reminder has no day to go on.
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContain(`DTSTART;VALUE=DATE:${due.replace(/-/g, '')}`);
    expect(lines).toContain('SUMMARY:Műszaki vizsga – Napi\\, kék (SKODA OCTAVIA)');
    expect(lines.some((line) => line.startsWith('DESCRIPTION:Esedékes: '))).toBe(true);

    // The UID stays the same on the next fetch.
    const uid = lines.find((line) => line.startsWith('UID:'));
    expect(unfold((await fetchFeed(url)).body).find((line) => line.startsWith('UID:'))).toBe(uid);
  });

  it('the description names the due mileage when the reminder has one (English)', async () => {
    await vehicleWithReminder(other, 'Work', { kind: 'oil_service', every_months: null, every_km: null, due_date: utcDay(clock.now() + 10 * DAY_MS), due_km: 123_456 });
    const lines = unfold((await fetchFeed(await enable(other))).body);
    expect(lines.find((line) => line.startsWith('SUMMARY:'))).toBe('SUMMARY:Oil service – Work (SKODA OCTAVIA)');
    expect(lines.find((line) => line.startsWith('DESCRIPTION:'))).toContain('at 123\\,456 km\\, whichever comes first');
  });

  it("another user's reminders never appear in a feed", async () => {
    const ownerFeed = (await fetchFeed(await enable(owner))).body;
    const otherFeed = (await fetchFeed(await enable(other))).body;
    expect(ownerFeed).not.toContain('Work (SKODA');
    expect(otherFeed).not.toContain('Napi');
  });

  it('rotating kills the old URL at once; the new one works', async () => {
    const old = await enable(owner);
    expect((await fetchFeed(old)).statusCode).toBe(200);
    const rotated = await enable(owner);
    expect(rotated).not.toBe(old);
    const dead = await fetchFeed(old);
    expect(dead.statusCode).toBe(404);
    expect(errorCode(dead)).toBe('not_found');
    expect((await fetchFeed(rotated)).statusCode).toBe(200);
  });

  it('turning it off kills the URL; turning off again is 404', async () => {
    const url = await enable(owner);
    const off = await call(owner, 'DELETE', '/calendar-feed');
    expect(off.statusCode).toBe(204);
    expect((await fetchFeed(url)).statusCode).toBe(404);
    expect((await call(owner, 'GET', '/calendar-feed')).json()).toEqual({ enabled: false, created_at: null });
    expect((await call(owner, 'DELETE', '/calendar-feed')).statusCode).toBe(404);
  });

  it('unknown or malformed tokens are 404; a session cookie or bearer token is no key to a feed', async () => {
    for (const path of ['/api/v1/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics', '/api/v1/calendar/short.ics', '/api/v1/calendar/..%2F.ics']) {
      const response = await testApp.app.inject({ method: 'GET', url: path, headers: owner.headers });
      expect(response.statusCode, path).toBe(404);
    }
    const signIn = await testApp.app.inject({ method: 'GET', url: '/api/v1/calendar/me.ics', headers: { ...owner.headers, cookie: 'access_token=x' } });
    expect(signIn.statusCode).toBe(404);
    // The feed routes themselves need a signed-in user.
    expect((await testApp.app.inject({ method: 'GET', url: '/api/v1/garage/calendar-feed' })).statusCode).toBe(401);
  });

  it('making or rotating a feed counts per account and per address; fetching counts per address', async () => {
    const limited = await account('en');
    const { maxRequests, windowMs } = CALENDAR_FEED_RATE_LIMITS.rotateAccount;
    for (let index = 0; index < maxRequests; index += 1) await testApp.runtime.store.increment(accountRateLimitKey('calendar_feed', limited.id), windowMs);
    const refused = await call(limited, 'POST', '/calendar-feed');
    expect(refused.statusCode).toBe(429);
    expect(errorCode(refused)).toBe('rate_limited');
    expect((await call(limited, 'GET', '/calendar-feed')).json()).toMatchObject({ enabled: false });

    const address = '10.77.0.1';
    const byAddress = CALENDAR_FEED_RATE_LIMITS.rotateAddress;
    for (let index = 0; index < byAddress.maxRequests; index += 1) await testApp.runtime.store.increment(ipRateLimitKey('calendar_feed', address), byAddress.windowMs);
    expect((await call(other, 'POST', '/calendar-feed', undefined, address)).statusCode).toBe(429);

    const url = await enable(other);
    const fetchAddress = '10.77.0.2';
    const fetchLimit = CALENDAR_FEED_RATE_LIMITS.fetchAddress;
    for (let index = 0; index < fetchLimit.maxRequests; index += 1) await testApp.runtime.store.increment(ipRateLimitKey('calendar_fetch', fetchAddress), fetchLimit.windowMs);
    expect((await fetchFeed(url, {}, fetchAddress)).statusCode).toBe(429);
    expect((await fetchFeed(url, {}, '10.77.0.3')).statusCode).toBe(200);
  });

  it('the feed URL never reaches the log (the request log shows it masked)', async () => {
    const url = await enable(owner);
    const token = new URL(url).pathname.split('/').at(-1)?.replace(/\.ics$/, '') ?? '';
    expect(token).toHaveLength(43);
    expect((await fetchFeed(url)).statusCode).toBe(200);
    expect(testApp.logs()).toContain('/api/v1/calendar/********.ics');
    expect(testApp.logs()).not.toContain(token);
  });

  it('the data export says whether the feed is on, never its URL', async () => {
    const exporter = await account('en');
    const url = await enable(exporter);
    const token = new URL(url).pathname.split('/').at(-1)?.replace(/\.ics$/, '') ?? '';
    const exported = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me/export', headers: exporter.headers });
    expect(exported.statusCode).toBe(200);
    expect(exported.json<{ calendar_feed: unknown }>().calendar_feed).toEqual({ enabled: true, created_at: new Date(clock.now()).toISOString() });
    expect(exported.body).not.toContain(token);
  });

  it('erasing the account removes its feed', async () => {
    const leaving = await account('hu');
    await enable(leaving);
    await new AccountDataRepository(testApp.runtime.database.db).eraseAccount(leaving.id, clock.now());
    const rows = await testApp.runtime.database.db.selectFrom('calendar_feeds').select('user_id').where('user_id', '=', leaving.id).execute();
    expect(rows).toEqual([]);
  });
});
