/**
 * The key-value-with-TTL contract every piece of shared, expiring state uses
 * (denylist, CSRF tokens, rate-limit counters). Implemented by Redis and by an
 * embedded SQLite file; one contract suite (test/integration/stores) checks both.
 *
 * Two interfaces: {@link KeyValueStore} is what the request path may do (one
 * key, or a known list of keys, per call); {@link KeyValueStoreAdmin} walks the
 * key space, which only operators' commands, the background sampler and tests
 * may do. Code handed a `KeyValueStore` cannot scan or purge by accident.
 *
 * Units: every TTL is in milliseconds and must be a positive integer.
 * Keys: callers pass logical keys (`jti:<jti>`, built in src/security/store-keys.ts);
 * the store adds its own prefix.
 * Keys that must live in one Redis Cluster hash slot use a `{tag}`.
 * Errors: every method rejects with {@link StoreUnavailableError} when the
 * backend cannot answer, so callers can fail closed.
 */
export interface KeyValueStore {
  /** Which backend answers: for health output and logs. */
  readonly kind: 'redis' | 'sqlite';

  /** Stores `value` under `key`, replacing any value and TTL it had. */
  set(key: string, value: string, ttlMs: number): Promise<void>;

  /** Atomically stores `value` only if `key` is absent (or expired). Returns true when it stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;

  /** The live value, or null when absent or expired. */
  get(key: string): Promise<string | null>;

  /**
   * The live values of `keys`, in the same order (null where absent or
   * expired). One round trip where the backend allows: the denylist check
   * reads all its keys with one call.
   */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;

  /** Whether a live value exists. */
  exists(key: string): Promise<boolean>;

  /**
   * Atomically replaces the value of `key` with `value` (and a fresh TTL) only
   * if its live value is `expected` — or, with `expected` null, only if it is
   * absent. Returns true when it wrote. The building block for lock-free
   * read-modify-write of one key (refresh-token rotation).
   */
  compareAndSet(key: string, expected: string | null, value: string, ttlMs: number): Promise<boolean>;

  /** Atomically reads and removes `key`. Null when it was absent. */
  getAndDelete(key: string): Promise<string | null>;

  /** Removes `key`. Returns true when a live value was removed. */
  delete(key: string): Promise<boolean>;

  /**
   * Atomically adds 1 to the integer at `key` (absent counts as 0). The TTL is
   * set only when the key is created, so a fixed window never slides.
   * Returns the new count and the milliseconds left until the key expires.
   */
  increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }>;

  /** Milliseconds until `key` expires, or null when it is absent. */
  ttlMs(key: string): Promise<number | null>;

  /** Resolves when the backend answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;

  /**
   * Runs `listener` each time the backend's connection becomes ready (Redis:
   * at start and after every reconnect — a restarted Redis may come back
   * empty). The embedded store is ready when constructed and never calls it.
   * Returns the unsubscribe function.
   */
  onReady?(listener: () => void): () => void;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Walks of the key space under a prefix: SCAN on Redis (every master of a
 * Cluster), an index range on SQLite. Their cost grows with the key space, so
 * they stay off the request path. Prefixes are literal (no glob, no LIKE).
 */
export interface KeyValueStoreAdmin {
  /** Every live key starting with `prefix` (logical keys, without the store's prefix). Holds them all in memory: for tests and small families. */
  keysWithPrefix(prefix: string): Promise<string[]>;

  /**
   * How many live keys start with `prefix`, counted a page at a time, so memory
   * stays bounded however many there are. On Redis a key written or resized
   * away during the walk may be counted twice or missed (SCAN's guarantee):
   * right for a gauge, not for a decision.
   */
  countWithPrefix(prefix: string): Promise<number>;

  /** Removes every key starting with `prefix`; returns how many. Never a whole-database flush. */
  deleteWithPrefix(prefix: string): Promise<number>;
}

/** Both contracts: what the backends implement and the runtime holds. */
export interface KeyValueStoreWithAdmin extends KeyValueStore, KeyValueStoreAdmin {}

/** The backend did not answer. Security checks treat this as "deny" (fail closed). */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message = 'The key-value store is unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
