import type { Registry } from 'prom-client';

/** One labelled series: counts per bucket (not cumulative), their sum and total. */
interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What `labels()` returns: observes into one series without looking it up again. */
export interface HistogramObserver {
  observe(value: number): void;
}

/** One line of the exposition, as prom-client's registry reads it. */
export interface HistogramValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName: string;
}

/** The series' labels as shared labels, `le` as the value's own: the shape prom-client's registry formats. */
interface ExportedValue extends HistogramValue {
  readonly sharedLabels: Readonly<Record<string, string>>;
}

/** What a registry reads from a metric (prom-client's typings say more than its registry uses). */
export interface HistogramExposition<Value extends HistogramValue> {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly Value[];
}

/**
 * A Prometheus histogram for the observations every request makes (request
 * duration, denylist check, token decode, CSRF check). prom-client's own
 * Histogram checks the label names and rebuilds the series' hash on every
 * observe, even through a labelled child; here a series is found once and an
 * observation is a bucket search and three additions. The exposition is the
 * one prom-client's Histogram writes (cumulative `_bucket` lines with `le`
 * first, `+Inf`, `_sum`, `_count`; the unlabelled series present from the
 * start), built only when scraped. Registered like any prom-client metric.
 */
export class HotPathHistogram<Label extends string = never> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly series = new Map<string, Series>();
  private readonly upperBounds: readonly number[];
  /** The series of an unlabelled histogram (undefined when it has label names). */
  private readonly unlabelled: Series | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    private readonly labelNames: readonly Label[],
    registry: Registry,
  ) {
    if (buckets.some((bound, index) => !Number.isFinite(bound) || (index > 0 && bound <= (buckets[index - 1] ?? 0)))) throw new RangeError(`${name}: buckets must be finite and ascending`);
    if (labelNames.includes('le' as Label)) throw new RangeError('le is reserved for the bucket label');
    this.upperBounds = Object.freeze([...buckets]);
    this.unlabelled = labelNames.length === 0 ? this.seriesFor('', {}) : undefined;
    // The registry only needs name, help, type, get() and reset(): the structural contract of its metrics.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Observes into the unlabelled series. */
  observe(value: number): void {
    if (this.unlabelled === undefined) throw new TypeError(`${this.name} has labels: observe through labels()`);
    this.record(this.unlabelled, value);
  }

  /** The observer of one label combination (every label name must be given); keep it for the next observations. */
  labels(labels: Readonly<Record<Label, string>>): HistogramObserver {
    const values = this.labelNames.map((label) => {
      const value = labels[label];
      if (typeof value !== 'string') throw new TypeError(`${this.name}: label ${label} is missing`);
      return value;
    });
    const key = values.join('\u0000');
    const series = this.series.get(key) ?? this.seriesFor(key, Object.freeze(Object.fromEntries(this.labelNames.map((label, index) => [label, values[index] ?? '']))));
    return {
      observe: (value: number) => {
        this.record(series, value);
      },
    };
  }

  private seriesFor(key: string, labels: Readonly<Record<string, string>>): Series {
    const series: Series = { labels, counts: new Float64Array(this.upperBounds.length + 1), sum: 0, count: 0 };
    this.series.set(key, series);
    return series;
  }

  private record(series: Series, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a finite number`);
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] ?? Infinity)) bucket++;
    // The last slot counts values above every bound (only in +Inf).
    series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** For the text exposition: prom-client's registry formats these values. */
  getForPromString(): Promise<HistogramExposition<ExportedValue>> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, index) => {
        cumulative += series.counts[index] ?? 0;
        values.push({ labels: { le: bound }, sharedLabels: series.labels, value: cumulative, metricName: bucketName });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** For JSON (and tests): each value's labels are its own and its series' together, as prom-client's Histogram gives them. */
  async get(): Promise<HistogramExposition<HistogramValue>> {
    const exposition = await this.getForPromString();
    return { ...exposition, values: exposition.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  /** Back to zero; the series (and the observers handed out for them) stay. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
