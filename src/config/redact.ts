import type { Config } from './config.js';

const MASK = '********';

/** The URL with any password (and a username that looks like a token) replaced by a mask. */
export function maskUrlCredentials(url: string): string {
  if (!URL.canParse(url)) return MASK;
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, MASK);
  }
  return parsed.toString();
}

/** The effective configuration as operators may see it: secrets masked, URL passwords masked. */
export function describeConfig(config: Config): Record<string, string | number | boolean | readonly string[] | null> {
  return {
    NODE_ENV: config.nodeEnv,
    HOST: config.host,
    PORT: config.port,
    LOG_LEVEL: config.logLevel,
    DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl === undefined ? null : maskUrlCredentials(config.databaseUrl),
    REDIS_URL: config.redisUrl === undefined ? null : maskUrlCredentials(config.redisUrl),
    REDIS_KEY_PREFIX: config.redisKeyPrefix,
    REDIS_CLUSTER: config.redisCluster,
    JWT_SECRET_KEY: `${MASK} (${config.jwtSecretSource === 'environment' ? 'from the environment' : 'generated development key'})`,
    JWT_PREVIOUS_SECRET_KEYS: config.jwtPreviousSecretKeys.length === 0 ? null : `${MASK} (${config.jwtPreviousSecretKeys.length} previous ${config.jwtPreviousSecretKeys.length === 1 ? 'key' : 'keys'})`,
    MFA_ENCRYPTION_KEY:
      config.mfaEncryptionKeySource === 'unset' ? null : `${MASK} (${config.mfaEncryptionKeySource === 'environment' ? 'from the environment' : 'generated development key'})`,
    STEP_UP_WINDOW_MINUTES: config.stepUpWindowMinutes,
    ACCESS_TOKEN_EXPIRE_MINUTES: config.accessTokenExpireMinutes,
    REFRESH_TOKEN_EXPIRE_DAYS: config.refreshTokenExpireDays,
    CORS_ORIGINS: config.corsOrigins,
    COOKIE_SECURE: config.cookieSecure,
    REQUIRE_VERIFIED_EMAIL: config.requireVerifiedEmail,
    // Paths only: the key file's contents are never read for display.
    TLS_CERT_FILE: config.tls?.certFile ?? null,
    TLS_KEY_FILE: config.tls?.keyFile ?? null,
    TRUST_PROXY: config.trustProxy,
    X_XSS_PROTECTION: config.xXssProtection,
    REQUEST_TIMEOUT_MS: config.requestTimeoutMs,
    SCAN_UPLOAD_MAX_BYTES: config.scanUploadMaxBytes,
    CSRF_TOKENS_PER_ADDRESS: config.csrfTokensPerAddress,
    SECURITY_EVENTS_RETENTION_DAYS: config.securityEventsRetentionDays,
    REMINDER_MAIL_INTERVAL_MINUTES: config.reminderMailIntervalMinutes,
    SECURITY_EVENTS_QUEUE_LIMIT: config.securityEventsQueueLimit,
    METRICS_TOKEN: config.metricsToken === undefined ? null : MASK,
    METRICS_PORT: config.metricsPort ?? null,
    METRICS_HOST: config.metricsHost,
    SMTP_URL: config.smtpUrl === undefined ? null : maskUrlCredentials(config.smtpUrl),
    MAIL_FROM: config.mailFrom,
    PUBLIC_URL: config.publicUrl,
  };
}
