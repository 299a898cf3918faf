import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createKeyValueStore } from '../../src/stores/index.js';
import { testConfig } from '../helpers/backends.js';
import { freePort } from '../helpers/process.js';
import { useOwnRedisApp } from '../helpers/own-redis.js';
import { eventually } from '../helpers/time.js';

describe('health when the store goes away', () => {
  const own = useOwnRedisApp();

  it('reports the store unavailable with 503, without any connection detail, and recovers by itself', async () => {
    expect((await own.testApp.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await own.redis.stop('SIGKILL');
    const down = await own.testApp.app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', store: 'unavailable' } });
    expect(down.body).not.toContain(String(own.redis.port));

    await own.redis.restart();
    await eventually(async () => (await own.testApp.app.inject({ method: 'GET', url: '/health' })).statusCode === 200, { intervalMs: 50, what: 'health 200 after the restart' });
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
