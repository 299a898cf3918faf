import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { SecondFactorsRepository } from '../db/repositories/second-factors.js';
import { UsersRepository } from '../db/repositories/users.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { AccountDataRepository } from '../db/repositories/account-data.js';
import { AuthStateRepository } from '../db/repositories/auth-state.js';
import type { Mailer } from '../mail/mailer.js';
import { AccountErasure } from './account-erasure.js';
import { DeviceCookies } from './device-cookie.js';
import { EmailChangeService } from './email-change.js';
import { EmailVerificationService } from './email-verification.js';
import { PasskeyService, relyingPartyOf } from './passkeys.js';
import { PasswordResetService } from './password-reset.js';
import { SecondFactorService } from './second-factors.js';
import { SecondStepTickets } from './second-step.js';
import { SecretBox } from './secret-box.js';
import { StepUpFreshness } from './step-up.js';
import { SecurityEvents } from './security-events.js';
import { SecurityStateDurability, type DurabilityEvents } from './store-refill.js';
import { Revocation } from './revocation.js';
import { SessionService } from './sessions.js';
import { TokenCodec } from './tokens.js';
import { UserAdministration } from './user-administration.js';

/** The security services one app instance uses, wired from config and dependencies. */
export interface Security {
  readonly codec: TokenCodec;
  readonly revocation: Revocation;
  readonly sessions: SessionService;
  readonly users: UsersRepository;
  readonly durability: SecurityStateDurability;
  readonly passwordReset: PasswordResetService;
  readonly emailChange: EmailChangeService;
  /** Verified e-mail addresses: the links, and which writes need one (REQUIRE_VERIFIED_EMAIL). */
  readonly emailVerification: EmailVerificationService;
  readonly deviceCookies: DeviceCookies;
  readonly accountData: AccountDataRepository;
  readonly accountErasure: AccountErasure;
  readonly secondFactors: SecondFactorService;
  /** The security activity log's announcements: recorded without blocking, written and mailed by listeners. */
  readonly events: SecurityEvents;
  /** What admins (API) and the operator (CLI) do to accounts: list, lock, end sessions, require a new password (issue 19). */
  readonly userAdministration: UserAdministration;
  readonly secureCookies: boolean;
  /** The shared store, for the per-address limits of the credential routes. */
  readonly store: KeyValueStore;
}

export interface SecurityDependencies {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly clock: Clock;
  readonly mailer: Mailer;
  readonly onMailError: (error: unknown) => void;
  readonly durabilityEvents?: DurabilityEvents;
  /** A security-event listener that threw (a bug: listeners must not throw). */
  readonly onEventListenerError?: (error: unknown) => void;
}

export function createSecurity(config: Config, dependencies: SecurityDependencies): Security {
  const refreshTokenLifetimeSeconds = config.refreshTokenExpireDays * 86_400;
  const accessTokenLifetimeSeconds = config.accessTokenExpireMinutes * 60;
  const signingKeys = { current: config.jwtSecretKey, previous: config.jwtPreviousSecretKeys };
  const codec = new TokenCodec(signingKeys, dependencies.clock, { accessSeconds: accessTokenLifetimeSeconds, refreshSeconds: refreshTokenLifetimeSeconds });
  const events = new SecurityEvents(dependencies.clock, dependencies.onEventListenerError);
  const repository = new AuthStateRepository(dependencies.database.db);
  const durability = new SecurityStateDurability(dependencies.store, repository, dependencies.clock, dependencies.durabilityEvents);
  const revocation = new Revocation(dependencies.store, dependencies.clock, refreshTokenLifetimeSeconds * 1000, { repository, durability });
  const users = new UsersRepository(dependencies.database.db);
  const sessions = new SessionService({
    store: dependencies.store,
    users,
    codec,
    revocation,
    clock: dependencies.clock,
    accessTokenLifetimeSeconds,
    refreshTokenLifetimeSeconds,
    refreshLimitPerHour: config.refreshRateLimitPerHour,
    repository,
    durability,
    events,
  });
  const emailVerification = new EmailVerificationService({
    store: dependencies.store,
    users,
    mailer: dependencies.mailer,
    clock: dependencies.clock,
    publicUrl: config.publicUrl,
    onMailError: dependencies.onMailError,
    requireVerifiedEmail: config.requireVerifiedEmail,
  });
  const passwordReset = new PasswordResetService({
    emailVerification,
    store: dependencies.store,
    users,
    sessions,
    mailer: dependencies.mailer,
    clock: dependencies.clock,
    publicUrl: config.publicUrl,
    onMailError: dependencies.onMailError,
    events,
  });
  const emailChange = new EmailChangeService({
    emailVerification,
    store: dependencies.store,
    users,
    sessions,
    passwordReset,
    mailer: dependencies.mailer,
    clock: dependencies.clock,
    publicUrl: config.publicUrl,
    onMailError: dependencies.onMailError,
    events,
  });
  const deviceCookies = new DeviceCookies(signingKeys, config.cookieSecure);
  const accountData = new AccountDataRepository(dependencies.database.db);
  const accountErasure = new AccountErasure(sessions, accountData, dependencies.clock);
  const factorRepository = new SecondFactorsRepository(dependencies.database.db);
  const secondFactors = new SecondFactorService({
    sessions,
    users,
    repository: factorRepository,
    tickets: new SecondStepTickets(dependencies.store, dependencies.clock),
    stepUp: new StepUpFreshness(dependencies.store, dependencies.clock, config.stepUpWindowMinutes * 60_000),
    passkeys: new PasskeyService({ store: dependencies.store, repository: factorRepository, clock: dependencies.clock, relyingParty: relyingPartyOf(config.publicUrl) }),
    secretBox: config.mfaEncryptionKey === undefined ? undefined : new SecretBox(config.mfaEncryptionKey),
    clock: dependencies.clock,
    mailer: dependencies.mailer,
    publicUrl: config.publicUrl,
    onMailError: dependencies.onMailError,
    events,
  });
  const userAdministration = new UserAdministration({ users, sessions, secondFactors, factors: factorRepository, events, clock: dependencies.clock });
  return {
    codec,
    revocation,
    sessions,
    users,
    durability,
    passwordReset,
    emailChange,
    emailVerification,
    deviceCookies,
    accountData,
    accountErasure,
    secondFactors,
    events,
    userAdministration,
    secureCookies: config.cookieSecure,
    store: dependencies.store,
  };
}

export { authentication, authenticateToken, accessTokenOf, type Authentication } from './authenticate.js';
