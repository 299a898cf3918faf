import { describe, expect, it } from 'vitest';
import type { ReminderMailCandidate } from '../../src/db/repositories/reminder-mail.js';
import { ReminderMailer, type ReminderMailerOptions } from '../../src/garage/reminder-mail.js';
import type { MailMessage } from '../../src/mail/mailer.js';
import { StoreUnavailableError } from '../../src/stores/key-value-store.js';

/** Timers the test fires by hand. */
function handTimers() {
  const pending: { callback: () => void; ms: number; id: number }[] = [];
  let next = 0;
  return {
    pending,
    timers: {
      setTimeout: (callback: () => void, ms: number) => {
        next += 1;
        pending.push({ callback, ms, id: next });
        return next;
      },
      clearTimeout: (handle: unknown) => {
        const index = pending.findIndex((timer) => timer.id === handle);
        if (index >= 0) pending.splice(index, 1);
      },
    },
    fire() {
      const timer = pending.shift();
      if (timer === undefined) throw new Error('no timer pending');
      timer.callback();
    },
  };
}

/** A lock store in memory with the two operations the mailer uses. */
function memoryLockStore(options: { failing?: boolean } = {}) {
  const values = new Map<string, string>();
  return {
    values,
    setIfAbsent: (key: string, value: string) => {
      if (options.failing === true) return Promise.reject(new StoreUnavailableError('down (test)'));
      if (values.has(key)) return Promise.resolve(false);
      values.set(key, value);
      return Promise.resolve(true);
    },
    compareAndSet: (key: string, expected: string | null, value: string) => {
      if (options.failing === true) return Promise.reject(new StoreUnavailableError('down (test)'));
      if ((values.get(key) ?? null) !== expected) return Promise.resolve(false);
      values.set(key, value);
      return Promise.resolve(true);
    },
  };
}

const candidate: ReminderMailCandidate = {
  id: 'r1',
  kind: 'inspection',
  title: '',
  due_date: '2026-01-10',
  due_km: null,
  notified_for: null,
  latest_km: null,
  vehicle: { make: 'SKODA', model: 'FABIA', nickname: null },
  user: { email: 'owner@example.test', language: 'en' },
};

function mailer(overrides: Partial<ReminderMailerOptions> = {}) {
  const hand = handTimers();
  const sent: MailMessage[] = [];
  const errors: unknown[] = [];
  const claims = new Set<string>();
  const options: ReminderMailerOptions = {
    repository: {
      candidates: () => Promise.resolve([candidate]),
      claim: (reminder, mark) => {
        const key = `${reminder.id}|${mark}`;
        if (claims.has(key)) return Promise.resolve(false);
        claims.add(key);
        return Promise.resolve(true);
      },
      unclaim: (id, mark) => {
        claims.delete(`${id}|${mark}`);
        return Promise.resolve();
      },
    },
    store: memoryLockStore(),
    mailer: {
      send: (message) => {
        sent.push(message);
        return Promise.resolve();
      },
      close: () => undefined,
    },
    clock: { now: () => Date.parse('2026-01-05T12:00:00Z') },
    publicUrl: 'https://app.example',
    intervalMinutes: 60,
    timers: hand.timers,
    firstDelayMs: 1000,
    onError: (error) => errors.push(error),
    ...overrides,
  };
  return { reminderMail: new ReminderMailer(options), hand, sent, errors };
}

describe('the reminder mailer\'s schedule', () => {
  it('with REMINDER_MAIL_INTERVAL_MINUTES=0 it sets no timer', () => {
    const { reminderMail, hand } = mailer({ intervalMinutes: 0 });
    reminderMail.start();
    expect(hand.pending).toEqual([]);
  });

  it('runs after the first delay, then every interval', async () => {
    const { reminderMail, hand, sent } = mailer();
    reminderMail.start();
    expect(hand.pending.map((timer) => timer.ms)).toEqual([1000]);
    hand.fire();
    await reminderMail.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('AutoCognitix: Due soon: Technical inspection – SKODA FABIA');
    expect(hand.pending.map((timer) => timer.ms)).toEqual([60 * 60_000]);
    await reminderMail.stop();
    expect(hand.pending).toEqual([]);
  });

  it('a failing database never throws out of a run; the next run is still scheduled', async () => {
    const { reminderMail, hand, errors } = mailer({ repository: { candidates: () => Promise.reject(new Error('database down (test)')), claim: () => Promise.resolve(true), unclaim: () => Promise.resolve() } });
    reminderMail.start();
    hand.fire();
    expect(await reminderMail.runOnce()).toEqual({ sent: 0, failed: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(hand.pending).toHaveLength(1);
    await reminderMail.stop();
  });

  it('a store that does not answer skips the run: nothing is read or sent (fail closed)', async () => {
    let read = false;
    const { reminderMail, sent } = mailer({
      store: memoryLockStore({ failing: true }),
      repository: {
        candidates: () => {
          read = true;
          return Promise.resolve([candidate]);
        },
        claim: () => Promise.resolve(true),
        unclaim: () => Promise.resolve(),
      },
    });
    expect(await reminderMail.runOnce()).toEqual({ skipped: 'store_unavailable', sent: 0, failed: 0 });
    expect(read).toBe(false);
    expect(sent).toEqual([]);
  });

  it('a failed mail gives its claim back, so the next run sends it', async () => {
    let failing = true;
    const sent: MailMessage[] = [];
    const { reminderMail } = mailer({
      mailer: {
        send: (message) => {
          if (failing) return Promise.reject(new Error('SMTP down (test)'));
          sent.push(message);
          return Promise.resolve();
        },
        close: () => undefined,
      },
    });
    expect(await reminderMail.runOnce()).toEqual({ sent: 0, failed: 1 });
    failing = false;
    expect(await reminderMail.runOnce()).toEqual({ sent: 1, failed: 0 });
    expect(await reminderMail.runOnce()).toEqual({ sent: 0, failed: 0 });
    expect(sent).toHaveLength(1);
  });
});
