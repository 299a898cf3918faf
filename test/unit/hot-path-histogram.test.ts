import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotPathHistogram } from '../../src/observability/hot-path-histogram.js';

const BUCKETS = [0.05, 0.1, 0.25, 1, 10];
// On a bound, between bounds, below the first, above the last, zero and a negative value.
const OBSERVATIONS = [0.05, 0.07, 0.1, 0.2, 1, 3, 10, 12.5, 0, -1, 0.01];

/** The same observations into prom-client's Histogram and ours, each in its own registry. */
function both(labelled: boolean): { ours: Registry; theirs: Registry; fast: HotPathHistogram<'route' | 'method'>; reference: Histogram<'route' | 'method'> } {
  const ours = new Registry();
  const theirs = new Registry();
  const labelNames = labelled ? (['route', 'method'] as const) : ([] as const);
  const fast = new HotPathHistogram<'route' | 'method'>('probe_seconds', 'A probe.', BUCKETS, labelNames, ours);
  const reference = new Histogram<'route' | 'method'>({ name: 'probe_seconds', help: 'A probe.', buckets: BUCKETS, labelNames, registers: [theirs] });
  return { ours, theirs, fast, reference };
}

describe('HotPathHistogram', () => {
  it('writes the exposition prom-client writes for an unlabelled histogram, before and after observations', async () => {
    const { ours, theirs, fast, reference } = both(false);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const value of OBSERVATIONS) {
      fast.observe(value);
      reference.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('probe_seconds_bucket{le="+Inf"} 11');
    // JSON as prom-client gives it, but without its exemplar fields (exemplars are off).
    const withoutExemplars = (await theirs.getMetricsAsJSON()).map((metric) => ({ ...metric, values: (metric.values as { labels: unknown; value: number; metricName?: string }[]).map(({ labels, value, metricName }) => ({ labels, value, metricName })) }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
  });

  it('writes the same series as prom-client for labelled observers, each kept apart', async () => {
    const { ours, theirs, fast, reference } = both(true);
    // Series are listed in the order they first appear: POST observes first below, as in prom-client.
    const post = fast.labels({ route: '/api/v1/x', method: 'POST' });
    const get = fast.labels({ route: '/api/v1/x', method: 'GET' });
    for (const [index, value] of OBSERVATIONS.entries()) {
      const method = index % 3 === 0 ? 'POST' : 'GET';
      (method === 'GET' ? get : post).observe(value);
      reference.labels({ route: '/api/v1/x', method }).observe(value);
    }
    // A label value that needs escaping.
    fast.labels({ route: 'a "quoted"\\path', method: 'GET' }).observe(0.3);
    reference.labels({ route: 'a "quoted"\\path', method: 'GET' }).observe(0.3);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('probe_seconds_count{route="/api/v1/x",method="POST"} 4');
    expect((await fast.get()).values).toEqual((await reference.get()).values.map(({ labels, value, metricName }) => ({ labels, value, metricName })));
  });

  it('finds the same series again for the same labels', async () => {
    const { ours, fast } = both(true);
    fast.labels({ route: '/r', method: 'GET' }).observe(1);
    fast.labels({ route: '/r', method: 'GET' }).observe(2);
    expect(await ours.metrics()).toContain('probe_seconds_count{route="/r",method="GET"} 2');
  });

  it('refuses what prom-client refuses: a missing label, observe without labels, a value that is not finite, le as a label', () => {
    const { fast } = both(true);
    expect(() => fast.labels({ route: '/r' } as { route: string; method: string })).toThrow(/method/);
    expect(() => {
      fast.observe(1);
    }).toThrow(TypeError);
    const unlabelled = both(false).fast;
    for (const value of [Number.NaN, Infinity, -Infinity]) {
      expect(() => {
        unlabelled.observe(value);
      }).toThrow(TypeError);
    }
    expect(() => new HotPathHistogram('bad', 'Bad.', BUCKETS, ['le'], new Registry())).toThrow(RangeError);
    expect(() => new HotPathHistogram('bad', 'Bad.', [1, 0.5], [], new Registry())).toThrow(RangeError);
  });

  it('goes back to zero on reset, and the observers handed out keep counting', async () => {
    const { ours, fast } = both(true);
    const observer = fast.labels({ route: '/r', method: 'GET' });
    observer.observe(1);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('probe_seconds_count{route="/r",method="GET"} 0');
    observer.observe(1);
    expect(await ours.metrics()).toContain('probe_seconds_count{route="/r",method="GET"} 1');
  });
});
