import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { testConfig } from './backends.js';
import { startRedisServer, type RedisServerHandle, type StartRedisServerOptions } from './redis-server.js';

export interface OwnRedisApp {
  /** The private redis-server: tests may kill, pause or restart it (never the shared one). */
  readonly redis: RedisServerHandle;
  /** The app whose store it is (the database is this run's, as everywhere). */
  readonly testApp: TestApp;
}

export interface OwnRedisAppOptions {
  /** For the redis-server, e.g. `{ extraArgs: ['--maxmemory', '3mb'] }`. */
  readonly redis?: StartRedisServerOptions;
  /** For the app; its config is this run's with REDIS_URL pointing at the private server. */
  readonly app?: Omit<TestAppOptions, 'config' | 'shareWith'>;
}

/**
 * Call in a describe block: starts a private redis-server and a test app on
 * it before the block's tests and stops both after them. Read `redis` and
 * `testApp` inside hooks and tests (they exist once the block has started).
 * Hooks the block registers later run after the start and before the stop.
 */
export function useOwnRedisApp(options: OwnRedisAppOptions = {}): OwnRedisApp {
  let started: OwnRedisApp | undefined;
  beforeAll(async () => {
    const redis = await startRedisServer(options.redis);
    try {
      started = { redis, testApp: await startTestApp({ ...options.app, config: testConfig({ REDIS_URL: redis.url }) }) };
    } catch (error) {
      await redis.stop();
      throw error;
    }
  });
  afterAll(async () => {
    if (started === undefined) return;
    await started.testApp.close();
    await started.redis.stop();
  });
  const current = (): OwnRedisApp => {
    if (started === undefined) throw new Error('useOwnRedisApp: read redis and testApp inside hooks and tests');
    return started;
  };
  return {
    get redis() {
      return current().redis;
    },
    get testApp() {
      return current().testApp;
    },
  };
}
