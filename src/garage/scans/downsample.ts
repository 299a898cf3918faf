/**
 * Streaming min/max downsampling: samples arrive one at a time, in time order,
 * of a length nobody knows in advance; memory stays at the point limit.
 * Samples fall into buckets of `size` consecutive samples, each keeping its
 * lowest and highest sample; when the buckets would need more points than
 * allowed, neighbours merge and the size doubles. A spike survives every merge,
 * so the plot of a long log still shows it.
 */

/**
 * A bucket's lowest and highest sample (the earliest on a tie) and how many
 * samples it holds. Plain numbers, updated in place while the bucket fills:
 * a sample allocates nothing, so a long log leaves no garbage to promote.
 */
interface Bucket {
  minTime: number;
  minValue: number;
  maxTime: number;
  maxValue: number;
  /** Samples in the bucket. */
  count: number;
}

function merge(earlier: Bucket, later: Bucket): Bucket {
  const laterMin = later.minValue < earlier.minValue;
  const laterMax = later.maxValue > earlier.maxValue;
  return {
    minTime: laterMin ? later.minTime : earlier.minTime,
    minValue: laterMin ? later.minValue : earlier.minValue,
    maxTime: laterMax ? later.maxTime : earlier.maxTime,
    maxValue: laterMax ? later.maxValue : earlier.maxValue,
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
    let current = this.current;
    if (current === undefined) {
      current = { minTime: time, minValue: value, maxTime: time, maxValue: value, count: 1 };
      this.current = current;
    } else {
      if (value < current.minValue) {
        current.minTime = time;
        current.minValue = value;
      }
      if (value > current.maxValue) {
        current.maxTime = time;
        current.maxValue = value;
      }
      current.count += 1;
    }
    if (current.count < this.size) return;
    this.buckets.push(current);
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
      // One point when the lowest and the highest sample are the same one.
      const same = bucket.minTime === bucket.maxTime && bucket.minValue === bucket.maxValue;
      if (bucket.minTime <= bucket.maxTime) {
        points.push([bucket.minTime, bucket.minValue]);
        if (!same) points.push([bucket.maxTime, bucket.maxValue]);
      } else {
        points.push([bucket.maxTime, bucket.maxValue]);
        points.push([bucket.minTime, bucket.minValue]);
      }
    }
    return points;
  }
}
