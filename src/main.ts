import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigurationError, EXIT_CONFIGURATION_ERROR, loadConfig, loadDotEnvFile, type LoadedConfig } from './config/index.js';
import { isDatabaseUnavailable } from './db/index.js';
import { startServerHeartbeat } from './db/server-heartbeat.js';
import { describeListenAddress } from './listen-address.js';
import { startMetricsServer } from './http/metrics.js';
import { createLogger, ownSecretsOf, scrubSecrets, wantsPrettyLogs } from './observability/index.js';
import { seedDtcCodesIfEmpty } from './importers/index.js';
import { syncDiagnosisIndex } from './diagnostics/describe/index.js';
import { openRuntime, type Runtime } from './runtime.js';
import { checkEvictionPolicy, checkMfaEncryptionKey, warnAboutLooseFilePermissions } from './startup-checks.js';

const SHUTDOWN_GRACE_MS = 10_000;
/** How long clients get to finish and leave their keep-alive connections before the listener closes. */
const SHUTDOWN_DRAIN_MS = 2_000;

function loadConfigOrExit(): LoadedConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIGURATION_ERROR);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  loadDotEnvFile();
  const { config, warnings } = loadConfigOrExit();
  const logger = createLogger({ level: config.logLevel, pretty: wantsPrettyLogs(process.stdout, config.nodeEnv), ownSecrets: ownSecretsOf(config) });
  for (const warning of warnings) logger.warn(warning);

  // Before opening: SQLite gives new -wal/-shm files the mode of the database file.
  warnAboutLooseFilePermissions(config, logger);
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, { migrate: true });
    const seeded = await seedDtcCodesIfEmpty(runtime.database);
    if (seeded > 0) logger.info({ inserted: seeded }, 'empty database: loaded the bundled trouble codes');
    const indexed = await syncDiagnosisIndex(runtime.database);
    if (indexed.graphRebuilt || indexed.documentsWritten > 0) logger.info(indexed, 'diagnosis index brought up to date');
  } catch (error) {
    // Never the URL: it may carry a password.
    logger.fatal({ reason: isDatabaseUnavailable(error) ? 'database_unavailable' : 'startup_failed', err: error }, 'could not open the database or apply migrations');
    process.exit(1);
  }

  for (const verdict of [await checkEvictionPolicy(config, runtime.store, logger), await checkMfaEncryptionKey(config, runtime.database)]) {
    if (!verdict.refuse) continue;
    process.stderr.write(`${verdict.message}\n`);
    await runtime.close();
    process.exit(EXIT_CONFIGURATION_ERROR);
  }

  const app: FastifyInstance = await buildApp(config, { database: runtime.database, store: runtime.store, logger });
  // The private metrics listener closes with the app (its onClose hook), before the stores.
  if (config.metricsPort !== undefined) {
    const metricsServer = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, logger: logger.child({ listener: 'metrics' }) });
    app.addHook('onClose', async () => {
      await metricsServer.close();
    });
    logger.info({ host: config.metricsHost, port: config.metricsPort }, 'metrics listener ready');
  }
  const heartbeat = await startServerHeartbeat(runtime.database, { onError: (error) => { logger.warn({ err: error }, 'server heartbeat not written'); } });
  app.addHook('onClose', () => heartbeat.stop());
  installShutdown(app, runtime);
  await app.listen({ host: config.host, port: config.port });
  const protocol = config.tls === undefined ? 'http' : 'https';
  const bound = app.server.address();
  const { url, reach } = describeListenAddress(config.host, typeof bound === 'object' && bound !== null ? bound.port : config.port, protocol);
  logger.info({ database: runtime.database.engine, store: runtime.store.kind, environment: config.nodeEnv, protocol, url, reach }, `AutoCognitix API ready at ${url}`);
}

function installShutdown(app: FastifyInstance, runtime: Runtime): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const forceExit = setTimeout(() => {
      app.log.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forceExit.unref();
    app
      .drain(SHUTDOWN_DRAIN_MS)
      .then(() => app.close())
      .then(() => runtime.close())
      .then(() => {
        app.log.info('shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : 'unknown error';
  process.stderr.write(`AutoCognitix API failed to start: ${scrubSecrets(reason).line}\n`);
  process.exit(1);
});
