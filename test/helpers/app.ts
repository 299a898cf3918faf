import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config/index.js';
import { createLogger, ownSecretsOf } from '../../src/observability/index.js';
import { openTestRuntime, testConfig, type TestRuntime } from './backends.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly runtime: TestRuntime;
  /** Every log line the app wrote (when `captureLogs` was set). */
  readonly logs: () => string;
  close(options?: { dropData?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  readonly config?: Config;
  /** Share stores with another instance (a second app on the same Redis/database). */
  readonly shareWith?: TestApp;
  /** The app's clock (and the embedded store's): a manual clock (test/helpers/time.ts) makes expiry testable without sleeping. */
  readonly clock?: Clock;
  /** Capture logs at this level (default: no logs). */
  readonly captureLogs?: 'trace' | 'debug' | 'info';
  /** Called after the app is built, before it is ready: tests add test-only routes here. */
  readonly beforeReady?: (app: FastifyInstance) => void | Promise<void>;
}

/** Builds the app in-process on this run's backends; use `app.inject` or `listen({ port: 0 })`. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = options.config ?? options.shareWith?.config ?? testConfig();
  // The store gets the app's clock, so a test that moves the clock expires embedded-store entries too.
  const runtime = await openTestRuntime(config, { shareWith: options.shareWith?.runtime, clock: options.clock });
  const captured: string[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => captured.push(chunk.toString('utf8')));
  const logger = createLogger({ level: options.captureLogs ?? 'silent', destination, ownSecrets: ownSecretsOf(config) });
  const app = await buildApp(config, { database: runtime.database, store: runtime.store, logger, ...(options.clock ? { clock: options.clock } : {}) });
  await options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    config,
    runtime,
    logs: () => captured.join(''),
    async close(closeOptions = {}) {
      await app.close();
      await runtime.dispose({ dropData: closeOptions.dropData ?? options.shareWith === undefined });
    },
  };
}
