import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { loggingMailer, smtpMailer, type Mailer } from './mail/mailer.js';
import { CsrfProtection } from './security/csrf.js';
import { SignInHistoryRepository } from './db/repositories/sign-in-history.js';
import { createSecurity, type Security } from './security/index.js';
import { SecurityNotifications } from './security/notifications.js';
import { loggedDurabilityEvents } from './security/store-refill.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** What one app instance's hooks and routes use, built from config and the app's dependencies. */
export interface AppServices {
  readonly security: Security;
  readonly csrfProtection: CsrfProtection;
  /** Mails the owner about security events on their account (subscribed to security.events). */
  readonly notifications: SecurityNotifications;
  /** Closes what the services opened (the SMTP connection); the database and store belong to the app's creator. */
  close(): void;
}

export interface ServiceDependencies {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly clock: Clock;
  /** The app's logger: mail without SMTP, mail failures and store refills are reported here. */
  readonly log: FastifyBaseLogger;
}

export function createServices(config: Config, { database, store, clock, log }: ServiceDependencies): AppServices {
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
  });
  return {
    security,
    csrfProtection,
    notifications,
    close: () => {
      mailer.close();
    },
  };
}
