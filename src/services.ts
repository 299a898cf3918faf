import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { ReminderMailRepository } from './db/repositories/reminder-mail.js';
import { ReminderMailer } from './garage/reminder-mail.js';
import { loggingMailer, smtpMailer, type Mailer } from './mail/mailer.js';
import { CsrfProtection } from './security/csrf.js';
import { SignInHistoryRepository } from './db/repositories/sign-in-history.js';
import { createSecurity, type Security } from './security/index.js';
import { SecurityNotifications } from './security/notifications.js';
import { SecurityEventsRepository } from './db/repositories/security-events.js';
import { SecurityEventLog, type LogTimers } from './security/security-event-log.js';
import { SecurityEventRetention } from './security/security-event-retention.js';
import { loggedDurabilityEvents } from './security/store-refill.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** What one app instance's hooks and routes use, built from config and the app's dependencies. */
export interface AppServices {
  readonly security: Security;
  readonly csrfProtection: CsrfProtection;
  /** Mails the owner about security events on their account (subscribed to security.events). */
  readonly notifications: SecurityNotifications;
  /** Writes the security events to the database (subscribed to `security.events`). */
  readonly securityEventLog: SecurityEventLog;
  readonly securityEvents: SecurityEventsRepository;
  /** The daily purge of old security events; started when the app is ready. */
  readonly securityEventRetention: SecurityEventRetention;
  /** Mails due garage reminders every REMINDER_MAIL_INTERVAL_MINUTES; started when the app is ready. */
  readonly reminderMail: ReminderMailer;
  /**
   * Closes what the services opened: writes the queued security events (for at
   * most a few seconds), stops the purge, closes the SMTP connection. Runs
   * before the database closes: the database and store belong to the app's creator.
   */
  close(): Promise<void>;
}

export interface ServiceDependencies {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly clock: Clock;
  /** The app's logger: mail without SMTP, mail failures and store refills are reported here. */
  readonly log: FastifyBaseLogger;
  /** The timers of the security-event writer and the daily purge (tests bring their own). */
  readonly timers?: LogTimers;
}

/** How long closing waits for the last security events to reach the database. */
const SECURITY_EVENT_CLOSE_TIMEOUT_MS = 5000;

export function createServices(config: Config, { database, store, clock, log, timers }: ServiceDependencies): AppServices {
  const mailer: Mailer =
    config.smtpUrl === undefined
      ? loggingMailer((fields, message) => {
          log.info(fields, message);
        })
      : smtpMailer(config.smtpUrl, config.mailFrom);
  const security = createSecurity(config, {
    database,
    store,
    clock,
    mailer,
    onMailError: (error) => {
      log.error({ err: error }, 'a password-reset mail could not be sent');
    },
    durabilityEvents: loggedDurabilityEvents(log),
    onEventListenerError: (error) => {
      log.error({ err: error }, 'a security-event listener failed');
    },
  });
  const notifications = new SecurityNotifications({
    users: security.users,
    history: new SignInHistoryRepository(database.db),
    store,
    mailer,
    clock,
    publicUrl: config.publicUrl,
    onError: (error, event) => {
      log.error({ err: error, event }, 'a security notification could not be sent');
    },
    onSkipped: (reason, event, error) => {
      log.warn({ reason, event, ...(error === undefined ? {} : { err: error }) }, 'a security notification was not sent');
    },
  });
  security.events.subscribe(notifications.listener);
  const csrfProtection = new CsrfProtection({
    store,
    codec: security.codec,
    secureCookies: security.secureCookies,
    allowedOrigins: config.corsOrigins,
    anonymousIssueLimit: config.csrfTokensPerAddress,
    revocationKeys: (claims) => security.revocation.keysOf(claims),
  });
  const securityEvents = new SecurityEventsRepository(database.db, database.engine);
  const securityEventLog = new SecurityEventLog({
    writer: securityEvents,
    clock,
    queueLimit: config.securityEventsQueueLimit,
    ...(timers === undefined ? {} : { timers }),
    onProblem: (message, details) => {
      log.warn(details, message);
    },
  });
  // Never unsubscribed: an event recorded after close (a request still finishing) is counted as dropped, not lost silently.
  security.events.subscribe(securityEventLog.listener);
  const securityEventRetention = new SecurityEventRetention({
    repository: securityEvents,
    clock,
    retentionDays: config.securityEventsRetentionDays,
    ...(timers === undefined ? {} : { timers }),
    onPurged: (outcome) => {
      if (outcome.rows > 0) log.info({ rows: outcome.rows, cutoff: outcome.cutoff }, 'purged old security events');
    },
    onError: (error) => {
      log.warn({ err: error }, 'the daily purge of old security events failed; it runs again tomorrow');
    },
  });
  const reminderMail = new ReminderMailer({
    repository: new ReminderMailRepository(database.db),
    store,
    mailer,
    clock,
    publicUrl: config.publicUrl,
    intervalMinutes: config.reminderMailIntervalMinutes,
    ...(timers === undefined ? {} : { timers }),
    onError: (error, context) => {
      log.warn({ err: error, ...context }, 'the reminder mailer failed (a failed mail is retried at a later run)');
    },
  });
  return {
    security,
    csrfProtection,
    notifications,
    securityEventLog,
    securityEvents,
    securityEventRetention,
    reminderMail,
    close: async () => {
      await reminderMail.stop();
      await securityEventRetention.stop();
      await securityEventLog.close(SECURITY_EVENT_CLOSE_TIMEOUT_MS);
      mailer.close();
    },
  };
}
