import type { KeyValueStore } from '../../src/stores/index.js';

/**
 * A clock tests move by hand (a `Clock` of src/clock.ts): give it to the app
 * (`startTestApp({ clock })`) and expiry needs no sleeping. Function
 * properties, so `clock.now` may be passed on alone.
 */
export interface ManualClock {
  readonly now: () => number;
  readonly advance: (ms: number) => void;
  readonly set: (ms: number) => void;
}

export function manualClock(start = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** The real clock pushed by hand: time still passes (sessions keep ordering themselves) and a test can jump ahead. */
export interface ShiftedClock {
  readonly now: () => number;
  readonly shift: (ms: number) => void;
}

export function shiftedClock(): ShiftedClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    shift: (ms) => {
      offsetMs += ms;
    },
  };
}

/**
 * Real waiting, for what no injected clock reaches: a child process, a
 * redis-server's own TTLs. Tests prefer {@link manualClock} or fake timers,
 * and {@link eventually} over a fixed pause.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

export interface EventuallyOptions {
  /** Give up after this long. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 25 ms. */
  readonly intervalMs?: number;
  /** What was awaited, for the error on timeout. */
  readonly what?: string;
}

type Reached<T> = Exclude<T, false | null | undefined>;

/**
 * Calls `probe` until it returns a value other than false, null or undefined
 * (or stops throwing) and returns that value; throws after `timeoutMs`, with
 * the last error as its cause. For waits on something outside the test's
 * control (a process starting, a server's own expiry), never as a timed assertion.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Reached<T>> {
  const { timeoutMs = 5000, intervalMs = 25, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false && value !== null && value !== undefined) return value as Reached<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new Error(`${what} was not reached within ${timeoutMs} ms`, { cause: lastError });
    await sleep(intervalMs);
  }
}

/**
 * Lets one store entry run out now, on either backend, value unchanged: its
 * TTL becomes 1 ms and `clock` (the app's manual one, which the embedded store
 * follows; none when the app runs on real time) moves past it; Redis keeps its
 * own time, so there it is a millisecond of real waiting.
 */
export async function expireStoreEntry(store: KeyValueStore, key: string, clock?: ManualClock): Promise<void> {
  const value = await store.get(key);
  if (value === null) throw new Error(`${key} is not in the store`);
  await store.set(key, value, 1);
  clock?.advance(1);
  await eventually(async () => !(await store.exists(key)), { what: `${key} expiring` });
}
