import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every Prometheus metric, by the seed's names. One registry per process:
 * several app instances in one process (tests) share it. Labels never carry a
 * user id, email or token.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Buckets from 0.05 ms to 50 ms, as the seed's latency thresholds need. */
const SUB_MILLISECOND_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 50];

export const securityMetrics = {
  tokensBlacklisted: new Counter({
    name: 'security_tokens_blacklisted_total',
    help: 'Tokens added to the denylist (logout, rotation, family revocation).',
    registers: [metricsRegistry],
  }),
  denylistLatency: new Histogram({
    name: 'security_redis_blacklist_latency_ms',
    help: 'Latency of the denylist check in milliseconds.',
    buckets: SUB_MILLISECOND_BUCKETS_MS,
    registers: [metricsRegistry],
  }),
  tokenDecodeLatency: new Histogram({
    name: 'security_token_decode_latency_ms',
    help: 'Latency of a full access-token decode including the denylist check, in milliseconds.',
    buckets: SUB_MILLISECOND_BUCKETS_MS,
    registers: [metricsRegistry],
  }),
  refreshRateLimited: new Counter({
    name: 'security_refresh_rate_limited_total',
    help: 'Refresh attempts rejected by the per-user hourly limit.',
    registers: [metricsRegistry],
  }),
  refreshReuse: new Counter({
    name: 'security_refresh_reuse_total',
    help: 'Rotated refresh tokens presented again after the grace window; the family was revoked.',
    labelNames: ['cause'] as const,
    registers: [metricsRegistry],
  }),
  loginFailures: new Counter({
    name: 'security_login_failures_total',
    help: 'Failed logins by reason.',
    labelNames: ['reason'] as const,
    registers: [metricsRegistry],
  }),
  storeErrors: new Counter({
    name: 'security_store_errors_total',
    help: 'Security checks that failed closed because the store did not answer.',
    labelNames: ['operation'] as const,
    registers: [metricsRegistry],
  }),
  passwordResetTokensIssued: new Counter({
    name: 'security_password_reset_tokens_issued',
    help: 'Password reset tokens issued.',
    registers: [metricsRegistry],
  }),
  csrfTokensGenerated: new Counter({
    name: 'security_csrf_tokens_generated_total',
    help: 'CSRF tokens issued.',
    registers: [metricsRegistry],
  }),
  csrfValidationsFailed: new Counter({
    name: 'security_csrf_validations_failed_total',
    help: 'Unsafe requests refused by the CSRF check, by reason.',
    labelNames: ['reason'] as const,
    registers: [metricsRegistry],
  }),
  csrfValidationLatency: new Histogram({
    name: 'security_csrf_validation_latency_ms',
    help: 'Latency of the CSRF check in milliseconds.',
    buckets: SUB_MILLISECOND_BUCKETS_MS,
    registers: [metricsRegistry],
  }),
  denylistEntries: new Gauge({
    name: 'security_denylist_entries',
    help: 'Denylist entries, sampled.',
    registers: [metricsRegistry],
  }),
};
