import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';
import { scrubbingStream, type OwnSecrets } from './log-scrubber.js';
import { securityMetrics } from './metrics.js';

/** Paths pino removes before serialising: credentials in headers and bodies. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.access_token',
  '*.refresh_token',
  '*.csrf_token',
  '*.token',
  '*.jwtSecretKey',
  '*.metricsToken',
  '*.databaseUrl',
  '*.redisUrl',
  'password',
  'token',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go (default stdout); tests pass a capture stream. */
  readonly destination?: NodeJS.WritableStream;
  /** Our own secrets (`ownSecretsOf(config)`): only these count as a leak; everything secret-looking is masked either way. */
  readonly ownSecrets?: OwnSecrets;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
      base: { service: 'autocognitix-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // One of our own secrets got past the redaction paths: count it (the CredentialLeak alert fires on any increase).
    scrubbingStream(options.destination ?? process.stdout, options.ownSecrets, (leaked) => {
      for (const kind of leaked) securityMetrics.logSecretLeaks.inc({ kind });
    }),
  );
}
