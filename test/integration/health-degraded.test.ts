import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createKeyValueStore } from '../../src/stores/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { freePort } from '../helpers/process.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';

async function waitForStatus(testApp: TestApp, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await testApp.app.inject({ method: 'GET', url: '/health' });
    if (response.statusCode === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`health stayed ${response.statusCode}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('health when the store goes away', () => {
  let redis: RedisServerHandle;
  let testApp: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    testApp = await startTestApp({ config: testConfig({ REDIS_URL: redis.url }) });
  });
  afterAll(async () => {
    await testApp.close();
    await redis.stop();
  });

  it('reports the store unavailable with 503, without any connection detail, and recovers by itself', async () => {
    expect((await testApp.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await redis.stop('SIGKILL');
    const down = await testApp.app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', store: 'unavailable' } });
    expect(down.body).not.toContain(String(redis.port));

    await redis.restart();
    expect(await waitForStatus(testApp, 200, 5000)).toBeLessThan(5000);
  });
});

describe('health when the database does not answer', () => {
  it('reports the database unavailable with 503 and never shows the URL', async () => {
    const port = await freePort();
    const config = testConfig({ DATABASE_URL: `postgres://app:CANARYpw@127.0.0.1:${port}/nothing`, REDIS_URL: undefined });
    const database = createDatabase({ databaseUrl: config.databaseUrl, sqliteFilePath: `${config.dataDir}/x.sqlite` });
    const store = createKeyValueStore({ sqliteFilePath: `${config.dataDir}/kv.sqlite` });
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const app = await buildApp(config, { database, store, logger: createLogger({ level: 'trace', destination: logs }) });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable', store: 'ok' } });
      expect(response.body + logged).not.toContain('CANARY');
    } finally {
      await app.close();
      await store.close();
      await database.close();
    }
  });
});
