import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Database } from './db/index.js';
import { loggingMailer, smtpMailer, type Mailer } from './mail/mailer.js';
import { CsrfProtection } from './security/csrf.js';
import { createSecurity, type Security } from './security/index.js';
import { loggedDurabilityEvents } from './security/store-refill.js';
import type { KeyValueStore } from './stores/key-value-store.js';

/** What one app instance's hooks and routes use, built from config and the app's dependencies. */
export interface AppServices {
  readonly security: Security;
  readonly csrfProtection: CsrfProtection;
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
    close: () => {
      mailer.close();
    },
  };
}
