import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { metricsRegistry } from '../observability/metrics.js';
import { HttpError } from '../errors.js';

export const METRICS_PATH = '/metrics';

/** Who may read /metrics on a listener: anyone (development, the private listener) or a bearer of the token. */
export type MetricsAccess = { readonly kind: 'open' } | { readonly kind: 'bearer_token'; readonly token: string };

/**
 * How the API's own port serves /metrics: open in development and test; in
 * production only with METRICS_TOKEN, and not at all without it (then only
 * the METRICS_PORT listener, if configured, serves it).
 */
export function mainPortMetricsAccess(config: Pick<Config, 'isProduction' | 'metricsToken'>): MetricsAccess | undefined {
  if (!config.isProduction) return { kind: 'open' };
  return config.metricsToken === undefined ? undefined : { kind: 'bearer_token', token: config.metricsToken };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const BEARER = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i;

export interface MetricsRouteOptions {
  readonly access: MetricsAccess;
}

/** `GET /metrics`: the Prometheus text format of every metric in the process registry. */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  const { access } = options;
  // Compared as fixed-length digests, in constant time: neither the token nor its length leaks through timing.
  const expectedDigest = access.kind === 'bearer_token' ? sha256(access.token) : undefined;
  app.get(METRICS_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (expectedDigest !== undefined) {
      const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(sha256(presented), expectedDigest)) {
        throw new HttpError('authentication_required', { message: 'A valid metrics bearer token is required', headers: { 'www-authenticate': 'Bearer realm="metrics"' } });
      }
    }
    const body = await metricsRegistry.metrics();
    return reply.header('content-type', metricsRegistry.contentType).header('cache-control', 'no-store').send(body);
  });
}

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: FastifyBaseLogger;
}

/**
 * The optional second listener (METRICS_PORT) that serves only /metrics,
 * without a token, on a private address the configuration has checked.
 * Started and closed by main.ts.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<FastifyInstance> {
  // A scrape every 15 s would fill the log with request lines; errors are still logged.
  const server = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) });
  await server.register(metricsRoutes, { access: { kind: 'open' } });
  await server.listen({ host: options.host, port: options.port });
  return server;
}
