import Type, { type Static } from 'typebox';

/**
 * Every environment variable the service reads, in one place. Each has a
 * `description` that says what is expected: configuration errors quote it
 * instead of the value they received, so a mistyped secret never reaches a log.
 */
export const environmentSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: 'one of development, production, test',
  }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'the interface to listen on, e.g. 127.0.0.1 or 0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'a TCP port from 0 to 65535' }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info', description: 'one of fatal, error, warn, info, debug, trace, silent' },
  ),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'a directory for the embedded database and generated secrets' }),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'a PostgreSQL URL (postgres://user:password@host:5432/database), or unset for the embedded SQLite file' }),
  ),
  REDIS_URL: Type.Optional(
    Type.String({ pattern: '^rediss?://', description: 'a Redis URL (redis:// or rediss://), or unset for the embedded store' }),
  ),
  REDIS_CLUSTER: Type.Boolean({ default: false, description: 'true when REDIS_URL names one node of a Redis Cluster (the others are discovered), else false' }),
  REDIS_KEY_PREFIX: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9:_.-]*$',
    description: 'letters, digits and : _ . - only; prepended to every Redis key (empty by default)',
  }),
  JWT_SECRET_KEY: Type.Optional(
    Type.String({ minLength: 1, description: 'a random secret of at least 32 bytes for signing tokens (e.g. `openssl rand -base64 48`)' }),
  ),
  JWT_PREVIOUS_SECRET_KEYS: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'a comma-separated list of at most 5 earlier JWT_SECRET_KEY values, each other than JWT_SECRET_KEY: tokens they signed are accepted until they expire (key rotation, docs/DEPLOYMENT.md)',
    }),
  ),
  MFA_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/_-]{43}=?$',
      description: '32 random bytes in base64 (`openssl rand -base64 32`) that encrypt authenticator-app secrets at rest; required in production once any user has set up an authenticator app',
    }),
  ),
  STEP_UP_WINDOW_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 10,
    description: 'an integer number of minutes from 1 to 1440 for which a second factor confirmed in a session counts as fresh for sensitive changes',
  }),
  ACCESS_TOKEN_EXPIRE_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 15, description: 'an integer number of minutes from 1 to 1440' }),
  REFRESH_TOKEN_EXPIRE_DAYS: Type.Integer({ minimum: 1, maximum: 90, default: 7, description: 'an integer number of days from 1 to 90' }),
  REFRESH_RATE_LIMIT_PER_HOUR: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'an integer from 1 to 1000: token refreshes allowed per user in one clock hour (the seed says 5)',
  }),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'a comma-separated list of origins such as https://app.example.com (scheme://host[:port], no path, no *)',
  }),
  REQUIRE_VERIFIED_EMAIL: Type.Boolean({
    default: false,
    description:
      'true or false (default): true refuses every signed-in change but verifying, signing out, the password, the address and erasure until the address is verified, and sends no password-reset mail to an unverified address',
  }),
  COOKIE_SECURE: Type.Optional(Type.Boolean({ description: 'true or false (defaults to true in production)' })),
  TLS_CERT_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a readable PEM certificate (chain) file, set together with TLS_KEY_FILE' }),
  ),
  TLS_KEY_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'the path of a readable PEM private key file matching TLS_CERT_FILE, set together with it' }),
  ),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'true, false, or a comma-separated list of proxy IP addresses or CIDR ranges such as 10.0.0.0/8',
  }),
  X_XSS_PROTECTION: Type.Union([Type.Literal('1; mode=block'), Type.Literal('0')], {
    default: '1; mode=block',
    description: '"1; mode=block" (the default) or "0"',
  }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description: 'an integer number of milliseconds from 1000 to 600000 within which a client must send a whole request (headers and body)',
  }),
  SCAN_UPLOAD_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1_073_741_824,
    default: 67_108_864,
    description: 'an integer number of bytes from 1024 to 1073741824: the largest scan file one upload may carry (POST /api/v1/garage/vehicles/{id}/scans); larger ones get 413',
  }),
  CSRF_TOKENS_PER_ADDRESS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 100,
    description: 'an integer from 1 to 1000000: new anonymous CSRF tokens one client address may be issued per 10 minutes',
  }),
  SECURITY_EVENTS_RETENTION_DAYS: Type.Integer({
    minimum: 0,
    maximum: 3650,
    default: 365,
    description: 'an integer number of days from 0 to 3650 the security activity log keeps its rows (0: forever); older rows are purged daily',
  }),
  REMINDER_MAIL_INTERVAL_MINUTES: Type.Integer({
    minimum: 0,
    maximum: 1440,
    default: 60,
    description: 'an integer number of minutes from 0 to 1440 between two runs of the reminder mailer (0: no reminder mail from this instance)',
  }),
  SECURITY_EVENTS_QUEUE_LIMIT: Type.Integer({
    minimum: 100,
    maximum: 1_000_000,
    default: 10_000,
    description: 'an integer from 100 to 1000000: security events one instance holds in memory while the database is slow or down; past it new events are dropped and counted',
  }),
  METRICS_TOKEN: Type.Optional(
    Type.String({ minLength: 1, description: 'a random bearer token of at least 32 bytes that Prometheus must send to read /metrics in production (e.g. `openssl rand -base64 48`)' }),
  ),
  METRICS_PORT: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65535, description: 'a TCP port from 1 to 65535, other than PORT, for a separate /metrics listener on METRICS_HOST, or unset' }),
  ),
  METRICS_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'a private IP address for the METRICS_PORT listener: loopback, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fc00::/7',
  }),
  SMTP_URL: Type.Optional(
    Type.String({ pattern: '^smtps?://', description: 'an SMTP URL (smtp://user:password@host:587 or smtps://…:465) for password-reset mail; required in production' }),
  ),
  MAIL_FROM: Type.String({ minLength: 3, default: 'AutoCognitix <no-reply@autocognitix.invalid>', description: 'the From address of outgoing mail, e.g. "AutoCognitix <no-reply@example.com>"' }),
  PUBLIC_URL: Type.Optional(
    Type.String({ pattern: '^https?://[^/]+$', description: 'the origin users open the web app at, e.g. https://app.example.com (no path); links in mail point there. Defaults to http://HOST:PORT' }),
  ),
});

export type Environment = Static<typeof environmentSchema>;
export type EnvironmentVariableName = keyof Environment;

/** Variables whose value is a secret: never printed, only masked. */
export const SECRET_VARIABLES: readonly EnvironmentVariableName[] = ['JWT_SECRET_KEY', 'JWT_PREVIOUS_SECRET_KEYS', 'MFA_ENCRYPTION_KEY', 'METRICS_TOKEN'];

/** Variables that are URLs and may carry a password in their user-info part. */
export const URL_VARIABLES: readonly EnvironmentVariableName[] = ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL'];
