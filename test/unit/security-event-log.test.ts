import { describe, expect, it } from 'vitest';
import type { NewSecurityEvent } from '../../src/db/repositories/security-events.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { SecurityEventLog, type LogTimers, type SecurityEventWriter } from '../../src/security/security-event-log.js';
import { SecurityEventRetention } from '../../src/security/security-event-retention.js';
import { SecurityEvents, type SecurityEventCode } from '../../src/security/security-events.js';
import { manualClock } from '../helpers/time.js';

/** Timers a test fires by hand: nothing here waits for real time. */
class ManualTimers implements LogTimers {
  private next = 1;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** The delays of the timers now set. */
  delays(): number[] {
    return [...this.pending.values()].map((timer) => timer.ms);
  }
  /** Fires every timer now set (not those they set in turn). */
  fireAll(): void {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, timer] of due) timer.callback();
  }
}

/** A database stand-in that can be made to refuse writes. */
class FakeWriter implements SecurityEventWriter {
  readonly rows: NewSecurityEvent[] = [];
  readonly batches: number[] = [];
  failing = false;
  appendForExistingUsers(rows: readonly NewSecurityEvent[]): Promise<number> {
    if (this.failing) return Promise.reject(new Error('relation "security_events" does not exist'));
    this.batches.push(rows.length);
    this.rows.push(...rows);
    return Promise.resolve(rows.length);
  }
}

async function droppedCount(event?: SecurityEventCode): Promise<number> {
  const metric = await securityMetrics.securityEventsDropped.get();
  return metric.values.filter((value) => event === undefined || value.labels.event === event).reduce((sum, value) => sum + value.value, 0);
}

function setUp(options: { queueLimit?: number; batchSize?: number } = {}) {
  const clock = manualClock(Date.parse('2026-12-01T10:00:00.000Z'));
  const timers = new ManualTimers();
  const writer = new FakeWriter();
  const problems: string[] = [];
  const log = new SecurityEventLog({
    writer,
    clock,
    timers,
    queueLimit: options.queueLimit ?? 1000,
    batchSize: options.batchSize ?? 200,
    onProblem: (message) => problems.push(message),
  });
  const events = new SecurityEvents(clock);
  events.subscribe(log.listener);
  return { clock, timers, writer, log, events, problems };
}

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('SecurityEventLog: the bounded queue between the request and the database', () => {
  it('queues without writing, then writes in batches when the timer fires, with the device label and not the User-Agent', async () => {
    const { timers, writer, log, events } = setUp({ batchSize: 3 });
    events.record({ code: 'sign_in_succeeded', userId: 'u1', origin: { address: '203.0.113.7', userAgent: FIREFOX }, sessionId: 'family-1' });
    expect(writer.rows).toHaveLength(0);
    expect(log.pending).toBe(1);
    expect(timers.delays()).toEqual([1000]);
    for (let index = 0; index < 6; index += 1) events.record({ code: 'signed_out', userId: 'u1' });
    // A full batch waiting asks for a write at once.
    expect(timers.delays()).toEqual([0]);
    timers.fireAll();
    expect(await log.flush()).toBe(true);
    expect(writer.batches).toEqual([3, 3, 1]);
    expect(writer.rows[0]).toMatchObject({ event: 'sign_in_succeeded', userId: 'u1', address: '203.0.113.7', device: 'Firefox 133 on Linux', sessionId: 'family-1' });
    expect(JSON.stringify(writer.rows)).not.toContain('Gecko');
    expect(log.pending).toBe(0);
  });

  it('cuts an over-long address, reason and session id to their columns, and drops NUL characters', async () => {
    const { writer, log, events } = setUp();
    events.record({ code: 'sign_in_failed', userId: null, origin: { address: 'a'.repeat(300), userAgent: null }, reason: 'r'.repeat(300), sessionId: 's'.repeat(300) });
    // PostgreSQL refuses NUL in text: such a row would block the queue for good.
    events.record({ code: 'sign_in_failed', userId: null, origin: { address: '203.0.113.1\0', userAgent: null }, reason: 'bad\0reason' });
    await log.flush();
    expect(writer.rows[1]).toMatchObject({ address: '203.0.113.1', reason: 'badreason' });
    expect(writer.rows[0]?.address).toHaveLength(64);
    expect(writer.rows[0]?.reason).toHaveLength(64);
    expect(writer.rows[0]?.sessionId).toHaveLength(64);
    expect(writer.rows[0]?.device).toBeNull();
  });

  it('a refused batch stays queued and is retried with growing backoff; the next success writes everything in order', async () => {
    const { timers, writer, log, events, problems } = setUp();
    const failuresBefore = (await securityMetrics.securityEventWriteFailures.get()).values[0]?.value ?? 0;
    writer.failing = true;
    events.record({ code: 'password_changed', userId: 'u1' });
    expect(await log.flush()).toBe(false);
    expect(log.pending).toBe(1);
    expect(timers.delays()).toEqual([1000]);
    events.record({ code: 'signed_out', userId: 'u1' });
    // While backing off, a new event does not hurry the retry.
    expect(timers.delays()).toEqual([1000]);
    timers.fireAll();
    expect(await log.flush()).toBe(false);
    expect(timers.delays()).toEqual([2000]);
    timers.fireAll();
    expect(await log.flush()).toBe(false);
    expect(timers.delays()).toEqual([4000]);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect((await securityMetrics.securityEventWriteFailures.get()).values[0]?.value).toBeGreaterThanOrEqual(failuresBefore + 3);

    writer.failing = false;
    timers.fireAll();
    expect(await log.flush()).toBe(true);
    expect(writer.rows.map((row) => row.event)).toEqual(['password_changed', 'signed_out']);
    // Back to the normal pace after a success.
    events.record({ code: 'signed_out', userId: 'u1' });
    expect(timers.delays()).toEqual([1000]);
  });

  it('after repeated failures, a row the database never takes is dropped and counted while the rows behind it are written', async () => {
    const { timers, writer, log, events, problems } = setUp();
    // Refuses one row whatever happens (as PostgreSQL refuses text it cannot store), the others only while "down".
    const poisoned = new (class extends FakeWriter {
      override appendForExistingUsers(rows: readonly NewSecurityEvent[]): Promise<number> {
        if (rows.some((row) => row.reason === 'unstorable')) return Promise.reject(new Error('invalid byte sequence'));
        return super.appendForExistingUsers(rows);
      }
    })();
    const log2 = new SecurityEventLog({ writer: poisoned, clock: manualClock(), timers, queueLimit: 1000, onProblem: (message) => problems.push(message) });
    const before = await droppedCount('factor_added');
    log2.listener({ code: 'factor_added', userId: 'u1', occurredAtMs: 1, address: null, userAgent: null, sessionId: null, reason: 'unstorable', actorId: null });
    log2.listener({ code: 'signed_out', userId: 'u1', occurredAtMs: 2, address: null, userAgent: null, sessionId: null, reason: null, actorId: null });
    expect(await log2.flush()).toBe(false);
    expect(await log2.flush()).toBe(false);
    expect(poisoned.rows).toHaveLength(0);
    // The third refusal: one row at a time shows the database works, so the refused row goes.
    expect(await log2.flush()).toBe(true);
    expect(poisoned.rows.map((row) => row.event)).toEqual(['signed_out']);
    expect((await droppedCount('factor_added')) - before).toBe(1);
    expect(problems.at(-1)).toMatch(/refuses while it takes others/);
    expect(log2.pending).toBe(0);

    // A real outage drops nothing, however long it lasts.
    writer.failing = true;
    for (let index = 0; index < 5; index += 1) events.record({ code: 'signed_out', userId: `u${index}` });
    for (let attempt = 0; attempt < 6; attempt += 1) expect(await log.flush()).toBe(false);
    expect(log.pending).toBe(5);
    writer.failing = false;
    expect(await log.flush()).toBe(true);
    expect(writer.rows).toHaveLength(5);
  });

  it('holds at most the queue limit: past it events are dropped and counted by event, and the queued ones arrive later', async () => {
    const { writer, log, events } = setUp({ queueLimit: 100 });
    writer.failing = true;
    const before = await droppedCount('password_changed');
    for (let index = 0; index < 130; index += 1) events.record({ code: 'password_changed', userId: `u${index}` });
    expect(log.pending).toBe(100);
    expect((await droppedCount('password_changed')) - before).toBe(30);
    writer.failing = false;
    expect(await log.flush()).toBe(true);
    expect(writer.rows).toHaveLength(100);
    expect(writer.rows.map((row) => row.userId)).toEqual(Array.from({ length: 100 }, (_, index) => `u${index}`));
  });

  it('a flood of sign-in failures takes at most half of the queue: what users and admins do is still kept', async () => {
    const { writer, log, events } = setUp({ queueLimit: 100 });
    writer.failing = true;
    const before = await droppedCount('sign_in_failed');
    for (let index = 0; index < 500; index += 1) events.record({ code: 'sign_in_failed', userId: null, origin: { address: '198.51.100.9', userAgent: null }, reason: 'invalid_credentials' });
    expect(log.pending).toBe(50);
    expect((await droppedCount('sign_in_failed')) - before).toBe(450);
    for (let index = 0; index < 50; index += 1) events.record({ code: 'factor_removed', userId: 'victim', reason: 'passkey' });
    expect(log.pending).toBe(100);
    writer.failing = false;
    expect(await log.flush()).toBe(true);
    expect(writer.rows.filter((row) => row.event === 'factor_removed')).toHaveLength(50);
    // The share frees up as the failures are written.
    events.record({ code: 'sign_in_failed', userId: null });
    expect(log.pending).toBe(1);
  });

  it('never writes account_erased itself: the erasure writes that row in its own transaction', async () => {
    const { writer, log, events } = setUp();
    events.record({ code: 'account_erased', userId: 'u1' });
    expect(log.pending).toBe(0);
    await log.flush();
    expect(writer.rows).toHaveLength(0);
  });

  it('close writes what is queued; events after close are dropped and counted', async () => {
    const { writer, log, events, timers } = setUp();
    events.record({ code: 'signed_out_everywhere', userId: 'u1' });
    await log.close(2000);
    expect(writer.rows.map((row) => row.event)).toEqual(['signed_out_everywhere']);
    expect(timers.pending.size).toBe(0);
    const before = await droppedCount('signed_out');
    events.record({ code: 'signed_out', userId: 'u1' });
    expect(log.pending).toBe(0);
    expect((await droppedCount('signed_out')) - before).toBe(1);
  });

  it('close gives up after its time limit when the database does not take the events, and counts them as dropped', async () => {
    const { writer, log, events, problems } = setUp();
    writer.failing = true;
    events.record({ code: 'password_reset', userId: 'u1' });
    events.record({ code: 'password_reset', userId: 'u2' });
    const before = await droppedCount('password_reset');
    await log.close(300);
    expect(writer.rows).toHaveLength(0);
    expect(log.pending).toBe(0);
    expect((await droppedCount('password_reset')) - before).toBe(2);
    expect(problems.at(-1)).toMatch(/could not be written before closing/);
  });
});

describe('SecurityEventRetention: the daily purge', () => {
  const DAY_MS = 86_400_000;

  it('runs a little after start, then once a day, deleting what is older than the retention at that moment', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00.000Z'));
    const timers = new ManualTimers();
    const cutoffs: number[] = [];
    const repository = {
      purgeOlderThan: (cutoffMs: number) => {
        cutoffs.push(cutoffMs);
        return Promise.resolve(7);
      },
      countOlderThan: () => Promise.resolve(0),
    };
    const purged: number[] = [];
    const retention = new SecurityEventRetention({ repository, clock, retentionDays: 30, timers, firstDelayMs: 60_000, onPurged: (outcome) => purged.push(outcome.rows) });
    retention.start();
    expect(timers.delays()).toEqual([60_000]);
    expect(cutoffs).toEqual([]);
    clock.advance(60_000);
    timers.fireAll();
    await retention.runOnce();
    expect(cutoffs).toEqual([clock.now() - 30 * DAY_MS]);
    expect(purged).toEqual([7]);
    expect(timers.delays()).toEqual([DAY_MS]);
    clock.advance(DAY_MS);
    timers.fireAll();
    await retention.runOnce();
    expect(cutoffs[1]).toBe(clock.now() - 30 * DAY_MS);
    await retention.stop();
    expect(timers.pending.size).toBe(0);
  });

  it('does nothing with SECURITY_EVENTS_RETENTION_DAYS=0, and a failed purge is reported and tried again the next day', async () => {
    const timers = new ManualTimers();
    const failing = { purgeOlderThan: () => Promise.reject(new Error('database down')), countOlderThan: () => Promise.resolve(0) };
    const forever = new SecurityEventRetention({ repository: failing, clock: manualClock(), retentionDays: 0, timers });
    forever.start();
    expect(timers.pending.size).toBe(0);

    const errors: unknown[] = [];
    const retention = new SecurityEventRetention({ repository: failing, clock: manualClock(), retentionDays: 1, timers, firstDelayMs: 10, onError: (error) => errors.push(error) });
    retention.start();
    timers.fireAll();
    await retention.runOnce();
    expect(errors).toHaveLength(1);
    expect(timers.delays()).toEqual([DAY_MS]);
    await retention.stop();
  });
});
