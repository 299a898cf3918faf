import { nodeTimers, type LogTimers } from './security/security-event-log.js';

export interface PeriodicJobOptions<Result> {
  /** One run; must not reject (the job reports its own failures). */
  readonly run: () => Promise<Result>;
  /** Between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** Before the first run; callers add jitter so instances started together spread out. */
  readonly firstDelayMs: () => number;
  readonly timers?: LogTimers | undefined;
}

/**
 * A background job of the server process on unref'd timers: a first run a
 * little after start, then one every interval after the previous ended; a
 * run asked for while one is going joins it; stop waits for the run in
 * progress, so nothing touches the database or a mail server after close.
 * (The security log's retention purge and the reminder mailer.)
 */
export class PeriodicJob<Result> {
  private timer: unknown;
  private running: Promise<Result> | undefined;
  private stopped = false;
  private readonly timers: LogTimers;

  constructor(private readonly options: PeriodicJobOptions<Result>) {
    this.timers = options.timers ?? nodeTimers;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.scheduleIn(this.options.firstDelayMs());
  }

  private scheduleIn(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().finally(() => {
        this.scheduleIn(this.options.intervalMs);
      });
    }, delayMs);
  }

  /** One run now (a run already going is joined). */
  runOnce(): Promise<Result> {
    this.running ??= this.options.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** True once {@link stop} was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
