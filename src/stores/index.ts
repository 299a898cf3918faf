import type { Clock } from '../clock.js';
import type { KeyValueStoreWithAdmin } from './key-value-store.js';
import { RedisKeyValueStore } from './redis-store.js';
import { SqliteKeyValueStore } from './sqlite-store.js';

export { StoreUnavailableError, type KeyValueStore, type KeyValueStoreAdmin, type KeyValueStoreWithAdmin } from './key-value-store.js';
export {
  RedisKeyValueStore,
  escapeRedisGlob,
  redisConnectionOptions,
  type RedisKeyValueStoreOptions,
} from './redis-store.js';
export { SqliteKeyValueStore, prefixUpperBound, type SqliteKeyValueStoreOptions } from './sqlite-store.js';

/** Options for {@link createKeyValueStore}. */
export interface CreateKeyValueStoreOptions {
  /** When set (and not empty), Redis is used; otherwise the SQLite file. */
  redisUrl?: string;
  /** `redisUrl` is one node of a Redis Cluster. */
  redisCluster?: boolean;
  /** The app's SQLite database file; the store keeps its rows in `kv_entries`. */
  sqliteFilePath: string;
  keyPrefix?: string;
  /** The app's clock, for the SQLite store (Redis keeps its own time). */
  clock?: Clock;
}

/**
 * Picks the backend for shared, expiring state: Redis when `redisUrl` is set
 * (needed as soon as more than one API node runs), else the SQLite file.
 */
export function createKeyValueStore(options: CreateKeyValueStoreOptions): KeyValueStoreWithAdmin {
  const { redisUrl, sqliteFilePath, keyPrefix, clock } = options;
  if (redisUrl !== undefined && redisUrl !== '') {
    return new RedisKeyValueStore({ url: redisUrl, keyPrefix, cluster: options.redisCluster === true });
  }
  return new SqliteKeyValueStore({ filePath: sqliteFilePath, keyPrefix, clock });
}
