import Type from 'typebox';
import type { Database } from '../db/index.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import type { SchemaTypedApp } from './schemas.js';

const CHECK_TIMEOUT_MS = 2000;

type CheckStatus = 'ok' | 'unavailable';

async function check(probe: () => Promise<void>): Promise<CheckStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckStatus>((resolve) => {
    timer = setTimeout(() => {
      resolve('unavailable');
    }, CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().then((): CheckStatus => 'ok', (): CheckStatus => 'unavailable'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const CheckStatusSchema = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);
const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Object({ database: CheckStatusSchema, store: CheckStatusSchema }),
});

export interface HealthRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
}

/** `GET /health` and `GET /api/v1/health`: 200 when every dependency answers, 503 naming the failing one. */
export async function healthRoutes(app: SchemaTypedApp, options: HealthRouteOptions): Promise<void> {
  const handler = async () => {
    const [database, store] = await Promise.all([check(() => options.database.ping()), check(() => options.store.ping())]);
    const healthy = database === 'ok' && store === 'ok';
    return { healthy, body: { status: healthy ? ('ok' as const) : ('unavailable' as const), checks: { database, store } } };
  };
  for (const url of ['/health', '/api/v1/health']) {
    app.get(url, { schema: { tags: ['health'], response: { 200: HealthSchema, 503: HealthSchema } } }, async (_request, reply) => {
      const { healthy, body } = await handler();
      // Cache-Control: no-store comes from the security-headers hook, as for every /health and /api/ answer.
      return reply.code(healthy ? 200 : 503).send(body);
    });
  }
}
