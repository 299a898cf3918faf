import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { readTlsCredentials, type Config } from './config/index.js';
import type { Database } from './db/index.js';
import { drain } from './http/drain.js';
import { errorHandler } from './http/error-handler.js';
import { answerClientError, answerFrameworkError } from './http/errors-before-hooks.js';
import { finiteNumbers } from './http/finite-numbers.js';
import { adminRoutes } from './http/admin.js';
import { accountRoutes } from './http/account.js';
import { emailVerificationRoutes } from './http/email-verification.js';
import { diagnosisRoutes } from './http/diagnosis.js';
import { garageRoutes } from './http/garage.js';
import { garageReminderRoutes } from './http/garage-reminders.js';
import { garageScanRoutes } from './http/garage-scans.js';
import { garageCalendarRoutes, publicCalendarRoutes } from './http/garage-calendar.js';
import { dtcRoutes } from './http/dtc.js';
import { corsStep } from './http/cors.js';
import { healthRoutes } from './http/health.js';
import { mainPortMetricsAccess, metricsRoutes } from './http/metrics.js';
import { httpsRedirect } from './http/https-redirect.js';
import { openApi } from './http/openapi.js';
import { sessionRoutes } from './http/sessions.js';
import { secondFactorRoutes } from './http/second-factors.js';
import { adminSecurityEventRoutes, ownSecurityEventRoutes } from './http/security-events.js';
import { signInRoutes } from './http/sign-in.js';
import { vehicleRoutes } from './http/vehicles.js';
import { webApp } from './http/web-app.js';
import { denylistSampler } from './observability/denylist-sampler.js';
import { lazyChildLoggerFactory } from './observability/lazy-child-logger.js';
import { RequestCompletion } from './observability/request-completion.js';
import { logSlowOperations } from './observability/slow-operations.js';
import { buildSecurityHeaders, securityHeaders } from './security/headers.js';
import { csrf } from './security/csrf.js';
import { durabilityMaintenance } from './security/store-refill.js';
import { ProcessWindowCounters } from './security/process-window-counters.js';
import { authentication } from './security/index.js';
import { verifiedEmailGuard } from './security/email-verification.js';
import { createServices, type AppServices } from './services.js';
import type { LogTimers } from './security/security-event-log.js';
import type { SecurityEvents } from './security/security-events.js';
import type { SecurityNotifications } from './security/notifications.js';
import type { IpRateLimitPolicy } from './security/ip-rate-limit.js';
import type { KeyValueStoreWithAdmin } from './stores/key-value-store.js';

/** What the app runs on; created by main.ts (or a test) and closed by its creator. */
export interface AppDependencies {
  readonly database: Database;
  readonly store: KeyValueStoreWithAdmin;
  readonly logger: FastifyBaseLogger;
  readonly clock?: Clock;
  /** Per-address limit of each public route group (dtc, vehicles, diagnosis); default 120 per minute. */
  readonly publicRateLimit?: Partial<IpRateLimitPolicy>;
  /** Timers of the security-event writer and the daily purge (tests); Node's unref'd timers by default. */
  readonly timers?: LogTimers;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the Fastify app: the request pipeline, grouped by hook phase; services are wired in services.ts. Does not listen. */
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
    // Every complete response: the request-duration metric, and Fastify's request lines while info is logged.
    logController: new RequestCompletion(dependencies.logger),
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

  const services = createServices(config, {
    database: dependencies.database,
    store: dependencies.store,
    clock,
    log: app.log,
    ...(dependencies.timers === undefined ? {} : { timers: dependencies.timers }),
  });
  const { security } = services;
  app.decorate('services', services);
  // The security event hub and the notification mailer: tests listen to the one and wait for the other.
  app.decorate('securityEvents', security.events);
  app.decorate('securityNotifications', services.notifications);
  const stopLoggingSlowOperations = logSlowOperations(app.log, { clock });
  app.addHook('onReady', () => {
    services.securityEventRetention.start();
    services.reminderMail.start();
  });
  // Before the creator closes the database: the last security events are written here.
  app.addHook('onClose', async () => {
    stopLoggingSlowOperations();
    await services.close();
  });

  // Errors: one shape for every error and 404; set first, so every context registered later inherits it.
  await app.register(errorHandler);

  // Start and stop (onReady / onClose): the store refill and its upkeep, the denylist-size sampler.
  await app.register(denylistSampler, { store: dependencies.store });
  await app.register(durabilityMaintenance, { durability: security.durability });

  // onRequest, in this order: security headers first (every later hook, handler and error reply carries them)
  // and CORS in the same hook, the HTTPS redirect, then the CSRF check on every unsafe request.
  await app.register(securityHeaders, { headers, cors: corsStep({ origins: config.corsOrigins }) });
  await app.register(httpsRedirect, { enabled: config.isProduction && config.trustProxy !== false, publicUrl: config.publicUrl });
  // Without its parsing hook: a cookie header is parsed when something asks for a cookie (cookiesOf, src/security/cookies.ts).
  await app.register(fastifyCookie, { hook: false });
  await app.register(csrf, { protection: services.csrfProtection });

  // preHandler: non-finite numbers refused where a request can hold one (added per route); the guards routes choose (requireAuth, requireRole).
  await app.register(finiteNumbers);
  await app.register(authentication, { codec: security.codec, revocation: security.revocation, secureCookies: security.secureCookies, users: security.users });
  // Before the routes: it adds the verified-address check to the routes the policy names.
  await app.register(verifiedEmailGuard, { emailVerification: security.emailVerification });

  // onSend: `Connection: close` while draining. (Request metrics: RequestCompletion, above.)
  await app.register(drain);

  // Routes: the OpenAPI document first (it sees every route after it), the web app last (its history-routing
  // fallback must not shadow an API route).
  await app.register(openApi, { secureCookies: config.cookieSecure });
  await app.register(healthRoutes, { database: dependencies.database, store: dependencies.store });
  const metricsAccess = mainPortMetricsAccess(config);
  if (metricsAccess !== undefined) await app.register(metricsRoutes, { access: metricsAccess });
  await app.register(signInRoutes, { prefix: '/api/v1/auth', security });
  await app.register(accountRoutes, { prefix: '/api/v1/auth', security });
  await app.register(emailVerificationRoutes, { prefix: '/api/v1/auth', security });
  await app.register(sessionRoutes, { prefix: '/api/v1/auth', security });
  await app.register(secondFactorRoutes, { prefix: '/api/v1/auth', security });
  await app.register(ownSecurityEventRoutes, { prefix: '/api/v1/auth', security, repository: services.securityEvents });
  await app.register(adminRoutes, { prefix: '/api/v1/admin', security, securityEvents: services.securityEvents });
  await app.register(adminSecurityEventRoutes, { prefix: '/api/v1/admin', security, repository: services.securityEvents });
  // One API process serves the embedded backend: its public read limits count in memory, not with a write per request.
  const rateLimitCounters = dependencies.store.kind === 'sqlite' ? new ProcessWindowCounters(clock) : dependencies.store;
  const publicRoutes = { database: dependencies.database, store: dependencies.store, rateLimitCounters, rateLimit: dependencies.publicRateLimit };
  await app.register(dtcRoutes, { prefix: '/api/v1/dtc', ...publicRoutes });
  await app.register(vehicleRoutes, { prefix: '/api/v1/vehicles', ...publicRoutes });
  await app.register(diagnosisRoutes, { prefix: '/api/v1/diagnosis', ...publicRoutes });
  await app.register(garageRoutes, { prefix: '/api/v1/garage', database: dependencies.database });
  await app.register(garageReminderRoutes, { prefix: '/api/v1/garage', database: dependencies.database, store: dependencies.store });
  await app.register(garageScanRoutes, { prefix: '/api/v1/garage', database: dependencies.database, store: dependencies.store, maxUploadBytes: config.scanUploadMaxBytes });
  const calendarRoutes = { database: dependencies.database, store: dependencies.store, publicUrl: config.publicUrl };
  await app.register(garageCalendarRoutes, { prefix: '/api/v1/garage', ...calendarRoutes });
  await app.register(publicCalendarRoutes, { prefix: '/api/v1/calendar', ...calendarRoutes });
  await app.register(webApp, {});

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock;
    config: Config;
    /** The app's services (tests reach the security-event log and its repository here). */
    services: AppServices;
    securityEvents: SecurityEvents;
    securityNotifications: SecurityNotifications;
  }
}
