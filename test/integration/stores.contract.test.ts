import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  RedisKeyValueStore,
  SqliteKeyValueStore,
  StoreUnavailableError,
  createKeyValueStore,
  prefixUpperBound,
  type KeyValueStoreWithAdmin,
} from '../../src/stores/index.js';
import { manualClock, sleep } from '../helpers/time.js';

/**
 * One contract, two backends: every run exercises SQLite (temp file) and the
 * Redis at REDIS_URL (default 127.0.0.1:6379) under a random key prefix.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_ID = randomBytes(6).toString('hex');
const tempDir = mkdtempSync(path.join(os.tmpdir(), 'kv-contract-'));
const sqliteFile = path.join(tempDir, 'app.db');

interface Backend {
  name: 'sqlite' | 'redis';
  create: (keyPrefix: string) => KeyValueStoreWithAdmin;
  /** Lets `ms` pass for the store's TTLs: the SQLite store's injected clock moves; Redis keeps its own time, so that is a real wait. */
  passTime: (ms: number) => Promise<void>;
}

const sqliteClock = manualClock();
const backends: Backend[] = [
  {
    name: 'sqlite',
    create: (keyPrefix) => new SqliteKeyValueStore({ filePath: sqliteFile, keyPrefix, clock: sqliteClock }),
    passTime: (ms) => {
      sqliteClock.advance(ms);
      return Promise.resolve();
    },
  },
  { name: 'redis', create: (keyPrefix) => new RedisKeyValueStore({ url: REDIS_URL, keyPrefix }), passTime: sleep },
];

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe.each(backends)('KeyValueStore contract: $name', ({ name, create, passTime }) => {
  const basePrefix = `test:${RUN_ID}:${name}:`;
  let store: KeyValueStoreWithAdmin;
  let other: KeyValueStoreWithAdmin;
  let keyCounter = 0;
  /** A key no other test uses, so tests cannot see each other's leftovers. */
  const freshKey = (label: string): string => `${label}:${String(++keyCounter)}`;

  beforeAll(async () => {
    store = create(`${basePrefix}a:`);
    other = create(`${basePrefix}b:`);
    await store.ping();
    await other.ping();
  });

  afterAll(async () => {
    const cleaner = create(basePrefix);
    try {
      await cleaner.deleteWithPrefix('');
      expect(await cleaner.keysWithPrefix('')).toEqual([]);
    } finally {
      await cleaner.close();
      await store.close();
      await other.close();
    }
  });

  it('reports its kind', () => {
    expect(store.kind).toBe(name);
  });

  it('set stores a value with a TTL that get and exists see', async () => {
    const key = freshKey('set');
    await store.set(key, 'v1', 10_000);
    expect(await store.get(key)).toBe('v1');
    expect(await store.exists(key)).toBe(true);
    const ttl = await store.ttlMs(key);
    expect(ttl).not.toBeNull();
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('set replaces both the value and the TTL', async () => {
    const key = freshKey('replace');
    await store.set(key, 'old', 5_000);
    await store.set(key, 'new', 200_000);
    expect(await store.get(key)).toBe('new');
    expect(await store.ttlMs(key)).toBeGreaterThan(100_000);
  });

  it('get, exists, ttlMs and getAndDelete of a missing key give null / false', async () => {
    const key = freshKey('missing');
    expect(await store.get(key)).toBeNull();
    expect(await store.exists(key)).toBe(false);
    expect(await store.ttlMs(key)).toBeNull();
    expect(await store.getAndDelete(key)).toBeNull();
  });

  it('getMany answers every key in order, null where absent, and only under its own prefix', async () => {
    const first = freshKey('many');
    const missing = freshKey('many-missing');
    const last = freshKey('many');
    await store.set(first, 'one', 10_000);
    await store.set(last, '', 10_000);
    await other.set(missing, 'not-yours', 10_000);
    expect(await store.getMany([first, missing, last, first])).toEqual(['one', null, '', 'one']);
    expect(await store.getMany([])).toEqual([]);
    expect(await other.getMany([first, missing])).toEqual([null, 'not-yours']);
  });

  it('getMany calls made together are each answered with their own keys', async () => {
    const keys = Array.from({ length: 40 }, () => freshKey('many-together'));
    await Promise.all(keys.map((key, index) => (index % 2 === 0 ? store.set(key, `v${String(index)}`, 10_000) : Promise.resolve())));
    const answers = await Promise.all(keys.map((key, index) => store.getMany([key, keys[(index + 1) % keys.length] ?? key])));
    answers.forEach((answer, index) => {
      expect(answer).toEqual(index % 2 === 0 ? [`v${String(index)}`, null] : [null, `v${String((index + 1) % keys.length)}`]);
    });
  });

  it('getMany calls made together answer right past a thousand keys in all', async () => {
    const lists = Array.from({ length: 60 }, () => Array.from({ length: 25 }, () => freshKey('many-round')));
    await Promise.all(lists.map((keys) => store.set(keys[0] ?? '', 'first of its list', 10_000)));
    const answers = await Promise.all(lists.map((keys) => store.getMany(keys)));
    for (const answer of answers) expect(answer).toEqual(['first of its list', ...Array.from({ length: 24 }, () => null)]);
  });

  it('getMany sees a write issued just before it, even before the write is awaited', async () => {
    const key = freshKey('many-after-write');
    for (const value of ['first', 'second', 'third']) {
      const write = store.set(key, value, 10_000);
      const read = store.getMany([key]);
      await write;
      expect(await read).toEqual([value]);
    }
  });

  it('getMany answers a thousand keys at once', async () => {
    const keys = Array.from({ length: 1200 }, () => freshKey('many-large'));
    await Promise.all(keys.filter((_key, index) => index % 3 === 0).map((key) => store.set(key, `value of ${key}`, 10_000)));
    expect(await store.getMany(keys)).toEqual(keys.map((key, index) => (index % 3 === 0 ? `value of ${key}` : null)));
  });

  it('delete returns true only when it removed a value', async () => {
    const key = freshKey('delete');
    await store.set(key, 'x', 10_000);
    expect(await store.delete(key)).toBe(true);
    expect(await store.get(key)).toBeNull();
    expect(await store.delete(key)).toBe(false);
  });

  it('setIfAbsent stores only when the key is absent', async () => {
    const key = freshKey('nx');
    expect(await store.setIfAbsent(key, 'first', 10_000)).toBe(true);
    expect(await store.setIfAbsent(key, 'second', 10_000)).toBe(false);
    expect(await store.get(key)).toBe('first');
  });

  it('setIfAbsent is atomic: of 20 concurrent calls exactly one wins', async () => {
    const key = freshKey('nx-race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.setIfAbsent(key, `writer-${String(i)}`, 10_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.get(key)).toBe(`writer-${String(winner)}`);
  });

  it('increment starts an absent counter at 1 with the given TTL', async () => {
    const key = freshKey('incr');
    const first = await store.increment(key, 60_000);
    expect(first.count).toBe(1);
    expect(first.ttlMs).toBeGreaterThan(59_000);
    expect(first.ttlMs).toBeLessThanOrEqual(60_000);
    expect(await store.get(key)).toBe('1');
  });

  it('increment keeps the original TTL (a fixed window never slides)', async () => {
    const key = freshKey('window');
    const first = await store.increment(key, 2_000);
    await passTime(50);
    const second = await store.increment(key, 600_000);
    expect(second.count).toBe(2);
    // The second call's much longer TTL is ignored: the window set by the first call still runs out.
    expect(second.ttlMs).toBeLessThanOrEqual(first.ttlMs);
    expect(second.ttlMs).toBeLessThanOrEqual(2_000 - 40);
    expect(second.ttlMs).toBeGreaterThan(0);
    const ttl = await store.ttlMs(key);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });

  it('increment is atomic: 50 concurrent increments count to 50', async () => {
    const key = freshKey('incr-race');
    const results = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 60_000)));
    const counts = results.map((r) => r.count).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await store.get(key)).toBe('50');
  });

  it('increment of a non-integer value rejects instead of corrupting it', async () => {
    const key = freshKey('incr-text');
    await store.set(key, 'not a number', 10_000);
    await expect(store.increment(key, 10_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get(key)).toBe('not a number');
  });

  it('getAndDelete returns the value once and removes it', async () => {
    const key = freshKey('getdel');
    await store.set(key, 'token', 10_000);
    expect(await store.getAndDelete(key)).toBe('token');
    expect(await store.get(key)).toBeNull();
    expect(await store.getAndDelete(key)).toBeNull();
  });

  it('getAndDelete is atomic: of 20 concurrent calls exactly one gets the value', async () => {
    const key = freshKey('getdel-race');
    await store.set(key, 'once', 10_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete(key)));
    expect(results.filter((r) => r === 'once')).toHaveLength(1);
    expect(results.filter((r) => r === null)).toHaveLength(19);
  });

  it('compareAndSet writes only over the expected value, or over nothing when expecting null', async () => {
    const key = freshKey('cas');
    expect(await store.compareAndSet(key, 'v0', 'v1', 10_000)).toBe(false);
    expect(await store.get(key)).toBeNull();
    expect(await store.compareAndSet(key, null, 'v1', 10_000)).toBe(true);
    expect(await store.compareAndSet(key, null, 'other', 10_000)).toBe(false);
    expect(await store.compareAndSet(key, 'wrong', 'other', 10_000)).toBe(false);
    expect(await store.get(key)).toBe('v1');
    expect(await store.compareAndSet(key, 'v1', 'v2', 20_000)).toBe(true);
    expect(await store.get(key)).toBe('v2');
    const ttl = await store.ttlMs(key);
    expect(ttl).toBeGreaterThan(15_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
  });

  it('compareAndSet treats an empty string as a value, not as absent', async () => {
    const key = freshKey('cas-empty');
    await store.set(key, '', 10_000);
    expect(await store.compareAndSet(key, null, 'x', 10_000)).toBe(false);
    expect(await store.compareAndSet(key, '', 'x', 10_000)).toBe(true);
    expect(await store.get(key)).toBe('x');
  });

  it('compareAndSet is atomic: of 20 concurrent swaps from one value exactly one wins', async () => {
    const key = freshKey('cas-race');
    await store.set(key, 'start', 10_000);
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => store.compareAndSet(key, 'start', `winner-${index}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get(key)).toBe(`winner-${results.indexOf(true)}`);
  });

  it('rejects TTLs that are not positive integers with a RangeError', async () => {
    const key = freshKey('bad-ttl');
    for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.set(key, 'v', ttl)).rejects.toBeInstanceOf(RangeError);
      await expect(store.setIfAbsent(key, 'v', ttl)).rejects.toBeInstanceOf(RangeError);
      await expect(store.increment(key, ttl)).rejects.toBeInstanceOf(RangeError);
    }
    expect(await store.exists(key)).toBe(false);
  });

  it('entries really expire (the store\'s own time, short TTL)', async () => {
    const plain = freshKey('expire');
    const counter = freshKey('expire-counter');
    const nx = freshKey('expire-nx');
    const prefix = `${freshKey('expire-prefix')}:`;
    await store.set(plain, 'short-lived', 100);
    await store.increment(counter, 100);
    await store.setIfAbsent(nx, 'first', 100);
    await store.set(`${prefix}1`, 'x', 100);
    expect(await store.get(plain)).toBe('short-lived');

    await passTime(150);

    expect(await store.get(plain)).toBeNull();
    expect(await store.getMany([plain, nx])).toEqual([null, null]);
    expect(await store.exists(plain)).toBe(false);
    expect(await store.ttlMs(plain)).toBeNull();
    expect(await store.getAndDelete(plain)).toBeNull();
    expect(await store.delete(plain)).toBe(false);
    expect(await store.keysWithPrefix(prefix)).toEqual([]);
    expect(await store.countWithPrefix(prefix)).toBe(0);
    expect(await store.deleteWithPrefix(prefix)).toBe(0);
    // An expired window restarts instead of continuing.
    expect((await store.increment(counter, 10_000)).count).toBe(1);
    expect(await store.setIfAbsent(nx, 'second', 10_000)).toBe(true);
    expect(await store.get(nx)).toBe('second');
  });

  it('keysWithPrefix lists live logical keys under exactly that prefix', async () => {
    const prefix = `${freshKey('list')}:`;
    await store.set(`${prefix}a`, '1', 10_000);
    await store.set(`${prefix}b`, '2', 10_000);
    await store.set(`${prefix}sub:c`, '3', 10_000);
    await store.set(`${prefix.slice(0, -1)}-sibling`, 'no', 10_000);
    expect((await store.keysWithPrefix(prefix)).sort()).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}sub:c`]);
    expect(await store.keysWithPrefix(`${prefix}sub:`)).toEqual([`${prefix}sub:c`]);
    expect(await store.keysWithPrefix(`${prefix}zzz`)).toEqual([]);
  });

  it('countWithPrefix counts the live keys under exactly that prefix, past one SCAN page', async () => {
    const prefix = `${freshKey('count')}:`;
    const many = 2_500;
    await Promise.all(Array.from({ length: many }, (_, index) => store.set(`${prefix}${String(index)}`, 'x', 10_000)));
    await store.set(`${prefix}sub:a`, 'x', 10_000);
    await store.set(`${prefix}sub:b`, 'x', 10_000);
    await store.set(`${prefix.slice(0, -1)}-sibling`, 'no', 10_000);
    await other.set(`${prefix}theirs`, 'no', 10_000);
    expect(await store.countWithPrefix(prefix)).toBe(many + 2);
    expect(await store.countWithPrefix(`${prefix}sub:`)).toBe(2);
    expect(await store.countWithPrefix(`${prefix}zzz`)).toBe(0);
    expect(await store.deleteWithPrefix(prefix)).toBe(many + 2);
    expect(await store.countWithPrefix(prefix)).toBe(0);
  });

  it('deleteWithPrefix removes exactly that prefix and counts the keys', async () => {
    const prefix = `${freshKey('purge')}:`;
    const keep = `${prefix.slice(0, -1)}-keep`;
    for (let i = 0; i < 25; i++) await store.set(`${prefix}${String(i)}`, 'x', 10_000);
    await store.set(keep, 'stay', 10_000);
    expect(await store.deleteWithPrefix(prefix)).toBe(25);
    expect(await store.keysWithPrefix(prefix)).toEqual([]);
    expect(await store.get(keep)).toBe('stay');
    expect(await store.deleteWithPrefix(prefix)).toBe(0);
  });

  it('prefixes are literal: no glob (* ? [ ] \\) or LIKE (% _) injection', async () => {
    const base = `${freshKey('literal')}:`;
    const cases: { prefix: string; lookalike: string }[] = [
      { prefix: 'g*x:', lookalike: 'gAx:1' },
      { prefix: 'q?x:', lookalike: 'qAx:1' },
      { prefix: 'b[a]c:', lookalike: 'bac:1' },
      { prefix: 'b\\c:', lookalike: 'bc:1' },
      { prefix: 'p%q:', lookalike: 'pZZq:1' },
      { prefix: 'u_v:', lookalike: 'uXv:1' },
    ];
    for (const { prefix, lookalike } of cases) {
      await store.set(`${base}${prefix}1`, 'target', 10_000);
      await store.set(`${base}${lookalike}`, 'lookalike', 10_000);
    }
    for (const { prefix, lookalike } of cases) {
      expect(await store.keysWithPrefix(`${base}${prefix}`)).toEqual([`${base}${prefix}1`]);
      expect(await store.countWithPrefix(`${base}${prefix}`)).toBe(1);
      expect(await store.deleteWithPrefix(`${base}${prefix}`)).toBe(1);
      expect(await store.get(`${base}${lookalike}`)).toBe('lookalike');
    }
    // A bare wildcard prefix matches nothing here instead of everything.
    expect(await store.keysWithPrefix(`${base}*`)).toEqual([]);
    expect(await store.keysWithPrefix(`${base}%`)).toEqual([]);
    expect(await store.countWithPrefix(`${base}*`)).toBe(0);
    expect(await store.countWithPrefix(`${base}%`)).toBe(0);
    expect(await store.deleteWithPrefix(`${base}*`)).toBe(0);
    expect((await store.keysWithPrefix(base)).sort()).toEqual(cases.map((c) => `${base}${c.lookalike}`).sort());
  });

  it('store instances with different key prefixes never see or delete each other’s keys', async () => {
    const key = freshKey('isolated');
    await store.set(key, 'mine', 10_000);
    await other.set(key, 'theirs', 10_000);
    expect(await store.get(key)).toBe('mine');
    expect(await other.get(key)).toBe('theirs');
    expect(await other.keysWithPrefix(key)).toEqual([key]);
    expect(await other.countWithPrefix(key)).toBe(1);

    expect(await other.deleteWithPrefix('')).toBeGreaterThanOrEqual(1);
    expect(await other.get(key)).toBeNull();
    expect(await store.get(key)).toBe('mine');
    expect(await other.keysWithPrefix('')).toEqual([]);
    expect(await store.keysWithPrefix(key)).toEqual([key]);
  });

  it('deleteWithPrefix refuses an empty prefix when the store has no key prefix', async () => {
    const unprefixed = create('');
    try {
      await expect(unprefixed.deleteWithPrefix('')).rejects.toBeInstanceOf(RangeError);
    } finally {
      await unprefixed.close();
    }
  });

  it('unicode keys and values round-trip', async () => {
    const values = ['Árvíztűrő tükörfúrógép', '日本語テキスト', 'emoji 🚗💨 and ZWJ 👩‍🔧', 'tab\tnew\nline "quoted" \\ back', ''];
    const prefix = `${freshKey('unicode')}:ő🚗:`;
    for (const [i, value] of values.entries()) {
      await store.set(`${prefix}${String(i)}-ключ`, value, 10_000);
    }
    for (const [i, value] of values.entries()) {
      expect(await store.get(`${prefix}${String(i)}-ключ`)).toBe(value);
    }
    expect(await store.keysWithPrefix(prefix)).toHaveLength(values.length);
    expect(await store.getAndDelete(`${prefix}0-ключ`)).toBe(values[0]);
    expect(await store.deleteWithPrefix(prefix)).toBe(values.length - 1);
  });

  it('a closed store rejects with StoreUnavailableError', async () => {
    const closing = create(`${basePrefix}closing:`);
    await closing.ping();
    await closing.close();
    await closing.close();
    await expect(closing.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(closing.set('k', 'v', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(closing.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('SqliteKeyValueStore batched reads', () => {
  it('a read still waiting when the store closes rejects with StoreUnavailableError', async () => {
    const store = new SqliteKeyValueStore({ filePath: sqliteFile, keyPrefix: `closing-read:${RUN_ID}:` });
    await store.set('k', 'v', 10_000);
    const read = store.getMany(['k']);
    await store.close();
    await expect(read).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('SqliteKeyValueStore with an injected clock', () => {
  const clock = manualClock(1_700_000_000_000);
  const opened: SqliteKeyValueStore[] = [];

  // Each test gets its own file: a clock far in the future lets a sweep delete every row in its file.
  const openClockStore = (file: string, sweepIntervalMs: number): SqliteKeyValueStore => {
    const store = new SqliteKeyValueStore({ filePath: path.join(tempDir, file), keyPrefix: `clock:${RUN_ID}:`, clock, sweepIntervalMs });
    opened.push(store);
    return store;
  };

  const rowCount = (file: string): number => {
    const db = new Database(path.join(tempDir, file), { readonly: true });
    try {
      const row = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kv_entries').get();
      return row?.n ?? -1;
    } finally {
      db.close();
    }
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });

  it('opens the file in WAL journal mode', () => {
    openClockStore('wal.db', 60_000);
    const db = new Database(path.join(tempDir, 'wal.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('hides an entry the moment it expires, without sleeping', async () => {
    const store = openClockStore('visibility.db', 60_000);
    await store.set('k', 'v', 1_000);
    await store.increment('counter', 1_000);
    clock.advance(999);
    expect(await store.get('k')).toBe('v');
    expect(await store.ttlMs('k')).toBe(1);
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
    expect(await store.exists('k')).toBe(false);
    expect(await store.ttlMs('k')).toBeNull();
    expect(await store.keysWithPrefix('')).toEqual([]);
    expect(await store.getAndDelete('k')).toBeNull();
    expect(await store.delete('counter')).toBe(false);
    expect(await store.setIfAbsent('k', 'again', 1_000)).toBe(true);
    expect(await store.get('k')).toBe('again');
    // The expired window restarts; a live one keeps its original expiry.
    expect(await store.increment('counter', 5_000)).toEqual({ count: 1, ttlMs: 5_000 });
    clock.advance(4_000);
    expect(await store.increment('counter', 5_000)).toEqual({ count: 2, ttlMs: 1_000 });
    // Expired rows are still physically there until a sweep: invisibility does not depend on it.
    expect(rowCount('visibility.db')).toBeGreaterThanOrEqual(2);
  });

  it('sweepExpired deletes expired rows only', async () => {
    const store = openClockStore('sweep.db', 60_000);
    await store.set('a', '1', 1_000);
    await store.set('b', '2', 1_000);
    await store.set('c', '3', 60_000);
    clock.advance(1_000);
    expect(rowCount('sweep.db')).toBe(3);
    expect(store.sweepExpired()).toBe(2);
    expect(rowCount('sweep.db')).toBe(1);
    expect(await store.get('c')).toBe('3');
  });

  it('the periodic sweep deletes expired rows by itself', async () => {
    // The sweep timer is created with the store: fake it from the start.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = openClockStore('timer.db', 20);
    await store.set('short', '1', 1_000);
    await store.set('long', '2', 60_000);
    clock.advance(1_000);
    vi.advanceTimersByTime(19);
    expect(rowCount('timer.db')).toBe(2);
    vi.advanceTimersByTime(1);
    expect(rowCount('timer.db')).toBe(1);
    expect(await store.get('long')).toBe('2');
  });
});

describe('SqliteKeyValueStore file handling', () => {
  it('a file that cannot be opened is StoreUnavailableError, not a crash later', () => {
    expect(() => new SqliteKeyValueStore({ filePath: path.join(tempDir, 'missing-dir', 'x', 'app.db') })).toThrow(
      StoreUnavailableError,
    );
  });

  it('increments from several processes on one file lose no update', async () => {
    // In-process calls are synchronous and cannot interleave; separate processes can.
    const moduleUrl = new URL('../../src/stores/sqlite-store.ts', import.meta.url).href;
    const keyPrefix = `test:${RUN_ID}:processes:`;
    const script = `
      import { SqliteKeyValueStore } from ${JSON.stringify(moduleUrl)};
      const store = new SqliteKeyValueStore({ filePath: ${JSON.stringify(sqliteFile)}, keyPrefix: ${JSON.stringify(keyPrefix)} });
      for (let i = 0; i < 200; i++) await store.increment('counter', 60000);
      await store.close();
    `;
    const run = promisify(execFile);
    await Promise.all(
      // Two processes are enough to interleave; each more only adds a tsx start-up.
      Array.from({ length: 2 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 15_000 }),
      ),
    );
    const store = new SqliteKeyValueStore({ filePath: sqliteFile, keyPrefix });
    try {
      expect(await store.get('counter')).toBe('400');
      await store.deleteWithPrefix('');
    } finally {
      await store.close();
    }
  });
});

describe('createKeyValueStore', () => {
  it('uses Redis when a URL is given and SQLite otherwise', async () => {
    const sqlite = createKeyValueStore({ sqliteFilePath: sqliteFile, keyPrefix: `test:${RUN_ID}:factory:` });
    const redis = createKeyValueStore({ redisUrl: REDIS_URL, sqliteFilePath: sqliteFile, keyPrefix: `test:${RUN_ID}:factory:` });
    const emptyUrl = createKeyValueStore({ redisUrl: '', sqliteFilePath: sqliteFile });
    try {
      expect(sqlite.kind).toBe('sqlite');
      expect(redis.kind).toBe('redis');
      expect(emptyUrl.kind).toBe('sqlite');
      await redis.ping();
      await sqlite.ping();
    } finally {
      await Promise.all([sqlite.close(), redis.close(), emptyUrl.close()]);
    }
  });

  it('gives the SQLite store the clock it is given', async () => {
    const clock = manualClock();
    const store = createKeyValueStore({ sqliteFilePath: sqliteFile, keyPrefix: `test:${RUN_ID}:factory-clock:`, clock });
    try {
      await store.set('k', 'v', 1_000);
      expect(await store.ttlMs('k')).toBe(1_000);
      clock.advance(1_000);
      expect(await store.get('k')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

describe('prefixUpperBound', () => {
  it('is the next string after every extension of the prefix', () => {
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('')).toBeNull();
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeNull();
    expect(prefixUpperBound('x\uD7FF')).toBe('x\uE000');
    expect(prefixUpperBound('ő🚗')).toBe('ő🚘');
  });
});
