import type { Clock } from '../clock.js';
import { SECURITY_EVENT_COLUMN_LIMITS, type NewSecurityEvent } from '../db/repositories/security-events.js';
import { securityMetrics } from '../observability/metrics.js';
import { deviceLabel } from './device-label.js';
import { SECURITY_EVENT_CODES, type SecurityEvent, type SecurityEventCode } from './security-events.js';

/** Where the log writes: `SecurityEventsRepository.appendForExistingUsers`. Resolves to the rows written. */
export interface SecurityEventWriter {
  appendForExistingUsers(rows: readonly NewSecurityEvent[]): Promise<number>;
}

/** The timers the log schedules its writes with: Node's by default (unref'd), a test's own otherwise. */
export interface LogTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const nodeTimers: LogTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface SecurityEventLogOptions {
  readonly writer: SecurityEventWriter;
  readonly clock: Clock;
  /** Events held at most (SECURITY_EVENTS_QUEUE_LIMIT); past it new events are dropped and counted. */
  readonly queueLimit: number;
  /** Rows a write takes at most; this many waiting start a write at once. Default 200. */
  readonly batchSize?: number;
  /** How long an event waits for others before a write. Default 1 s. */
  readonly flushIntervalMs?: number;
  /** The first retry after a failed write; doubled each failure up to {@link maxBackoffMs}. Default 1 s. */
  readonly initialBackoffMs?: number;
  /** Default 60 s. */
  readonly maxBackoffMs?: number;
  readonly timers?: LogTimers;
  /** A failed write (the batch stays queued) or events lost at close. Never throws. */
  readonly onProblem?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * Events a stranger can cause without any credential: a flood of them may
 * take at most this share of the queue, so it can never crowd out (and so
 * hide) what signed-in users and administrators do while the database is slow.
 */
export const STRANGER_EVENTS: ReadonlySet<SecurityEventCode> = new Set(['sign_in_failed']);
export const STRANGER_SHARE = 0.5;

/** After this many refused batches in a row, the log checks whether the database refuses only some rows. */
const ISOLATE_AFTER_FAILURES = 3;
/** Rows written one at a time for that check: a bounded cost while the database is really down. */
const ISOLATION_PROBE_ROWS = 20;

/** Written by the erasure's own transaction (docs/SECURITY.md): the log never writes it. */
const WRITTEN_BY_ERASURE: SecurityEventCode = 'account_erased';

/**
 * A value every engine stores: NUL characters (which PostgreSQL refuses in
 * text) removed and cut to its column. A row the database can never take
 * would stay at the head of the queue for good and block every event after it.
 */
function storable(value: string | null, limit: number): string | null {
  if (value === null) return null;
  return value.replaceAll('\0', '').slice(0, limit);
}

for (const event of SECURITY_EVENT_CODES) securityMetrics.securityEventsDropped.inc({ event }, 0);

/**
 * Makes the security events durable without ever holding up or failing the
 * request they describe: {@link listener} only puts the event in a bounded
 * in-process queue; a timer writes the queue in batches. A batch the database
 * refuses stays at the head of the queue and is retried with backoff; while
 * the queue is full new events are dropped and counted in
 * `security_events_dropped_total`, so memory stays bounded whatever happens to
 * the database. Sign-in failures may take at most half of the queue.
 */
export class SecurityEventLog {
  private readonly queue: NewSecurityEvent[] = [];
  private strangerQueued = 0;
  private timer: unknown;
  private timerDueAt: number | undefined;
  private writing: Promise<boolean> | undefined;
  private failures = 0;
  private closed = false;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timers: LogTimers;
  private readonly strangerLimit: number;

  constructor(private readonly options: SecurityEventLogOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.timers = options.timers ?? nodeTimers;
    this.strangerLimit = Math.max(1, Math.floor(options.queueLimit * STRANGER_SHARE));
  }

  /** For `security.events.subscribe`: returns at once, never throws. */
  readonly listener = (event: SecurityEvent): void => {
    this.enqueue(event);
  };

  /** Events waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  private enqueue(event: SecurityEvent): void {
    if (event.code === WRITTEN_BY_ERASURE) return;
    const stranger = STRANGER_EVENTS.has(event.code);
    if (this.closed || this.queue.length >= this.options.queueLimit || (stranger && this.strangerQueued >= this.strangerLimit)) {
      securityMetrics.securityEventsDropped.inc({ event: event.code });
      return;
    }
    const limits = SECURITY_EVENT_COLUMN_LIMITS;
    this.queue.push({
      occurredAtMs: event.occurredAtMs,
      userId: storable(event.userId, limits.userId),
      event: event.code,
      reason: storable(event.reason, limits.reason),
      address: storable(event.address, limits.address),
      device: storable(deviceLabel(event.userAgent), limits.device),
      sessionId: storable(event.sessionId, limits.sessionId),
      actorId: storable(event.actorId, limits.actorId),
    });
    if (stranger) this.strangerQueued += 1;
    // After a failure the backoff timer decides when to try again; a full batch does not hurry it.
    if (this.failures > 0) return;
    this.schedule(this.queue.length >= this.batchSize ? 0 : this.flushIntervalMs);
  }

  /** A write in `delayMs`, unless one is due sooner. */
  private schedule(delayMs: number): void {
    if (this.closed) return;
    const dueAt = this.options.clock.now() + delayMs;
    if (this.timer !== undefined && this.timerDueAt !== undefined && this.timerDueAt <= dueAt) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = undefined;
      void this.flush();
    }, delayMs);
  }

  /**
   * Writes what is queued, batch after batch, one write at a time. Resolves to
   * true when the queue was emptied, false when a write failed (the events
   * stay queued and a retry is scheduled with backoff). Never rejects.
   */
  flush(): Promise<boolean> {
    if (this.writing !== undefined) {
      // Events queued after the running write began are written by the next one.
      return this.writing.then((emptied) => (emptied && this.queue.length > 0 ? this.flush() : emptied));
    }
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeAll(): Promise<boolean> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.batchSize);
      try {
        const written = await this.options.writer.appendForExistingUsers(batch);
        securityMetrics.securityEventsWritten.inc(written);
      } catch (error) {
        // After repeated failures, tell an outage from a row the database will never take.
        if (this.failures + 1 >= ISOLATE_AFTER_FAILURES && (await this.writeOneByOne(batch))) continue;
        this.failures += 1;
        securityMetrics.securityEventWriteFailures.inc();
        const backoffMs = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.failures - 1, 30));
        this.options.onProblem?.('the security activity log could not be written; the events stay queued and the write is retried', {
          err: error,
          pending: this.queue.length,
          retryInMs: backoffMs,
        });
        if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
        this.timer = undefined;
        this.timerDueAt = undefined;
        this.schedule(backoffMs);
        return false;
      }
      this.queue.splice(0, batch.length);
      this.strangerQueued -= batch.filter((row) => STRANGER_EVENTS.has(row.event as SecurityEventCode)).length;
      this.failures = 0;
    }
    return true;
  }

  /**
   * Writes the first rows of a refused batch one at a time. When some go in,
   * the database works and those it refused can never be written: they are
   * dropped (counted, reported) so they stop blocking every event behind them,
   * and true is returned. When none goes in it is an outage: nothing is
   * dropped, false is returned. Rows are removed from the queue in order.
   */
  private async writeOneByOne(batch: readonly NewSecurityEvent[]): Promise<boolean> {
    const probe = batch.slice(0, ISOLATION_PROBE_ROWS);
    const refused: NewSecurityEvent[] = [];
    let written = 0;
    for (const row of probe) {
      try {
        written += await this.options.writer.appendForExistingUsers([row]);
      } catch {
        refused.push(row);
      }
    }
    if (refused.length === probe.length) return false;
    securityMetrics.securityEventsWritten.inc(written);
    for (const row of refused) securityMetrics.securityEventsDropped.inc({ event: row.event });
    if (refused.length > 0) {
      this.options.onProblem?.('security events the database refuses while it takes others were dropped', { dropped: refused.length, events: refused.map((row) => row.event) });
    }
    this.queue.splice(0, probe.length);
    this.strangerQueued -= probe.filter((row) => STRANGER_EVENTS.has(row.event as SecurityEventCode)).length;
    this.failures = 0;
    return true;
  }

  /**
   * Stops taking events and writes what is queued, giving up after
   * `timeoutMs` (the database is about to close). Events still unwritten then
   * are counted as dropped and reported.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      deadline = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
    });
    // A failed final write is retried until the time is up.
    let givenUp = false;
    const writeUntilEmpty = async (): Promise<boolean> => {
      for (let attempt = 0; !givenUp; attempt += 1) {
        if (await this.flush()) return true;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 1000)));
        if (this.queue.length === 0) return true;
      }
      return false;
    };
    const emptied = await Promise.race([writeUntilEmpty(), timedOut]);
    givenUp = true;
    clearTimeout(deadline);
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!emptied && this.queue.length > 0) {
      const lost = this.queue.splice(0);
      for (const row of lost) securityMetrics.securityEventsDropped.inc({ event: row.event });
      this.strangerQueued = 0;
      this.options.onProblem?.('the security activity log could not be written before closing; these events are lost', { lost: lost.length });
    }
  }
}
