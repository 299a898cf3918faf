import type { Clock } from '../clock.js';
import type { SecurityEventsRepository } from '../db/repositories/security-events.js';
import { PeriodicJob } from '../periodic-job.js';
import type { LogTimers } from './security-event-log.js';

const DAY_MS = 86_400_000;
/** Rows one delete statement takes: short transactions, no long lock. */
export const PURGE_BATCH_SIZE = 1000;
/** The first purge runs this long after start (plus up to as much again at random, so instances started together spread out). */
export const FIRST_PURGE_DELAY_MS = 5 * 60_000;
export const PURGE_INTERVAL_MS = DAY_MS;

export interface PurgeOutcome {
  /** Rows older than this went (or would go, in a dry run). */
  readonly cutoff: string;
  readonly rows: number;
}

/** The instant before which rows go; undefined when SECURITY_EVENTS_RETENTION_DAYS is 0 (kept forever). */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number | undefined {
  return retentionDays === 0 ? undefined : nowMs - retentionDays * DAY_MS;
}

/** Deletes (or with `dryRun` counts) the rows older than the retention; undefined when rows are kept forever. */
export async function purgeSecurityEvents(
  repository: Pick<SecurityEventsRepository, 'purgeOlderThan' | 'countOlderThan'>,
  nowMs: number,
  retentionDays: number,
  options: { dryRun?: boolean; batchSize?: number } = {},
): Promise<PurgeOutcome | undefined> {
  const cutoffMs = retentionCutoffMs(nowMs, retentionDays);
  if (cutoffMs === undefined) return undefined;
  const rows = options.dryRun === true ? await repository.countOlderThan(cutoffMs) : await repository.purgeOlderThan(cutoffMs, options.batchSize ?? PURGE_BATCH_SIZE);
  return { cutoff: new Date(cutoffMs).toISOString(), rows };
}

export interface RetentionScheduleOptions {
  readonly repository: Pick<SecurityEventsRepository, 'purgeOlderThan' | 'countOlderThan'>;
  readonly clock: Clock;
  readonly retentionDays: number;
  readonly timers?: LogTimers;
  readonly firstDelayMs?: number;
  readonly intervalMs?: number;
  readonly onPurged?: (outcome: PurgeOutcome) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * The daily purge inside the server: a little after start, then once a day,
 * on unref'd timers. Several instances running it at once only share the
 * work (each deletes what is still there, in batches). Nothing with
 * SECURITY_EVENTS_RETENTION_DAYS=0.
 */
export class SecurityEventRetention {
  private readonly job: PeriodicJob<void>;

  constructor(private readonly options: RetentionScheduleOptions) {
    this.job = new PeriodicJob({
      run: () => this.purge(),
      intervalMs: options.intervalMs ?? PURGE_INTERVAL_MS,
      firstDelayMs: () => options.firstDelayMs ?? FIRST_PURGE_DELAY_MS + Math.floor(Math.random() * FIRST_PURGE_DELAY_MS),
      timers: options.timers,
    });
  }

  start(): void {
    if (this.options.retentionDays !== 0) this.job.start();
  }

  /** One purge now; never rejects (a failure is reported and the next day tries again). */
  runOnce(): Promise<void> {
    return this.job.runOnce();
  }

  /** Stops the timer and waits for a purge in progress, so nothing touches the database after close. */
  stop(): Promise<void> {
    return this.job.stop();
  }

  private async purge(): Promise<void> {
    try {
      const outcome = await purgeSecurityEvents(this.options.repository, this.options.clock.now(), this.options.retentionDays);
      if (outcome !== undefined) this.options.onPurged?.(outcome);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
