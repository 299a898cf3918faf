import type { Writable } from 'node:stream';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, type KeyValueStoreWithAdmin } from './key-value-store.js';
import { ReadBatcher } from './read-batch.js';

/** Options for {@link RedisKeyValueStore}. */
export interface RedisKeyValueStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS. May hold a secret: never logged. */
  url: string;
  /** Prepended to every logical key (e.g. `autocognitix:`). Must not contain `{` or `}`. */
  keyPrefix?: string;
  /** Upper bound for one command round trip, and for waiting on the initial connection. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** Upper bound for establishing the TCP/TLS connection. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Called for every connection-level error ioredis reports (already sanitised of the URL). */
  onConnectionError?: (error: StoreUnavailableError) => void;
  /** The URL names one node of a Redis Cluster; the others are discovered from it. */
  cluster?: boolean;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
/** Reconnect backoff ceiling: a returning Redis is picked up within about half a second. */
const MAX_RECONNECT_DELAY_MS = 500;
const SCAN_COUNT = 1000;
/** Keys per MGET when reads are batched: one command never holds Redis for long. */
const MGET_MAX_KEYS = 1000;

/**
 * INCR, and start the window only when the key was just created, so a fixed
 * window never slides. The PTTL < 0 branch repairs a counter that somehow lost
 * its expiry instead of letting it live forever. Touches exactly one key
 * (Redis Cluster safe).
 */
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/**
 * SET only when the current value is ARGV[2] (ARGV[1] = '1') or the key is
 * absent (ARGV[1] = '0'). One key, so Cluster safe.
 */
const COMPARE_AND_SET_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current ~= false then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
`;

/** TTLs are whole, positive milliseconds; anything else is a caller bug, not an outage. */
function assertTtlMs(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive integer');
}

/** The client (single node or Cluster) with our one-key scripts registered as commands. */
type ScriptedRedis = (Redis | Cluster) & {
  kvIncrement(key: string, ttlMs: number): Promise<[number, number]>;
  kvCompareAndSet(key: string, expectsValue: '0' | '1', expected: string, value: string, ttlMs: number): Promise<number>;
};

/**
 * Turns a Redis URL into ioredis connection options. Parsing it ourselves keeps
 * the URL (and its password) out of every error message ioredis or Node could
 * produce about a malformed URL.
 *
 * @throws StoreUnavailableError when the URL is not a valid redis:// or rediss:// URL.
 */
export function redisConnectionOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreUnavailableError('Invalid Redis URL (expected redis://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new StoreUnavailableError('Invalid Redis URL: the scheme must be redis:// or rediss://');
  }
  const options: RedisOptions = {
    // WHATWG keeps the brackets around IPv6 literals; net.connect does not want them.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const dbPath = parsed.pathname.replace(/^\//, '');
  if (dbPath !== '') {
    const db = Number(dbPath);
    if (!Number.isInteger(db) || db < 0) {
      throw new StoreUnavailableError('Invalid Redis URL: the path must be a database number');
    }
    options.db = db;
  }
  if (parsed.protocol === 'rediss:') options.tls = { servername: options.host };
  return options;
}

/** Escapes the glob metacharacters SCAN MATCH understands, so a prefix matches literally. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * {@link KeyValueStore} on Redis (≥ 6.2, for GETDEL) through ioredis.
 *
 * Fails fast instead of queueing: no offline queue, a per-command timeout,
 * no automatic resend of commands that were in flight when the connection
 * dropped (an INCR the caller already saw fail must not run later), and a
 * reconnect loop capped at 500 ms so the store heals by itself once Redis
 * is back. Every failure surfaces as {@link StoreUnavailableError}.
 *
 * Cluster-ready by construction: every command and script touches one key and
 * the key prefix is applied by this class (ioredis's own `keyPrefix` is not
 * applied to SCAN patterns). Under Redis Cluster the prefix walks SCAN every
 * master in turn.
 */
export class RedisKeyValueStore implements KeyValueStoreWithAdmin {
  readonly kind = 'redis' as const;

  private readonly client: ScriptedRedis;
  private readonly reads = new ReadBatcher((keyLists) => this.readRound(keyLists));
  private readonly keyPrefix: string;
  private readonly commandTimeoutMs: number;
  private readonly secrets: string[];
  private readonly onConnectionError: ((error: StoreUnavailableError) => void) | undefined;
  private pendingReady: Promise<void> | null = null;
  private closed = false;
  private readonly cluster: boolean;
  private readonly readyListeners = new Set<() => void>();
  /** Until the first ready, a command waits (bounded) for the connection instead of failing at once. */
  private everReady = false;
  /** The socket corked for the current event-loop round (single node), uncorked at its end. */
  private corkedSocket: Writable | null = null;

  constructor(options: RedisKeyValueStoreOptions) {
    const keyPrefix = options.keyPrefix ?? '';
    if (/[{}]/.test(keyPrefix)) {
      // A hash tag in the prefix would pin every key to one Cluster slot.
      throw new RangeError('keyPrefix must not contain "{" or "}"');
    }
    this.keyPrefix = keyPrefix;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.onConnectionError = options.onConnectionError;

    const connection = redisConnectionOptions(options.url);
    this.secrets = [options.url, connection.password ?? ''].filter((s) => s !== '');

    const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
    const nodeOptions: RedisOptions = {
      ...connection,
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.commandTimeoutMs,
      // A single node batches its writes itself (corkForRound): one write per event-loop round without a pipeline object per round.
      enableAutoPipelining: false,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      retryStrategy,
      // Keep the app's keys readable and our prefix handling the single source of truth.
      keyPrefix: '',
    };
    this.cluster = options.cluster === true;
    // The Cluster manages queueing and retries of its node connections itself.
    const { host, port, enableOfflineQueue: _queue, retryStrategy: _retry, enableAutoPipelining: _pipelining, ...clusterNodeOptions } = nodeOptions;
    const client = (
      this.cluster
        ? new Cluster([{ host: host ?? '127.0.0.1', port: port ?? 6379 }], {
            redisOptions: clusterNodeOptions,
            enableOfflineQueue: false,
            enableAutoPipelining: true,
            // Its CLUSTER INFO ready check would itself be refused by the disabled offline queue, looping on reconnects.
            enableReadyCheck: false,
            clusterRetryStrategy: retryStrategy,
            scaleReads: 'master',
            slotsRefreshTimeout: this.commandTimeoutMs,
          })
        : new Redis(nodeOptions)
    ) as ScriptedRedis;
    client.on('ready', () => {
      this.everReady = true;
      for (const listener of this.readyListeners) {
        try {
          listener();
        } catch {
          // A listener's failure is its own; the connection stays up.
        }
      }
    });
    client.defineCommand('kvIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    client.defineCommand('kvCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET_SCRIPT });
    // Without a listener ioredis prints every connection error; with one we decide what is reported.
    client.on('error', (error: unknown) => {
      try {
        this.onConnectionError?.(this.unavailable('connection', error));
      } catch {
        // A throwing listener inside an 'error' emit would crash the process.
      }
    });
    this.client = client;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertTtlMs(ttlMs);
    await this.run('set', (c) => c.set(this.fullKey(key), value, 'PX', ttlMs));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertTtlMs(ttlMs);
    const reply = await this.run('setIfAbsent', (c) => c.set(this.fullKey(key), value, 'PX', ttlMs, 'NX'));
    return reply === 'OK';
  }

  /** Outside a Cluster, batched into the round's MGET like {@link getMany}: one command for all of a round's reads. */
  get(key: string): Promise<string | null> {
    if (this.cluster) return this.run('get', (c) => c.get(this.fullKey(key)));
    return this.reads.read([key]).then((values) => values[0] ?? null);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    // MGET must not span Cluster slots; there, one GET per key (auto-pipelined per node).
    if (this.cluster) return this.run('getMany', (c) => Promise.all(keys.map((key) => c.get(this.fullKey(key)))));
    return this.reads.read(keys);
  }

  /** The getMany calls of one event-loop round ({@link ReadBatcher}): one MGET per 1 000 keys instead of one command each. */
  private async readRound(keyLists: readonly (readonly string[])[]): Promise<(string | null)[][]> {
    const chunks: string[][] = [[]];
    for (const keys of keyLists) {
      const last = chunks[chunks.length - 1] ?? [];
      const chunk = last.length > 0 && last.length + keys.length > MGET_MAX_KEYS ? [] : last;
      if (chunk !== last) chunks.push(chunk);
      for (const key of keys) chunk.push(this.fullKey(key));
    }
    // The round's reads close the round: they are not corked themselves, and go out now behind any writes corked before them.
    const replies = await this.run(
      'getMany',
      (c) => {
        const sent = Promise.all(chunks.map((chunk) => (chunk.length === 0 ? Promise.resolve([]) : c.mget(chunk))));
        this.uncork();
        return sent;
      },
      { batched: false },
    );
    const values = replies.flat();
    let offset = 0;
    return keyLists.map((keys) => {
      offset += keys.length;
      return values.slice(offset - keys.length, offset);
    });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.run('exists', (c) => c.exists(this.fullKey(key)))) === 1;
  }

  async compareAndSet(key: string, expected: string | null, value: string, ttlMs: number): Promise<boolean> {
    assertTtlMs(ttlMs);
    const written = await this.run('compareAndSet', (c) => c.kvCompareAndSet(this.fullKey(key), expected === null ? '0' : '1', expected ?? '', value, ttlMs));
    return written === 1;
  }

  getAndDelete(key: string): Promise<string | null> {
    return this.run('getAndDelete', (c) => c.getdel(this.fullKey(key)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run('delete', (c) => c.unlink(this.fullKey(key)))) === 1;
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; ttlMs: number }> {
    assertTtlMs(ttlMs);
    const [count, ttl] = await this.run('increment', (c) => c.kvIncrement(this.fullKey(key), ttlMs));
    return { count, ttlMs: ttl };
  }

  async ttlMs(key: string): Promise<number | null> {
    const ttl = await this.run('ttlMs', (c) => c.pttl(this.fullKey(key)));
    // -2: absent. -1: no expiry, which this store never writes; report it as absent rather than as forever.
    return ttl >= 0 ? ttl : null;
  }

  async keysWithPrefix(prefix: string): Promise<string[]> {
    const keys = new Set<string>();
    await this.scan(prefix, (batch) => {
      for (const key of batch) keys.add(key.slice(this.keyPrefix.length));
      return Promise.resolve();
    });
    return [...keys];
  }

  async countWithPrefix(prefix: string): Promise<number> {
    let count = 0;
    // Only each page's length is kept: the keys themselves are dropped page by page.
    await this.scan(prefix, (batch) => {
      count += batch.length;
      return Promise.resolve();
    });
    return count;
  }

  async deleteWithPrefix(prefix: string): Promise<number> {
    // With no prefix at all this would empty the whole database.
    if (this.keyPrefix + prefix === '') throw new RangeError('deleteWithPrefix needs a non-empty prefix');
    let removed = 0;
    await this.scan(prefix, async (batch) => {
      // One UNLINK per key: a multi-key UNLINK (or a pipeline, in a Cluster) would span slots.
      const results = await this.run('deleteWithPrefix', async (c) => {
        if (this.cluster) return Promise.all(batch.map(async (key): Promise<[Error | null, unknown]> => [null, await c.unlink(key)]));
        const pipeline = (c as Redis).pipeline();
        for (const key of batch) pipeline.unlink(key);
        return pipeline.exec();
      });
      for (const [error, count] of results ?? []) {
        if (error) throw this.unavailable('deleteWithPrefix', error);
        removed += Number(count);
      }
    });
    return removed;
  }

  async ping(): Promise<void> {
    await this.run('ping', (c) => c.ping());
  }

  /** Runs `listener` each time the connection becomes ready: at start and after every reconnect. */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => {
      this.readyListeners.delete(listener);
    };
  }

  /**
   * The `maxmemory-policy` of each Redis node (every master of a Cluster), or
   * undefined when CONFIG GET is refused (managed Redis often renames or
   * forbids it). Anything but `noeviction` lets Redis drop denylist entries.
   */
  async evictionPolicies(): Promise<string[] | undefined> {
    const nodes: Redis[] = this.cluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    try {
      const replies = await this.run('config', () => Promise.all(nodes.map((node) => node.config('GET', 'maxmemory-policy'))));
      return replies.map((reply) => (Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : 'unknown'));
    } catch (error) {
      if (error instanceof StoreUnavailableError && /unknown command|NOPERM|not allowed|ERR/i.test(error.message) && this.client.status === 'ready') return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'end') return;
    try {
      await this.client.quit();
    } catch {
      // Not connected (or QUIT timed out): drop the socket and the reconnect timer.
      this.client.disconnect(false);
    }
  }

  private fullKey(key: string): string {
    return this.keyPrefix + key;
  }

  /** SCAN over `keyPrefix + prefix`, handing each non-empty page (full Redis keys) to `onBatch`. */
  private async scan(prefix: string, onBatch: (keys: string[]) => Promise<void>): Promise<void> {
    const pattern = `${escapeRedisGlob(this.keyPrefix + prefix)}*`;
    // In a Cluster every master holds its own slots: scan each of them.
    const nodes: Redis[] = this.cluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await this.run('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT));
        cursor = next;
        if (batch.length > 0) await onBatch(batch);
      } while (cursor !== '0');
    }
  }

  /** `batched: false` sends the command at once instead of holding it until the round ends ({@link corkForRound}). */
  private async run<T>(operation: string, command: (client: ScriptedRedis) => Promise<T>, { batched = true } = {}): Promise<T> {
    try {
      await this.whenConnecting();
      if (batched) this.corkForRound();
      return await command(this.client);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw this.unavailable(operation, error);
    }
  }

  /**
   * Holds a single node's commands in its socket until the end of the event
   * loop's round (setImmediate), then sends them in one write: what ioredis's
   * auto-pipeline does, without its pipeline object, promise wrapper and
   * per-reply tick for every round. A command still goes to the socket (and
   * ioredis's reply queue) when it is issued, so order and per-command
   * timeouts are unchanged.
   */
  private corkForRound(): void {
    if (this.cluster || this.corkedSocket !== null) return;
    const socket = (this.client as Redis).stream as Writable | undefined;
    if (socket === undefined || !socket.writable) return;
    socket.cork();
    this.corkedSocket = socket;
    setImmediate(this.uncork);
  }

  private readonly uncork = (): void => {
    const socket = this.corkedSocket;
    if (socket === null) return;
    this.corkedSocket = null;
    socket.uncork();
  };

  /**
   * While a connection attempt is in progress (typically right after
   * construction), wait for it — bounded by the command timeout — instead of
   * failing a command the offline queue would otherwise have held. In every
   * other state the command goes straight through and fails fast.
   */
  private whenConnecting(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The store is closed'));
    const status = this.client.status;
    const stillStarting = !this.everReady && (status === 'reconnecting' || status === 'close' || status === 'wait');
    if (status !== 'connecting' && status !== 'connect' && !stillStarting) return Promise.resolve();
    this.pendingReady ??= new Promise<void>((resolve, reject) => {
      const client = this.client;
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        this.pendingReady = null;
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => {
        finish();
      };
      const onClose = (): void => {
        // A Cluster closes and retries while its first slot refresh settles: keep waiting for it.
        if (!this.cluster) finish(new Error('The connection closed before it was ready'));
      };
      const timer = setTimeout(() => {
        finish(new Error('Timed out waiting for the connection'));
      }, this.commandTimeoutMs);
      client.once('ready', onReady);
      client.once('close', onClose);
    });
    return this.pendingReady;
  }

  private unavailable(operation: string, error: unknown): StoreUnavailableError {
    let reason = error instanceof Error ? error.message : String(error);
    for (const secret of this.secrets) reason = reason.split(secret).join('***');
    return new StoreUnavailableError(`Redis key-value store unavailable (${operation}): ${reason}`, { cause: error });
  }
}
