import type { Environment } from './schema.js';

export type NodeEnvironment = Environment['NODE_ENV'];
export type LogLevel = Environment['LOG_LEVEL'];
export type XssProtection = Environment['X_XSS_PROTECTION'];

/** The certificate and key the server speaks HTTPS with (absolute paths; read when the server is built). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The validated, frozen configuration every process (server, CLI, tests) runs on. */
export interface Config {
  readonly nodeEnv: NodeEnvironment;
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Absolute path. */
  readonly dataDir: string;
  /** PostgreSQL URL; unset means the embedded SQLite file under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Redis URL; unset means the embedded store in the SQLite file. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  /** REDIS_URL is one node of a Redis Cluster. */
  readonly redisCluster: boolean;
  /** The key new tokens are signed with. */
  readonly jwtSecretKey: string;
  /**
   * Earlier signing keys (JWT_PREVIOUS_SECRET_KEYS), newest first as
   * configured: they only verify tokens they signed, until those expire.
   */
  readonly jwtPreviousSecretKeys: readonly string[];
  /** Where the signing secret came from: the environment, or a file generated in development. */
  readonly jwtSecretSource: 'environment' | 'generated-file';
  /**
   * 32 bytes that encrypt authenticator-app secrets (MFA_ENCRYPTION_KEY). In
   * development a generated file in DATA_DIR; in production undefined when
   * unset, and then nobody can set up an authenticator app.
   */
  readonly mfaEncryptionKey: Buffer | undefined;
  readonly mfaEncryptionKeySource: 'environment' | 'generated-file' | 'unset';
  /** How long a confirmed second factor keeps a session fresh for sensitive changes (STEP_UP_WINDOW_MINUTES). */
  readonly stepUpWindowMinutes: number;
  readonly accessTokenExpireMinutes: number;
  readonly refreshTokenExpireDays: number;
  /** Refresh rotations allowed per user in one clock hour (REFRESH_RATE_LIMIT_PER_HOUR). */
  readonly refreshRateLimitPerHour: number;
  readonly corsOrigins: readonly string[];
  readonly cookieSecure: boolean;
  /** REQUIRE_VERIFIED_EMAIL: the strict verified-address policy (docs/SECURITY.md). */
  readonly requireVerifiedEmail: boolean;
  /** Set: the server speaks HTTPS with these files. Unset: plain HTTP (behind a TLS-terminating proxy). */
  readonly tls: TlsFiles | undefined;
  /** Which peers may set X-Forwarded-For/-Proto/-Host: none (false), any (true), or these addresses and CIDR ranges. */
  readonly trustProxy: boolean | readonly string[];
  /** The X-XSS-Protection header value. */
  readonly xXssProtection: XssProtection;
  /** Milliseconds a client has to send a whole request (headers and body); slower ones get 408 and are disconnected. */
  readonly requestTimeoutMs: number;
  /** The largest scan file one upload may carry, in bytes (SCAN_UPLOAD_MAX_BYTES); larger ones get 413 and nothing is stored. */
  readonly scanUploadMaxBytes: number;
  /** New anonymous CSRF tokens one client address may be issued per 10 minutes (bounds the store under a flood). */
  readonly csrfTokensPerAddress: number;
  /** Minutes between two runs of the garage reminder mailer (REMINDER_MAIL_INTERVAL_MINUTES); 0 turns it off. */
  readonly reminderMailIntervalMinutes: number;
  /** Days the security activity log keeps its rows (SECURITY_EVENTS_RETENTION_DAYS); 0 keeps them forever. */
  readonly securityEventsRetentionDays: number;
  /** Security events one instance queues in memory at most (SECURITY_EVENTS_QUEUE_LIMIT). */
  readonly securityEventsQueueLimit: number;
  /** Bearer token Prometheus sends to read /metrics on the main port in production; unset: not served there. */
  readonly metricsToken: string | undefined;
  /** Set: /metrics is also served, without a token, by a second listener on metricsHost:metricsPort. */
  readonly metricsPort: number | undefined;
  /** A private address (loopback or RFC 1918 / ULA) for the metricsPort listener. */
  readonly metricsHost: string;
  /** SMTP URL for outgoing mail; unset in development means reset links are logged instead. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** The web app's origin, for links in mail. */
  readonly publicUrl: string;
}

/** The SQLite file used for relational data and, without Redis, for the key-value store. */
export function embeddedDatabasePath(config: Pick<Config, 'dataDir'>): string {
  return `${config.dataDir}/autocognitix.sqlite`;
}
