import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { SLOW_OPERATION_THRESHOLDS_MS, logSlowOperations, recordOperationDuration, type SecurityOperation } from '../../src/observability/slow-operations.js';
import { logCapture } from '../helpers/log-capture.js';
import { manualClock } from '../helpers/time.js';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const { destination, lines } = logCapture();
  return { logger: createLogger({ level: 'info', destination }), lines };
}

async function slowCount(operation: SecurityOperation): Promise<number> {
  return (await securityMetrics.slowOperations.get()).values.find((value) => value.labels.operation === operation)?.value ?? 0;
}

describe('slow security operations', () => {
  it("holds the seed's thresholds (Performance Requirements) in one place", () => {
    expect(SLOW_OPERATION_THRESHOLDS_MS).toEqual({ denylist_check: 10, token_decode: 15, csrf_generate: 5, csrf_validate: 5, header_injection: 1 });
    expect(Object.isFrozen(SLOW_OPERATION_THRESHOLDS_MS)).toBe(true);
  });

  it.each(Object.entries(SLOW_OPERATION_THRESHOLDS_MS) as [SecurityOperation, number][])('%s: over %d ms is a warning with the operation and duration; at the threshold it is not', async (operation, thresholdMs) => {
    const { logger, lines } = capturingLogger();
    const stop = logSlowOperations(logger);
    try {
      const before = await slowCount(operation);
      recordOperationDuration(operation, thresholdMs);
      recordOperationDuration(operation, thresholdMs / 2);
      expect(lines()).toEqual([]);
      recordOperationDuration(operation, thresholdMs + 0.25);
      expect(lines()).toEqual([
        expect.objectContaining({ level: 40, operation, durationMs: thresholdMs + 0.25, thresholdMs, msg: expect.stringContaining(`slow security operation: ${operation}`) as unknown }),
      ]);
      expect(await slowCount(operation)).toBe(before + 1);
    } finally {
      stop();
    }
  });

  it('stops logging once unsubscribed, but keeps counting', async () => {
    const { logger, lines } = capturingLogger();
    const stop = logSlowOperations(logger);
    stop();
    const before = await slowCount('denylist_check');
    recordOperationDuration('denylist_check', 500);
    expect(lines()).toEqual([]);
    expect(await slowCount('denylist_check')).toBe(before + 1);
  });
});

describe('slow-operation warnings under a degraded dependency', () => {
  it('logs at most one line per operation and interval, then says how many it held back', () => {
    const { logger, lines } = capturingLogger();
    const clock = manualClock(1_000_000);
    const stop = logSlowOperations(logger, { minIntervalMs: 1000, clock });
    try {
      for (let index = 0; index < 5; index++) recordOperationDuration('denylist_check', 50);
      recordOperationDuration('csrf_validate', 50);
      expect(lines().map((line) => [line.operation, line.suppressed])).toEqual([
        ['denylist_check', undefined],
        ['csrf_validate', undefined],
      ]);
      clock.advance(999);
      recordOperationDuration('denylist_check', 50);
      expect(lines()).toHaveLength(2);
      clock.advance(1);
      recordOperationDuration('denylist_check', 60);
      expect(lines().at(-1)).toMatchObject({ operation: 'denylist_check', durationMs: 60, suppressed: 5 });
      clock.advance(1000);
      recordOperationDuration('denylist_check', 70);
      expect(lines().at(-1)).not.toHaveProperty('suppressed');
    } finally {
      stop();
    }
  });
});
