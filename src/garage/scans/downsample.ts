/**
 * Streaming min/max downsampling: samples arrive one at a time, in time order,
 * of a length nobody knows in advance; memory stays at the point limit.
 * Samples fall into buckets of `size` consecutive samples, each keeping its
 * lowest and highest sample; when the buckets would need more points than
 * allowed, neighbours merge and the size doubles. A spike survives every merge,
 * so the plot of a long log still shows it.
 */

interface Bucket {
  min: readonly [number, number];
  max: readonly [number, number];
  /** Samples in the bucket. */
  count: number;
}

function merge(earlier: Bucket, later: Bucket): Bucket {
  return {
    min: later.min[1] < earlier.min[1] ? later.min : earlier.min,
    max: later.max[1] > earlier.max[1] ? later.max : earlier.max,
    count: earlier.count + later.count,
  };
}

export class MinMaxDownsampler {
  private buckets: Bucket[] = [];
  private current: Bucket | undefined;
  private size = 1;
  private samples = 0;

  /** @param maxPoints the most points {@link points} returns (at least 4). */
  constructor(private readonly maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new RangeError('maxPoints must be an integer of at least 4');
  }

  /** Samples seen so far. */
  get count(): number {
    return this.samples;
  }

  add(time: number, value: number): void {
    this.samples += 1;
    const point = [time, value] as const;
    this.current = this.current === undefined ? { min: point, max: point, count: 1 } : merge(this.current, { min: point, max: point, count: 1 });
    if (this.current.count < this.size) return;
    this.buckets.push(this.current);
    this.current = undefined;
    // Two points a bucket, and room for the bucket being filled.
    if ((this.buckets.length + 1) * 2 > this.maxPoints) this.compact();
  }

  private compact(): void {
    const merged: Bucket[] = [];
    for (let index = 0; index + 1 < this.buckets.length; index += 2) merged.push(merge(this.buckets[index] as Bucket, this.buckets[index + 1] as Bucket));
    // An odd bucket out becomes the one being filled, at the new size.
    this.current = this.buckets.length % 2 === 1 ? this.buckets[this.buckets.length - 1] : undefined;
    this.buckets = merged;
    this.size *= 2;
  }

  /** The kept points in time order: each bucket's lowest and highest sample. */
  points(): [number, number][] {
    const all = this.current === undefined ? this.buckets : [...this.buckets, this.current];
    const points: [number, number][] = [];
    for (const bucket of all) {
      const [first, second] = bucket.min[0] <= bucket.max[0] ? [bucket.min, bucket.max] : [bucket.max, bucket.min];
      points.push([first[0], first[1]]);
      if (second !== first) points.push([second[0], second[1]]);
    }
    return points;
  }
}
