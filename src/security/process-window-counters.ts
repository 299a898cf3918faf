import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../stores/key-value-store.js';

/** Counters kept at most: past this, the counter whose window started first is dropped. */
const DEFAULT_MAX_COUNTERS = 100_000;

interface Window {
  count: number;
  readonly endsAtMs: number;
}

/**
 * Fixed-window counters in this process's memory, with the store's
 * `increment` contract (the window starts with the first count and never
 * slides). For the public route groups on the embedded backend only: it
 * serves one API process (a second needs Redis), and there a counter in the
 * SQLite file cost a write transaction per public request, most of such a
 * request's CPU (docs/PERFORMANCE.md). A restart starts every window afresh:
 * harmless for a per-minute read limit, which is why the credential routes,
 * whose counts must survive restarts, keep counting in the store.
 *
 * Memory is bounded: windows live in a Map in the order they started, so
 * expired ones are swept from the front, and when `maxCounters` live windows
 * exist the oldest is dropped (its address starts a new window: a flood of
 * addresses can only cost each of them a fresh budget, never memory).
 */
export class ProcessWindowCounters implements Pick<KeyValueStore, 'increment'> {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly maxCounters = DEFAULT_MAX_COUNTERS,
  ) {
    if (!Number.isSafeInteger(maxCounters) || maxCounters < 1) throw new RangeError('maxCounters must be a positive integer');
  }

  increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) return Promise.reject(new RangeError('ttlMs must be a positive integer'));
    const now = this.clock.now();
    const current = this.windows.get(key);
    if (current !== undefined && current.endsAtMs > now) {
      current.count += 1;
      return Promise.resolve({ count: current.count, ttlMs: current.endsAtMs - now });
    }
    // A new window goes to the back, so the Map stays in order of start.
    if (current !== undefined) this.windows.delete(key);
    this.makeRoom(now);
    this.windows.set(key, { count: 1, endsAtMs: now + ttlMs });
    return Promise.resolve({ count: 1, ttlMs });
  }

  /** How many windows are held (tests). */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    // Windows of one route group share a length, so expired ones are at the front; a mix of lengths only delays a sweep.
    for (const [key, window] of this.windows) {
      if (window.endsAtMs > now && this.windows.size < this.maxCounters) return;
      this.windows.delete(key);
    }
  }
}
