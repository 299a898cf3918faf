import { describe, expect, it } from 'vitest';
import { ProcessWindowCounters } from '../../src/security/process-window-counters.js';

function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('ProcessWindowCounters', () => {
  it('counts in a fixed window that starts with the first count and never slides', async () => {
    const clock = manualClock();
    const counters = new ProcessWindowCounters(clock);
    expect(await counters.increment('a', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
    clock.advance(20_000);
    expect(await counters.increment('a', 60_000)).toEqual({ count: 2, ttlMs: 40_000 });
    expect(await counters.increment('b', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
    clock.advance(40_000);
    // At the window's end a new one starts.
    expect(await counters.increment('a', 60_000)).toEqual({ count: 1, ttlMs: 60_000 });
  });

  it('sweeps ended windows and, when full, drops the window that started first', async () => {
    const clock = manualClock();
    const counters = new ProcessWindowCounters(clock, 3);
    for (const key of ['a', 'b', 'c']) await counters.increment(key, 1000);
    await counters.increment('a', 1000);
    expect(counters.size).toBe(3);
    // Full: 'a' started first and goes; 'b' and 'c' keep their counts.
    await counters.increment('d', 1000);
    expect(counters.size).toBe(3);
    expect((await counters.increment('a', 1000)).count).toBe(1);
    expect((await counters.increment('c', 1000)).count).toBe(2);
    clock.advance(1000);
    await counters.increment('e', 1000);
    expect(counters.size).toBe(1);
  });

  it('refuses a TTL that is not a positive integer, as the stores do', async () => {
    const counters = new ProcessWindowCounters(manualClock());
    await expect(counters.increment('a', 0)).rejects.toThrow(RangeError);
    await expect(counters.increment('a', 1.5)).rejects.toThrow(RangeError);
    expect(() => new ProcessWindowCounters(manualClock(), 0)).toThrow(RangeError);
  });
});
