import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/garage/reminders.js';
import { REMINDER_MAIL_LOCK_KEY } from '../../src/security/store-keys.js';
import { metricsRegistry } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer, type ReceivedMail } from '../helpers/smtp.js';
import { manualClock } from '../helpers/time.js';

const DAY_MS = 86_400_000;
const PUBLIC_URL = 'https://reminders.autocognitix.example';

interface Owner {
  readonly id: string;
  readonly email: string;
  readonly headers: Record<string, string>;
}

async function counterValue(name: string): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return metric?.values[0]?.value ?? 0;
}

/**
 * Issue 20: due reminders are mailed once per due, in the owner's language,
 * by the scheduler every instance runs — through a real SMTP server, on this
 * run's backends.
 */
describe('garage reminder mail (issue 20)', () => {
  // Noon UTC: "today" does not change while the test runs.
  const clock = manualClock(Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS / 2);
  let smtp: LocalSmtpServer;
  let testApp: TestApp;

  const call = (app: TestApp, who: Owner, method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>): Promise<LightMyRequestResponse> =>
    request(app.app, { method, url: `/api/v1/garage${url}`, headers: who.headers, payload });
  async function owner(app: TestApp, language: 'hu' | 'en'): Promise<Owner> {
    const account = await registerVerifiedAndLogin(app);
    await app.runtime.database.db.updateTable('users').set({ language }).where('id', '=', account.id).execute();
    return { id: account.id, email: account.email, headers: bearer(account.tokens.access_token) };
  }
  async function reminder(app: TestApp, who: Owner, nickname: string, body: Record<string, unknown>): Promise<{ vehicleId: string; reminderId: string }> {
    const vehicle = await call(app, who, 'POST', '/vehicles', { make: 'Suzuki', model: 'Swift', year: 2015, nickname });
    expect(vehicle.statusCode, vehicle.body).toBe(201);
    const vehicleId = vehicle.json<{ id: string }>().id;
    const added = await call(app, who, 'POST', `/vehicles/${vehicleId}/reminders`, body);
    expect(added.statusCode, added.body).toBe(201);
    return { vehicleId, reminderId: added.json<{ id: string }>().id };
  }
  /** The reminder mails to `email` (registration mails a verification link first). */
  const mailsTo = (email: string): ReceivedMail[] => smtp.messages.filter((message) => message.to.includes(email) && !message.body.includes('verify-email#token='));
  const run = (app: TestApp = testApp) => app.app.services.reminderMail.runOnce();
  const inDays = (days: number): string => utcDay(clock.now() + days * DAY_MS);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ clock, config: testConfig({ SMTP_URL: smtp.url, PUBLIC_URL, REMINDER_MAIL_INTERVAL_MINUTES: '0' }) });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  it('a due reminder is mailed once, in Hungarian for a Hungarian user, naming the vehicle, the reminder and the due, linking to the garage', async () => {
    const user = await owner(testApp, 'hu');
    await reminder(testApp, user, 'Kék Swift', { kind: 'inspection', due_date: inDays(10) });
    const sentBefore = await counterValue('reminder_mails_sent_total');

    expect(await run()).toMatchObject({ failed: 0 });
    const mails = mailsTo(user.email);
    expect(mails).toHaveLength(1);
    const body = mails[0]?.body ?? '';
    expect(body).toContain('Hamarosan esedékes a(z) Kék Swift (SUZUKI SWIFT) járműved emlékeztetője: műszaki vizsga.');
    expect(body).toContain(`Határidő: ${inDays(10)} (10 nap múlva).`);
    expect(body).toContain(`${PUBLIC_URL}/garage`);
    expect(body).toMatch(/^Subject: .*AutoCognitix/m);
    expect(await counterValue('reminder_mails_sent_total')).toBeGreaterThan(sentBefore);

    // The next run (and the one after) send nothing more for the same due.
    await run();
    await run();
    expect(mailsTo(user.email)).toHaveLength(1);
  });

  it('an English user gets English; a reminder by mileage is due by the latest reading; nothing before it is due', async () => {
    const user = await owner(testApp, 'en');
    const { vehicleId } = await reminder(testApp, user, 'Work', { kind: 'oil_service', every_months: null, every_km: null, due_km: 120_000 });
    // Far from the due mileage: not due, no mail.
    clock.advance(1000);
    expect((await call(testApp, user, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 100_000 })).statusCode).toBe(201);
    await run();
    expect(mailsTo(user.email)).toHaveLength(0);
    // Within 1000 km: due soon.
    clock.advance(1000);
    expect((await call(testApp, user, 'POST', `/vehicles/${vehicleId}/odometer`, { km: 119_500 })).statusCode).toBe(201);
    await run();
    const mails = mailsTo(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.body).toContain('A reminder for your Work (SUZUKI SWIFT) is due soon: oil service.');
    expect(mails[0]?.body).toContain('Due at 120,000 km (latest reading: 119,500 km).');
    expect(mails[0]?.body).toContain('Mark it done or change it on your garage page:');
  });

  it('marking it done moves the due: the new due is mailed again when it comes, once', async () => {
    const user = await owner(testApp, 'en');
    const { vehicleId, reminderId } = await reminder(testApp, user, 'Done test', { kind: 'insurance', due_date: inDays(-2) });
    await run();
    expect(mailsTo(user.email)).toHaveLength(1);
    expect(mailsTo(user.email)[0]?.body).toContain('is overdue: insurance.');

    const done = await call(testApp, user, 'POST', `/vehicles/${vehicleId}/reminders/${reminderId}/done`, { next_due_date: inDays(20) });
    expect(done.statusCode, done.body).toBe(200);
    const row = await testApp.runtime.database.db.selectFrom('vehicle_reminders').select('notified_for').where('id', '=', reminderId).executeTakeFirstOrThrow();
    expect(row.notified_for).toBeNull();
    await run();
    await run();
    expect(mailsTo(user.email)).toHaveLength(2);
    expect(mailsTo(user.email)[1]?.body).toContain(`Due on ${inDays(20)} (in 20 days).`);

    // A change by PUT moves it too.
    const changed = await call(testApp, user, 'PUT', `/vehicles/${vehicleId}/reminders/${reminderId}`, { due_date: inDays(5) });
    expect(changed.statusCode, changed.body).toBe(200);
    await run();
    expect(mailsTo(user.email)).toHaveLength(3);
  });

  it('a mail the SMTP server refuses is given back and sent at a later run', async () => {
    const user = await owner(testApp, 'hu');
    const { reminderId } = await reminder(testApp, user, 'Hibás', { kind: 'brake_fluid', due_date: inDays(3) });
    const failuresBefore = await counterValue('reminder_mail_failures_total');
    smtp.failing = true;
    try {
      const outcome = await run();
      expect(outcome.failed).toBeGreaterThanOrEqual(1);
    } finally {
      smtp.failing = false;
    }
    expect(mailsTo(user.email)).toHaveLength(0);
    expect(await counterValue('reminder_mail_failures_total')).toBeGreaterThan(failuresBefore);
    const row = await testApp.runtime.database.db.selectFrom('vehicle_reminders').select('notified_for').where('id', '=', reminderId).executeTakeFirstOrThrow();
    expect(row.notified_for).toBeNull();

    await run();
    expect(mailsTo(user.email)).toHaveLength(1);
    expect(mailsTo(user.email)[0]?.body).toContain('fékfolyadék');
  });

  it('an unverified address, a locked account and a deactivated account get no reminder mail', async () => {
    const unverified = await owner(testApp, 'en');
    const locked = await owner(testApp, 'en');
    const inactive = await owner(testApp, 'en');
    for (const user of [unverified, locked, inactive]) await reminder(testApp, user, 'Quiet', { kind: 'inspection', due_date: inDays(1) });
    const db = testApp.runtime.database.db;
    await db.updateTable('users').set({ email_verified_at: null }).where('id', '=', unverified.id).execute();
    await db.updateTable('users').set({ is_active: false, locked_at: new Date(clock.now()).toISOString() }).where('id', '=', locked.id).execute();
    await db.updateTable('users').set({ is_active: false }).where('id', '=', inactive.id).execute();
    await run();
    for (const user of [unverified, locked, inactive]) expect(mailsTo(user.email)).toHaveLength(0);
  });

  it('a run finds the lock taken by another holder and does nothing; the lock is free again after a run', async () => {
    const user = await owner(testApp, 'en');
    await reminder(testApp, user, 'Locked out', { kind: 'inspection', due_date: inDays(1) });
    const store = testApp.runtime.store;
    // Another instance holds it (the earlier runs left it released).
    await store.set(REMINDER_MAIL_LOCK_KEY, 'another-instance', 60_000);
    expect(await run()).toEqual({ skipped: 'locked', sent: 0, failed: 0 });
    expect(mailsTo(user.email)).toHaveLength(0);
    // Still the other holder's: a run never releases a lock it does not own.
    expect(await store.get(REMINDER_MAIL_LOCK_KEY)).toBe('another-instance');
    await store.delete(REMINDER_MAIL_LOCK_KEY);
    expect((await run()).sent).toBeGreaterThanOrEqual(1);
    expect(mailsTo(user.email)).toHaveLength(1);
    expect(await store.get(REMINDER_MAIL_LOCK_KEY)).toBe('released');
  });

  it('three instances on one store and database, running at the same moment many times: each due reminder is mailed exactly once', async () => {
    const config = testConfig({ SMTP_URL: smtp.url, PUBLIC_URL, REMINDER_MAIL_INTERVAL_MINUTES: '0' });
    const first = await startTestApp({ clock, config });
    const others = [await startTestApp({ clock, shareWith: first }), await startTestApp({ clock, shareWith: first })];
    const instances = [first, ...others];
    try {
      const owners = [await owner(first, 'hu'), await owner(first, 'en'), await owner(first, 'hu')];
      const expected: { email: string; nickname: string }[] = [];
      for (const [index, user] of owners.entries()) {
        for (let number = 0; number < 5; number += 1) {
          const nickname = `Car-${String(index)}-${String(number)}`;
          // Created through different instances: they share everything.
          await reminder(instances[number % 3] ?? first, user, nickname, { kind: 'inspection', due_date: inDays(number - 2) });
          expected.push({ email: user.email, nickname });
        }
      }
      for (let round = 0; round < 10; round += 1) {
        // With the lock, and without it (as if it had expired mid-run): the database's claim alone decides.
        await Promise.all(instances.flatMap((instance) => [instance.app.services.reminderMail.runOnce(), instance.app.services.reminderMail.mailDue()]));
      }
      for (const { email, nickname } of expected) {
        expect(mailsTo(email).filter((mail) => mail.body.includes(`${nickname} (SUZUKI SWIFT)`)), nickname).toHaveLength(1);
      }
      expect(owners.map((user) => mailsTo(user.email).length)).toEqual([5, 5, 5]);
    } finally {
      for (const instance of others.reverse()) await instance.close();
      await first.close();
    }
  });
});
