import diagnosticsChannel from 'node:diagnostics_channel';
import type { FastifyBaseLogger } from 'fastify';
import { systemClock, type Clock } from '../clock.js';
import { securityMetrics } from './metrics.js';

/**
 * The seed's latency thresholds ("Performance Requirements"), in
 * milliseconds. An operation slower than its threshold is counted and logged
 * as a warning; the benchmark (bench/) reports the same operations against the
 * same numbers.
 */
export const SLOW_OPERATION_THRESHOLDS_MS = Object.freeze({
  denylist_check: 10,
  token_decode: 15,
  csrf_generate: 5,
  csrf_validate: 5,
  header_injection: 1,
});

export type SecurityOperation = keyof typeof SLOW_OPERATION_THRESHOLDS_MS;

/** What a slow-operation warning carries: the operation and how long it took, never a token or user. */
export interface SlowOperation {
  readonly operation: SecurityOperation;
  readonly durationMs: number;
  readonly thresholdMs: number;
}

/*
 * The security modules that time these operations have no logger of their own
 * (the denylist check runs below any request). They publish on a diagnostics
 * channel; each app subscribes its logger while it runs. Publishing with no
 * subscriber costs one property read.
 */
const SLOW_OPERATION_CHANNEL = 'autocognitix.security.slow-operation';
const slowOperationChannel = diagnosticsChannel.channel(SLOW_OPERATION_CHANNEL);

/** Call with the measured duration of a security operation: slower than its seed threshold is counted and reported. */
export function recordOperationDuration(operation: SecurityOperation, durationMs: number): void {
  const thresholdMs = SLOW_OPERATION_THRESHOLDS_MS[operation];
  if (durationMs <= thresholdMs) return;
  securityMetrics.slowOperations.inc({ operation });
  if (slowOperationChannel.hasSubscribers) slowOperationChannel.publish({ operation, durationMs, thresholdMs } satisfies SlowOperation);
}

export interface SlowOperationLogOptions {
  /** At most one warning per operation in this many milliseconds; the rest are counted in the next line's `suppressed`. Default 1000. */
  readonly minIntervalMs?: number;
  /** The app's clock: the one-line-per-interval limit follows it. Default the system clock. */
  readonly clock?: Clock;
}

/**
 * Logs slow security operations as warnings on `logger` until the returned
 * function is called. When a dependency degrades, every request is slow: one
 * line per operation and second (with how many were `suppressed` since the
 * last) says as much as thousands would. `security_slow_operations_total`
 * still counts each one.
 */
export function logSlowOperations(logger: FastifyBaseLogger, options: SlowOperationLogOptions = {}): () => void {
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const clock = options.clock ?? systemClock;
  const lastLoggedAt = new Map<SecurityOperation, number>();
  const suppressedSince = new Map<SecurityOperation, number>();
  const onSlowOperation = (message: unknown): void => {
    const { operation, durationMs, thresholdMs } = message as SlowOperation;
    const at = clock.now();
    const last = lastLoggedAt.get(operation);
    if (last !== undefined && at - last < minIntervalMs) {
      suppressedSince.set(operation, (suppressedSince.get(operation) ?? 0) + 1);
      return;
    }
    lastLoggedAt.set(operation, at);
    const suppressed = suppressedSince.get(operation) ?? 0;
    suppressedSince.delete(operation);
    logger.warn(
      { operation, durationMs: Math.round(durationMs * 1000) / 1000, thresholdMs, ...(suppressed > 0 ? { suppressed } : {}) },
      `slow security operation: ${operation} took ${durationMs.toFixed(3)} ms (threshold ${thresholdMs} ms)`,
    );
  };
  diagnosticsChannel.subscribe(SLOW_OPERATION_CHANNEL, onSlowOperation);
  return () => {
    diagnosticsChannel.unsubscribe(SLOW_OPERATION_CHANNEL, onSlowOperation);
  };
}
