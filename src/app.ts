import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { readTlsCredentials, type Config } from './config/index.js';
import type { Database } from './db/index.js';
import { drain } from './http/drain.js';
import { errorHandler } from './http/error-handler.js';
import { finiteNumbers } from './http/finite-numbers.js';
import { adminRoutes } from './http/admin.js';
import { authRoutes } from './http/auth.js';
import { diagnosisRoutes } from './http/diagnosis.js';
import { garageRoutes } from './http/garage.js';
import { dtcRoutes } from './http/dtc.js';
import { cors } from './http/cors.js';
import { healthRoutes } from './http/health.js';
import { mainPortMetricsAccess, metricsRoutes } from './http/metrics.js';
import { httpsRedirect } from './http/https-redirect.js';
import { openApi } from './http/openapi.js';
import { vehicleRoutes } from './http/vehicles.js';
import { webApp } from './http/web-app.js';
import { denylistSampler } from './observability/denylist-sampler.js';
import { lazyChildLoggerFactory } from './observability/lazy-child-logger.js';
import { requestMetrics } from './observability/request-metrics.js';
import { logSlowOperations } from './observability/slow-operations.js';
import { answerClientError, answerFrameworkError, buildSecurityHeaders, securityHeaders } from './security/headers.js';
import { CsrfProtection, csrf } from './security/csrf.js';
import { loggingMailer, smtpMailer } from './mail/mailer.js';
import { durabilityMaintenance, loggedDurabilityEvents } from './security/durability.js';
import { authentication, createSecurity } from './security/index.js';
import type { IpRateLimitPolicy } from './security/ip-rate-limit.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** What the app runs on; created by main.ts (or a test) and closed by its creator. */
export interface AppDependencies {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly logger: FastifyBaseLogger;
  readonly clock?: Clock;
  /** Per-address limit of each public route group (dtc, vehicles, diagnosis); default 120 per minute. */
  readonly publicRateLimit?: Partial<IpRateLimitPolicy>;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the Fastify app: the plugin order and nothing else. Does not listen. */
export async function buildApp(config: Config, dependencies: AppDependencies): Promise<FastifyInstance> {
  // Computed once; every response gets these same frozen objects.
  const headers = buildSecurityHeaders({ xXssProtection: config.xXssProtection });
  const app = Fastify({
    https: config.tls === undefined ? null : readTlsCredentials(config.tls),
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : [...config.trustProxy],
    frameworkErrors: answerFrameworkError(headers),
    // What Node refuses before Fastify sees a request (400, 431, and the 408 of REQUEST_TIMEOUT_MS), in our shape.
    clientErrorHandler: answerClientError(headers),
    loggerInstance: dependencies.logger,
    genReqId: () => randomUUID(),
    // request.log is made only when a request logs something (docs/PERFORMANCE.md).
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 60_000,
    // A request that reached us while closing is still served: the stores stay open until close completes.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  // Slow clients (slowloris): the whole request, headers included, within REQUEST_TIMEOUT_MS. Node only
  // enforces these when it sweeps its connections (every 30 s by default; read when listening starts), so
  // sweep at a quarter of the timeout: a slow client is cut within 1.25 × REQUEST_TIMEOUT_MS.
  const server = app.server as typeof app.server & { connectionsCheckingInterval: number };
  server.headersTimeout = config.requestTimeoutMs;
  server.connectionsCheckingInterval = Math.max(250, Math.floor(config.requestTimeoutMs / 4));
  const clock = dependencies.clock ?? systemClock;
  app.decorate('clock', clock);
  app.decorate('config', config);

  await app.register(drain);
  await app.register(errorHandler);
  await app.register(finiteNumbers);
  await app.register(requestMetrics);
  await app.register(denylistSampler, { store: dependencies.store });
  const stopLoggingSlowOperations = logSlowOperations(app.log, { clock });
  app.addHook('onClose', async () => {
    stopLoggingSlowOperations();
  });
  // First onRequest hook: every later hook, handler and error reply already carries the headers.
  await app.register(securityHeaders, { headers });
  await app.register(httpsRedirect, { enabled: config.isProduction && config.trustProxy !== false, publicUrl: config.publicUrl });
  await app.register(cors, { origins: config.corsOrigins });
  // Before any route, so the OpenAPI document sees them all.
  await app.register(openApi, { secureCookies: config.cookieSecure });
  await app.register(fastifyCookie);
  const mailer = config.smtpUrl === undefined ? loggingMailer((fields, message) => {
          app.log.info(fields, message);
        }) : smtpMailer(config.smtpUrl, config.mailFrom);
  app.addHook('onClose', async () => {
    mailer.close();
  });
  const security = createSecurity(config, {
    database: dependencies.database,
    store: dependencies.store,
    clock,
    mailer,
    onMailError: (error) => {
      app.log.error({ err: error }, 'a password-reset mail could not be sent');
    },
    durabilityEvents: loggedDurabilityEvents(app.log),
  });
  await app.register(durabilityMaintenance, { durability: security.durability });
  await app.register(authentication, { codec: security.codec, revocation: security.revocation, secureCookies: security.secureCookies });
  const csrfProtection = new CsrfProtection({ store: dependencies.store, codec: security.codec, secureCookies: security.secureCookies, allowedOrigins: config.corsOrigins, anonymousIssueLimit: config.csrfTokensPerAddress });
  await app.register(csrf, { protection: csrfProtection });
  await app.register(healthRoutes, { database: dependencies.database, store: dependencies.store });
  const metricsAccess = mainPortMetricsAccess(config);
  if (metricsAccess !== undefined) await app.register(metricsRoutes, { access: metricsAccess });
  await app.register(authRoutes, { prefix: '/api/v1/auth', security });
  await app.register(adminRoutes, { prefix: '/api/v1/admin', security });
  const publicRoutes = { database: dependencies.database, store: dependencies.store, rateLimit: dependencies.publicRateLimit };
  await app.register(dtcRoutes, { prefix: '/api/v1/dtc', ...publicRoutes });
  await app.register(vehicleRoutes, { prefix: '/api/v1/vehicles', ...publicRoutes });
  await app.register(diagnosisRoutes, { prefix: '/api/v1/diagnosis', ...publicRoutes });
  await app.register(garageRoutes, { prefix: '/api/v1/garage', database: dependencies.database });
  // Last: the front end's routes and its history-routing fallback must not shadow any API route.
  await app.register(webApp, {});

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock;
    config: Config;
  }
}
