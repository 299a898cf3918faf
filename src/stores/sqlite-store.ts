import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../clock.js';
import { retryWhileBusy } from '../db/sqlite-busy.js';
import { openSqliteFile } from '../db/sqlite-driver.js';
import { ReadBatcher } from './read-batch.js';
import { StoreUnavailableError, type KeyValueStoreWithAdmin } from './key-value-store.js';

/** Options for {@link SqliteKeyValueStore}. */
export interface SqliteKeyValueStoreOptions {
  /** The database file (shared with the app's relational data). */
  filePath: string;
  /** Prepended to every logical key. */
  keyPrefix?: string;
  /** The app's clock: entries expire by it, so tests expire them without sleeping. Default the system clock. */
  clock?: Clock;
  /** How often expired rows are deleted. Default 60 000 ms. */
  sweepIntervalMs?: number;
}

const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Rows deleted per sweep statement: keeps each write lock short for the app sharing the file. */
const SWEEP_BATCH = 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv_entries (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_entries_expires_at ON kv_entries (expires_at);
`;

interface ValueRow {
  value: string;
  expires_at: number;
}
interface ExpiryRow {
  expires_at: number;
}
interface KeyRow {
  key: string;
}
interface CountRow {
  count: number;
}

/** TTLs are whole, positive milliseconds; anything else is a caller bug, not an outage. */
function assertTtlMs(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive integer');
}

/**
 * The smallest string greater than every string that starts with `prefix`
 * (null when there is none). SQLite compares TEXT bytewise as UTF-8, which
 * orders like code points, so `key >= prefix AND key < bound` is exactly
 * "starts with prefix" and can use the primary-key index; no LIKE, so `%`
 * and `_` in a prefix are plain characters.
 */
export function prefixUpperBound(prefix: string): string | null {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0) ?? 0);
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? 0;
    if (last < 0x10ffff) {
      // Surrogates cannot be stored as UTF-8; the next real code point is U+E000.
      const next = last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1;
      return String.fromCodePoint(...codePoints, next);
    }
  }
  return null;
}

/** getMany statements are kept for key counts up to this. */
const MAX_KEPT_GET_MANY_SIZE = 16;
/** Keys per getMany statement, well under SQLite's limits on bound parameters and result columns. */
const GET_MANY_CHUNK_SIZE = 100;

/** Prepared once: every call only binds parameters. */
function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare<[string, number], ValueRow>('SELECT value, expires_at FROM kv_entries WHERE key = ? AND expires_at > ?'),
    expiry: db.prepare<[string, number], ExpiryRow>('SELECT expires_at FROM kv_entries WHERE key = ? AND expires_at > ?'),
    upsert: db.prepare<[string, string, number]>(
      `INSERT INTO kv_entries (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    // One statement, so atomic on its own: replaces the row only when it has expired.
    insertIfAbsent: db.prepare<[string, string, number, number]>(
      `INSERT INTO kv_entries (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE kv_entries.expires_at <= ?`,
    ),
    updateValue: db.prepare<[string, string]>('UPDATE kv_entries SET value = ? WHERE key = ?'),
    deleteKey: db.prepare<[string], ValueRow>('DELETE FROM kv_entries WHERE key = ? RETURNING value, expires_at'),
    keysInRange: db.prepare<[string, string, number], KeyRow>(
      'SELECT key FROM kv_entries WHERE key >= ? AND key < ? AND expires_at > ? ORDER BY key',
    ),
    keysFrom: db.prepare<[string, number], KeyRow>('SELECT key FROM kv_entries WHERE key >= ? AND expires_at > ? ORDER BY key'),
    countInRange: db.prepare<[string, string, number], CountRow>('SELECT count(*) AS count FROM kv_entries WHERE key >= ? AND key < ? AND expires_at > ?'),
    countFrom: db.prepare<[string, number], CountRow>('SELECT count(*) AS count FROM kv_entries WHERE key >= ? AND expires_at > ?'),
    deleteRange: db.prepare<[string, string], ExpiryRow>('DELETE FROM kv_entries WHERE key >= ? AND key < ? RETURNING expires_at'),
    deleteFrom: db.prepare<[string], ExpiryRow>('DELETE FROM kv_entries WHERE key >= ? RETURNING expires_at'),
    sweep: db.prepare<[number, number]>(
      'DELETE FROM kv_entries WHERE rowid IN (SELECT rowid FROM kv_entries WHERE expires_at <= ? LIMIT ?)',
    ),
    ping: db.prepare<[]>('SELECT 1'),
  };
}

/**
 * {@link KeyValueStore} in a SQLite file through better-sqlite3, for
 * single-node deployments without Redis.
 *
 * Reads filter on `expires_at > now`, so an entry is invisible the moment it
 * expires; an `unref()`'d timer deletes expired rows in the background.
 * Read-modify-write operations run in `BEGIN IMMEDIATE` transactions so they
 * stay atomic even when several processes share the file. Every SQLite
 * failure (locked past the busy timeout, closed, corrupt) surfaces as
 * {@link StoreUnavailableError}.
 */
export class SqliteKeyValueStore implements KeyValueStoreWithAdmin {
  readonly kind = 'sqlite' as const;

  private readonly db: Database.Database;
  private readonly keyPrefix: string;
  private readonly now: () => number;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly incrementTx: (key: string, ttlMs: number) => { count: number; ttlMs: number };
  private readonly getAndDeleteTx: (key: string) => string | null;
  private readonly compareAndSetTx: (key: string, expected: string | null, value: string, ttlMs: number) => boolean;
  private readonly getManyStatements = new Map<number, Database.Statement<unknown[], (string | null)[]>>();
  private readonly readValuesTx: (keyLists: readonly (readonly string[])[], now: number) => (string | null)[][];
  private readonly reads = new ReadBatcher((keyLists) => this.readRound(keyLists));
  private closed = false;

  /** @throws StoreUnavailableError when the file cannot be opened or the table cannot be created. */
  constructor(options: SqliteKeyValueStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? '';
    const clock = options.clock ?? systemClock;
    this.now = () => clock.now();
    let db: Database.Database | undefined;
    try {
      // The app's settings (WAL, mode 0600); the schema may wait for a lock at open, later calls never do (see run()).
      db = openSqliteFile(options.filePath, (opening) => opening.exec(SCHEMA));
    } catch (error) {
      db?.close();
      throw new StoreUnavailableError(`SQLite key-value store unavailable (open): ${errorMessage(error)}`, { cause: error });
    }
    this.db = db;
    this.statements = prepareStatements(db);

    // Deferred (a read transaction): readers never wait for each other.
    this.readValuesTx = db.transaction((keyLists: readonly (readonly string[])[], now: number) => keyLists.map((keys) => this.readValues(keys, now)));
    const increment = db.transaction((key: string, ttlMs: number) => {
      const now = this.now();
      const row = this.statements.get.get(key, now);
      if (row === undefined) {
        // Absent or expired: a new window starts now.
        this.statements.upsert.run(key, '1', now + ttlMs);
        return { count: 1, ttlMs };
      }
      // As strict as Redis INCR: '1e3' or ' 7' are not integers.
      const current = /^-?\d{1,16}$/.test(row.value) ? Number(row.value) : Number.NaN;
      if (!Number.isSafeInteger(current)) throw new Error('The value is not an integer or out of range');
      const count = current + 1;
      this.statements.updateValue.run(String(count), key);
      return { count, ttlMs: row.expires_at - now };
    });
    // IMMEDIATE takes the write lock before the read, so another process cannot interleave.
    this.incrementTx = (key, ttlMs) => increment.immediate(key, ttlMs);

    const getAndDelete = db.transaction((key: string) => {
      const row = this.statements.deleteKey.get(key);
      return row !== undefined && row.expires_at > this.now() ? row.value : null;
    });
    this.getAndDeleteTx = (key) => getAndDelete.immediate(key);

    const compareAndSet = db.transaction((key: string, expected: string | null, value: string, ttlMs: number) => {
      const now = this.now();
      const current = this.statements.get.get(key, now)?.value ?? null;
      if (current !== expected) return false;
      this.statements.upsert.run(key, value, now + ttlMs);
      return true;
    });
    this.compareAndSetTx = (key, expected, value, ttlMs) => compareAndSet.immediate(key, expected, value, ttlMs);

    this.sweepTimer = setInterval(() => {
      try {
        this.sweepExpired();
      } catch {
        // Busy or closed: expired rows are already invisible, the next sweep catches up.
      }
    }, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.run('set', () => {
      assertTtlMs(ttlMs);
      this.statements.upsert.run(this.fullKey(key), value, this.now() + ttlMs);
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.run('setIfAbsent', () => {
      assertTtlMs(ttlMs);
      const now = this.now();
      return this.statements.insertIfAbsent.run(this.fullKey(key), value, now + ttlMs, now).changes === 1;
    });
  }

  /** Batched with the round's other reads, like {@link getMany}: one read transaction per round, not one per key. */
  get(key: string): Promise<string | null> {
    if (this.closed) return this.run('get', () => null);
    return this.reads.read([key]).then((values) => values[0] ?? null);
  }

  /** Batched per event-loop round ({@link ReadBatcher}), all in one read transaction. */
  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (this.closed) return this.run('getMany', () => []);
    return this.reads.read(keys);
  }

  /** The reads of one round: one read transaction, so one WAL read lock, for all of them. */
  private readRound(keyLists: readonly (readonly string[])[]): (string | null)[][] {
    try {
      if (this.closed) throw new Error('The store is closed');
      const now = this.now();
      return keyLists.length === 1 ? [this.readValues(keyLists[0] ?? [], now)] : this.readValuesTx(keyLists, now);
    } catch (error) {
      throw new StoreUnavailableError(`SQLite key-value store unavailable (getMany): ${errorMessage(error)}`, { cause: error });
    }
  }

  private readValues(keys: readonly string[], now: number): (string | null)[] {
    const values: (string | null)[] = [];
    // One statement per chunk, a scalar subquery per key: each call into SQLite costs more than a lookup.
    for (let start = 0; start < keys.length; start += GET_MANY_CHUNK_SIZE) {
      const chunk = keys.slice(start, start + GET_MANY_CHUNK_SIZE);
      const parameters = chunk.flatMap((key) => [this.fullKey(key), now]);
      values.push(...(this.getManyStatement(chunk.length).get(...parameters) ?? []));
    }
    return values;
  }

  private getManyStatement(count: number): Database.Statement<unknown[], (string | null)[]> {
    let statement = this.getManyStatements.get(count);
    if (statement === undefined) {
      const lookup = '(SELECT value FROM kv_entries WHERE key = ? AND expires_at > ?)';
      statement = this.db.prepare<unknown[], (string | null)[]>(`SELECT ${Array.from({ length: count }, () => lookup).join(', ')}`).raw();
      // Callers use a handful of fixed sizes; anything else is prepared per call rather than kept.
      if (count <= MAX_KEPT_GET_MANY_SIZE) this.getManyStatements.set(count, statement);
    }
    return statement;
  }

  exists(key: string): Promise<boolean> {
    return this.run('exists', () => this.statements.expiry.get(this.fullKey(key), this.now()) !== undefined);
  }

  getAndDelete(key: string): Promise<string | null> {
    return this.run('getAndDelete', () => this.getAndDeleteTx(this.fullKey(key)));
  }

  compareAndSet(key: string, expected: string | null, value: string, ttlMs: number): Promise<boolean> {
    return this.run('compareAndSet', () => {
      assertTtlMs(ttlMs);
      return this.compareAndSetTx(this.fullKey(key), expected, value, ttlMs);
    });
  }

  delete(key: string): Promise<boolean> {
    return this.run('delete', () => {
      const row = this.statements.deleteKey.get(this.fullKey(key));
      return row !== undefined && row.expires_at > this.now();
    });
  }

  increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }> {
    return this.run('increment', () => {
      assertTtlMs(ttlMs);
      return this.incrementTx(this.fullKey(key), ttlMs);
    });
  }

  ttlMs(key: string): Promise<number | null> {
    return this.run('ttlMs', () => {
      const now = this.now();
      const row = this.statements.expiry.get(this.fullKey(key), now);
      return row === undefined ? null : row.expires_at - now;
    });
  }

  keysWithPrefix(prefix: string): Promise<string[]> {
    return this.run('keysWithPrefix', () => {
      const from = this.fullKey(prefix);
      const to = prefixUpperBound(from);
      const now = this.now();
      const rows = to === null ? this.statements.keysFrom.all(from, now) : this.statements.keysInRange.all(from, to, now);
      return rows.map((row) => row.key.slice(this.keyPrefix.length));
    });
  }

  countWithPrefix(prefix: string): Promise<number> {
    return this.run('countWithPrefix', () => {
      const from = this.fullKey(prefix);
      const to = prefixUpperBound(from);
      const now = this.now();
      const row = to === null ? this.statements.countFrom.get(from, now) : this.statements.countInRange.get(from, to, now);
      return row?.count ?? 0;
    });
  }

  deleteWithPrefix(prefix: string): Promise<number> {
    return this.run('deleteWithPrefix', () => {
      const from = this.fullKey(prefix);
      // With no prefix at all this would empty the whole table.
      if (from === '') throw new RangeError('deleteWithPrefix needs a non-empty prefix');
      const to = prefixUpperBound(from);
      const rows = to === null ? this.statements.deleteFrom.all(from) : this.statements.deleteRange.all(from, to);
      const now = this.now();
      // Expired rows go too, but only live ones count, as in Redis.
      return rows.filter((row) => row.expires_at > now).length;
    });
  }

  /** Ready from construction on: nothing to wait for, no reconnects. */
  onReady(): () => void {
    return () => undefined;
  }

  ping(): Promise<void> {
    return this.run('ping', () => {
      this.statements.ping.get();
    });
  }

  /**
   * Deletes expired rows (of every prefix) now, in short batches. The timer
   * calls this; exposed so tests and maintenance tasks need not wait for it.
   * Returns how many rows were deleted.
   */
  sweepExpired(): number {
    const now = this.now();
    let total = 0;
    for (;;) {
      const { changes } = this.statements.sweep.run(now, SWEEP_BATCH);
      total += changes;
      if (changes < SWEEP_BATCH) return total;
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.sweepTimer);
    return this.run('close', () => {
      this.db.close();
    });
  }

  private fullKey(key: string): string {
    return this.keyPrefix + key;
  }

  /**
   * Runs a synchronous SQLite call as a promise; caller bugs stay RangeErrors, everything else means unavailable.
   * A file locked by another connection (of this process or another) is waited for with timers, never inside
   * the call, so the event loop — and the lock holder — keep running (issue 13.6).
   */
  private run<T>(operation: string, body: () => T): Promise<T> {
    const attempt = (): T => {
      if (this.closed && operation !== 'close') throw new Error('The store is closed');
      return body();
    };
    return retryWhileBusy(attempt).catch((error: unknown) => {
      if (error instanceof RangeError) throw error;
      throw new StoreUnavailableError(`SQLite key-value store unavailable (${operation}): ${errorMessage(error)}`, { cause: error });
    });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
