import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import { embeddedDatabasePath } from './config/index.js';
import { createDatabase, migrateToLatest, type Database } from './db/index.js';
import { createKeyValueStore } from './stores/index.js';
import type { KeyValueStoreWithAdmin } from './stores/key-value-store.js';

/** The stateful dependencies of a process: one database and one key-value store. */
export interface Runtime {
  readonly database: Database;
  readonly store: KeyValueStoreWithAdmin;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** PostgreSQL schema to use (tests); unset means the URL's default search_path. */
  readonly databaseSchema?: string;
  /** Extra key prefix for the store (tests), after REDIS_KEY_PREFIX. */
  readonly storeKeyPrefix?: string;
  /** Apply pending migrations before returning (the server does; most CLI commands too). */
  readonly migrate?: boolean;
  /** The app's clock: the embedded store expires entries by it (give the app the same one). */
  readonly clock?: Clock;
}

/** Opens the database and store the configuration names; with `migrate`, brings the schema up to date. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const sqliteFilePath = embeddedDatabasePath(config);
  const database = createDatabase({ databaseUrl: config.databaseUrl, sqliteFilePath, schema: options.databaseSchema });
  const store = createKeyValueStore({
    redisUrl: config.redisUrl,
    redisCluster: config.redisCluster,
    sqliteFilePath,
    keyPrefix: `${config.redisUrl === undefined ? '' : config.redisKeyPrefix}${options.storeKeyPrefix ?? ''}`,
    clock: options.clock,
  });
  const close = async (): Promise<void> => {
    await Promise.allSettled([store.close(), database.close()]);
  };
  try {
    if (options.migrate === true) await migrateToLatest(database);
  } catch (error) {
    await close();
    throw error;
  }
  return { database, store, close };
}
