import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';

/** A fresh random id for schema names, key prefixes and temp folders. */
export function uniqueId(): string {
  return randomBytes(6).toString('hex');
}

/** A secret generated for this run: tests never carry a real one. */
export function generatedSecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * The environment a test server runs on: the backends this suite run covers
 * (REDIS_URL / DATABASE_URL from the outer environment, else embedded), a temp
 * DATA_DIR and a generated JWT secret.
 */
export function testEnvironment(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  // Production requires an SMTP server; a closed port stands in where a test does not bring its own.
  const productionMail = overrides.NODE_ENV === 'production' && !('SMTP_URL' in overrides) ? { SMTP_URL: 'smtp://127.0.0.1:9' } : {};
  return {
    ...productionMail,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-test-')),
    JWT_SECRET_KEY: generatedSecret(),
    // Tests sign in hundreds of times from one in-process address; test/integration/csrf-issue-limit.test.ts sets its own.
    CSRF_TOKENS_PER_ADDRESS: '1000000',
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnvironment(overrides)).config;
}

export interface TestRuntime extends Runtime {
  readonly databaseSchema: string | undefined;
  readonly storeKeyPrefix: string;
  /** Closes connections; with `dropData` also removes this run's schema, keys and temp folder. */
  dispose(options?: { dropData?: boolean }): Promise<void>;
}

export interface TestRuntimeOptions {
  /** Reuse another runtime's schema and key prefix: a second instance on the same stores. */
  readonly shareWith?: TestRuntime;
  /** The app's clock: the embedded store expires entries by it. */
  readonly clock?: Clock;
}

/** Opens this run's own PostgreSQL schema / key prefix (or embedded file) with migrations applied. */
export async function openTestRuntime(config: Config, options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const databaseSchema = options.shareWith?.databaseSchema ?? (config.databaseUrl === undefined ? undefined : `test_${uniqueId()}`);
  const storeKeyPrefix = options.shareWith?.storeKeyPrefix ?? `test:${uniqueId()}:`;
  const runtime = await openRuntime(config, { databaseSchema, storeKeyPrefix, migrate: true, clock: options.clock });
  return {
    ...runtime,
    databaseSchema,
    storeKeyPrefix,
    async dispose({ dropData = true } = {}) {
      if (dropData) {
        await runtime.store.deleteWithPrefix('').catch(() => undefined);
        if (databaseSchema !== undefined) {
          await sql`drop schema if exists ${sql.id(databaseSchema)} cascade`.execute(runtime.database.db).catch(() => undefined);
        }
      }
      await runtime.close();
      if (dropData && options.shareWith === undefined) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
