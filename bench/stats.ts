/** One operation's latency distribution, as bench/results.json records it (milliseconds). */
export interface OperationResult {
  readonly runs: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly threshold_ms: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Rounds to 4 significant decimals of a millisecond (0.1 µs): enough for sub-microsecond operations. */
export function roundMs(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function summarize(samples: readonly number[] | Float64Array, thresholdMs: number): OperationResult {
  const sorted = Float64Array.from(samples).sort();
  return {
    runs: sorted.length,
    p50_ms: roundMs(percentile(sorted, 0.5)),
    p95_ms: roundMs(percentile(sorted, 0.95)),
    p99_ms: roundMs(percentile(sorted, 0.99)),
    max_ms: roundMs(sorted[sorted.length - 1] ?? Number.NaN),
    threshold_ms: thresholdMs,
  };
}

/** The item whose `valueOf` is the median (the lower middle of an even count): a bench's median run, or a median ratio. */
export function medianBy<T>(items: readonly T[], valueOf: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => valueOf(a) - valueOf(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('no values');
  return middle;
}

/** p50 and p99 of a short series (login, refresh). */
export function p50p99(samples: readonly number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(samples).sort();
  return { p50: roundMs(percentile(sorted, 0.5)), p99: roundMs(percentile(sorted, 0.99)) };
}
