import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
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
  '*.jwtPreviousSecretKeys',
  '*.mfaEncryptionKey',
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
  /** Human-readable lines (pino-pretty) instead of JSON; see {@link wantsPrettyLogs}. Default false. */
  readonly pretty?: boolean;
}

/**
 * Pretty lines only for a person at a terminal during development: stdout is
 * a TTY and NODE_ENV is not production. Anything else (a pipe, a file,
 * journald, a log shipper, production) gets one JSON object per line.
 */
export function wantsPrettyLogs(stream: { readonly isTTY?: boolean }, nodeEnv: string): boolean {
  return stream.isTTY === true && nodeEnv !== 'production';
}

/**
 * pino-pretty is a dev dependency: an install without those (`npm ci --omit=dev`)
 * logs JSON instead. Loaded synchronously so the first line is already pretty.
 */
function prettyStream(destination: NodeJS.WritableStream): NodeJS.WritableStream | undefined {
  let build: typeof PinoPretty;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  } catch {
    return undefined;
  }
  return build({ destination, sync: true, colorize: 'isTTY' in destination && destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', singleLine: true, ignore: 'pid,hostname,service' });
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const output = (options.pretty === true ? prettyStream(destination) : undefined) ?? destination;
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
      base: { service: 'autocognitix-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // One of our own secrets got past the redaction paths: count it (the CredentialLeak alert fires on any increase).
    scrubbingStream(output, options.ownSecrets, (leaked) => {
      for (const kind of leaked) securityMetrics.logSecretLeaks.inc({ kind });
    }),
  );
}
