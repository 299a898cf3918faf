// @backend-independent: every server and runtime here runs on the embedded SQLite file (and its own redis-server), never on REDIS_URL / DATABASE_URL
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedDatabasePath, loadConfig } from '../../src/config/index.js';
import { SecondFactorsRepository } from '../../src/db/repositories/second-factors.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { openRuntime } from '../../src/runtime.js';
import { testEnvironment, uniqueId } from '../helpers/backends.js';
import { freePort, startTypeScriptProcess, type RunningProcess } from '../helpers/process.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { eventually } from '../helpers/time.js';

const running: RunningProcess[] = [];
const redisServers: RedisServerHandle[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const server of running) server.child.kill('SIGKILL');
  await Promise.all(redisServers.map((redis) => redis.stop()));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function freshDataDir(): string {
  const parent = path.join(os.tmpdir(), `autocognitix-perm-${uniqueId()}`);
  folders.push(parent);
  return path.join(parent, 'data');
}

/** Waits until the process prints `pattern` or exits; returns its exit code (null while it runs). */
async function outputOrExit(server: RunningProcess, pattern: RegExp, timeoutMs = 20_000): Promise<number | null> {
  let exitCode: number | null | undefined;
  void server.exited.then((code) => {
    exitCode = code;
  });
  await eventually(() => pattern.test(server.output()) || exitCode !== undefined, { timeoutMs, intervalMs: 50, what: `${String(pattern)} or an exit` });
  return exitCode ?? null;
}

describe('issue 22.10: the embedded database is readable by its owner only', () => {
  it('creates DATA_DIR 0700 and the database with its -wal and -shm files 0600, whatever the umask allows', async () => {
    const dataDir = freshDataDir();
    const config = loadConfig(testEnvironment({ DATA_DIR: dataDir, REDIS_URL: undefined, DATABASE_URL: undefined })).config;
    const runtime = await openRuntime(config, { migrate: true });
    try {
      await runtime.store.set('permissions:probe', '1', 60_000);
      const file = embeddedDatabasePath(config);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const candidate of [file, `${file}-wal`, `${file}-shm`]) expect({ candidate, mode: statSync(candidate).mode & 0o777 }).toEqual({ candidate, mode: 0o600 });
    } finally {
      await runtime.close();
    }
  });

  it('warns at start when an existing database file is readable by group or others', async () => {
    const dataDir = freshDataDir();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'autocognitix.sqlite');
    closeSync(openSync(file, 'w'));
    chmodSync(file, 0o644);
    const port = await freePort();
    const server = startTypeScriptProcess('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    running.push(server);
    await outputOrExit(server, /AutoCognitix API ready/);
    expect(server.output()).toContain(`${file} is accessible to its group or others (mode 0644)`);
    server.child.kill('SIGTERM');
    await server.exited;
  }, 30_000);
});

describe('issue 13.3: the Redis eviction policy is checked at start', () => {
  it('production refuses an evicting maxmemory-policy with exit 78 naming the setting; development warns and serves', async () => {
    const redis = await startRedisServer({ extraArgs: ['--maxmemory', '3mb', '--maxmemory-policy', 'volatile-ttl'] });
    redisServers.push(redis);
    const production = startTypeScriptProcess('src/main.ts', [], {
      ...testEnvironment({ NODE_ENV: 'production', COOKIE_SECURE: 'true', REDIS_URL: redis.url, DATABASE_URL: undefined }),
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    });
    running.push(production);
    // Both start at once (each only reads the policy): one start-up's wait instead of two.
    const development = startTypeScriptProcess('src/main.ts', [], {
      ...testEnvironment({ NODE_ENV: 'development', REDIS_URL: redis.url, DATABASE_URL: undefined }),
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    });
    running.push(development);
    const [productionExit, developmentExit] = await Promise.all([outputOrExit(production, /AutoCognitix API ready/), outputOrExit(development, /AutoCognitix API ready/)]);
    expect(productionExit).toBe(78);
    expect(production.output()).toMatch(/maxmemory-policy is volatile-ttl.*noeviction/);
    expect(developmentExit).toBeNull();
    expect(development.output()).toMatch(/maxmemory-policy is volatile-ttl.*Refused in production/);
    development.child.kill('SIGTERM');
    await development.exited;
  }, 60_000);
});

describe('issue 18: production needs MFA_ENCRYPTION_KEY once an authenticator app is set up', () => {
  it('exits 78 naming the variable when a secret is stored and the key is unset; without stored secrets it serves', async () => {
    const withSecret = freshDataDir();
    const environment = (dataDir: string) => ({
      ...testEnvironment({ NODE_ENV: 'production', COOKIE_SECURE: 'true', REDIS_URL: undefined, DATABASE_URL: undefined, DATA_DIR: dataDir }),
      LOG_LEVEL: 'info',
    });
    const config = loadConfig(environment(withSecret)).config;
    expect(config.mfaEncryptionKey).toBeUndefined();
    const runtime = await openRuntime(config, { migrate: true });
    try {
      const users = new UsersRepository(runtime.database.db);
      const user = await users.create({ email: `totp-${uniqueId()}@example.com`, passwordHash: '$argon2id$unused', fullName: null });
      await new SecondFactorsRepository(runtime.database.db).startTotpEnrolment(user.id, 'v1.sealed-elsewhere', Date.now());
    } finally {
      await runtime.close();
    }
    const refused = startTypeScriptProcess('src/main.ts', [], { ...environment(withSecret), PORT: String(await freePort()) });
    running.push(refused);
    const serving = startTypeScriptProcess('src/main.ts', [], { ...environment(freshDataDir()), PORT: String(await freePort()) });
    running.push(serving);
    const [refusedExit, servingExit] = await Promise.all([outputOrExit(refused, /AutoCognitix API ready/), outputOrExit(serving, /AutoCognitix API ready/)]);
    expect(refusedExit).toBe(78);
    expect(refused.output()).toMatch(/MFA_ENCRYPTION_KEY: required in production once any user has set up an authenticator app/);
    expect(servingExit).toBeNull();
    serving.child.kill('SIGTERM');
    await serving.exited;
  }, 60_000);
});
