import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CSRF_FAILURES, FAIL_CLOSED_OPERATIONS, type FailClosedOperation } from '../errors.js';
import { StoreUnavailableError } from '../stores/key-value-store.js';
import { HotPathHistogram } from './hot-path-histogram.js';
import { SECRET_KINDS } from './log-scrubber.js';

/**
 * Every Prometheus metric, by the seed's names. One registry per process:
 * several app instances in one process (tests) share it. Labels never carry a
 * user id, email or token.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Buckets from 0.05 ms to 50 ms, as the seed's latency thresholds need. */
const SUB_MILLISECOND_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 50];
/** Whole requests, in seconds (Prometheus' base unit): 1 ms to 10 s. */
const REQUEST_DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter in {@link metricsRegistry}, with the label names it is counted by (none for a plain total). */
function counter<Label extends string = never>(name: string, help: string, ...labelNames: Label[]): Counter<Label> {
  return new Counter<Label>({ name, help, labelNames, registers: [metricsRegistry] });
}

/** A latency histogram in milliseconds, with the buckets the seed's thresholds need. */
function latencyMs(name: string, help: string): HotPathHistogram {
  return new HotPathHistogram(name, help, SUB_MILLISECOND_BUCKETS_MS, [], metricsRegistry);
}

function gauge(name: string, help: string): Gauge {
  return new Gauge({ name, help, registers: [metricsRegistry] });
}

export const securityMetrics = {
  tokensBlacklisted: counter('security_tokens_blacklisted_total', 'Tokens added to the denylist (logout, rotation, family revocation).'),
  denylistLatency: latencyMs('security_redis_blacklist_latency_ms', 'Latency of the denylist check in milliseconds.'),
  tokenDecodeLatency: latencyMs('security_token_decode_latency_ms', 'Latency of a full access-token decode including the denylist check, in milliseconds.'),
  refreshRateLimited: counter('security_refresh_rate_limited_total', 'Refresh attempts rejected by the per-user hourly limit.'),
  refreshReuse: counter('security_refresh_reuse_total', 'Rotated refresh tokens presented again after the grace window; the family was revoked.', 'cause'),
  loginFailures: counter('security_login_failures_total', 'Failed logins by reason.', 'reason'),
  storeErrors: counter('security_store_errors_total', 'Security checks that failed closed because the store did not answer.', 'operation'),
  passwordResetTokensIssued: counter('security_password_reset_tokens_issued', 'Password reset tokens issued.'),
  csrfTokensGenerated: counter('security_csrf_tokens_generated_total', 'CSRF tokens issued.'),
  csrfValidationsFailed: counter('security_csrf_validations_failed_total', 'Unsafe requests refused by the CSRF check, by reason.', 'reason'),
  csrfGenerationLatency: latencyMs('security_csrf_generation_latency_ms', 'Latency of issuing a CSRF token (generate, store its hash, set the cookie) in milliseconds.'),
  csrfValidationLatency: latencyMs('security_csrf_validation_latency_ms', 'Latency of the CSRF check in milliseconds.'),
  denylistEntries: gauge('security_denylist_entries', 'Denylist (jti:*) entries in the shared store, sampled at most once a minute.'),
  slowOperations: counter('security_slow_operations_total', 'Security operations slower than their seed threshold (each also logged as a warning).', 'operation'),
  securityEventsWritten: counter('security_events_written_total', 'Security activity log rows written to the database.'),
  securityEventsDropped: counter(
    'security_events_dropped_total',
    'Security activity log events never written: the queue was full (the database refused or was slow for long), its share for sign-in failures was full (a flood), or the app was closing. Labelled by event.',
    'event',
  ),
  securityEventWriteFailures: counter('security_events_write_failures_total', 'Batches of security activity log events the database refused; they stay queued and are retried with backoff.'),
  logSecretLeaks: counter('security_log_secret_leaks_total', 'Our own secrets (a configured secret, a connection-string password, a token signed with our key) the log scrubber masked in a log line: some code logged a credential.', 'kind'),
};

export const reminderMetrics = {
  mailsSent: counter('reminder_mails_sent_total', 'Garage reminder mails handed to the SMTP server (one per reminder and due).'),
  mailFailures: counter('reminder_mail_failures_total', 'Garage reminder mails that could not be sent; the reminder is unclaimed and a later run tries again.'),
};

export const httpMetrics = {
  requestDuration: new HotPathHistogram(
    'http_request_duration_seconds',
    'Duration of HTTP requests in seconds, by route pattern (never the raw URL), method and status code.',
    REQUEST_DURATION_BUCKETS_SECONDS,
    ['route', 'method', 'status_code'] as const,
    metricsRegistry,
  ),
};

/*
 * Series whose label values are known start at 0: an alert on `increase()` or
 * `rate()` then sees the first event too (a series born at 1 shows no increase).
 */
for (const kind of SECRET_KINDS) securityMetrics.logSecretLeaks.inc({ kind }, 0);
// Both lists come from the error catalog (src/errors.ts): a new reason there gets its series here.
for (const reason of CSRF_FAILURES) securityMetrics.csrfValidationsFailed.inc({ reason }, 0);
for (const operation of FAIL_CLOSED_OPERATIONS) securityMetrics.storeErrors.inc({ operation }, 0);

/**
 * Counts a security check that failed closed because the store did not
 * answer, then lets the caller rethrow. Other errors are not store outages
 * and are not counted.
 */
export function countStoreFailure(operation: FailClosedOperation, error: unknown): void {
  if (error instanceof StoreUnavailableError) securityMetrics.storeErrors.inc({ operation });
}
