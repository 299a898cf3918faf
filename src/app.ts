import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { drain } from './http/drain.js';
import { errorHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** What the app runs on; created by main.ts (or a test) and closed by its creator. */
export interface AppDependencies {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly logger: FastifyBaseLogger;
  readonly clock?: Clock;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the Fastify app: the plugin order and nothing else. Does not listen. */
export async function buildApp(config: Config, dependencies: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: dependencies.logger,
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  const clock = dependencies.clock ?? systemClock;
  app.decorate('clock', clock);
  app.decorate('config', config);

  await app.register(drain);
  await app.register(errorHandler);
  await app.register(fastifyCookie);
  await app.register(healthRoutes, { database: dependencies.database, store: dependencies.store });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock;
    config: Config;
  }
}
