import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';

export type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** pino's default level values; `silent` logs nothing. */
const LEVEL_VALUES: Readonly<Record<string, number>> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Number.POSITIVE_INFINITY };

/** Whether a logger at `loggerLevel` writes lines of `level`; an unknown (custom) level name counts as writing, for the real logger to decide. */
export function writesAt(loggerLevel: string, level: LevelName): boolean {
  const threshold = LEVEL_VALUES[loggerLevel];
  return threshold === undefined || (LEVEL_VALUES[level] ?? 0) >= threshold;
}

/**
 * The request logger (`request.log`), created only when something is logged
 * at an enabled level. Fastify makes a pino child per request to bind the
 * request id; with our redaction paths that costs more than the rest of a
 * cheap request's logging, and most requests log nothing at `warn`. A line
 * that is written comes from a real child with the same bindings and options,
 * so it is byte-for-byte what the eager child would have written.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private created: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.created?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  /** Whether a child exists yet (tests). */
  get materialized(): boolean {
    return this.created !== undefined;
  }

  silent(): void {
    // Logs nothing, by definition.
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private logger(): FastifyBaseLogger {
    this.created ??= this.parent.child(this.bindings, this.options);
    return this.created;
  }

  // One line a level: each only forwards to write().
  fatal(...args: unknown[]): void { this.write('fatal', args); }
  error(...args: unknown[]): void { this.write('error', args); }
  warn(...args: unknown[]): void { this.write('warn', args); }
  info(...args: unknown[]): void { this.write('info', args); }
  debug(...args: unknown[]): void { this.write('debug', args); }
  trace(...args: unknown[]): void { this.write('trace', args); }

  private write(level: LevelName, args: unknown[]): void {
    if (!writesAt(this.level, level)) return;
    const logger = this.logger();
    logger[level](...(args as Parameters<LogFn>));
  }
}

/** Fastify's `childLoggerFactory` option: request loggers that cost nothing until used. */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => new LazyChildLogger(logger, bindings, options);
