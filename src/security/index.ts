import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { UsersRepository } from '../db/repositories/users.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { Revocation } from './revocation.js';
import { SessionService } from './sessions.js';
import { TokenCodec } from './tokens.js';

/** The security services one app instance uses, wired from config and dependencies. */
export interface Security {
  readonly codec: TokenCodec;
  readonly revocation: Revocation;
  readonly sessions: SessionService;
  readonly users: UsersRepository;
  readonly secureCookies: boolean;
}

export function createSecurity(config: Config, dependencies: { database: Database; store: KeyValueStore; clock: Clock }): Security {
  const refreshTokenLifetimeSeconds = config.refreshTokenExpireDays * 86_400;
  const codec = new TokenCodec(config.jwtSecretKey, dependencies.clock);
  const revocation = new Revocation(dependencies.store, dependencies.clock, refreshTokenLifetimeSeconds * 1000);
  const users = new UsersRepository(dependencies.database.db);
  const sessions = new SessionService({
    store: dependencies.store,
    users,
    codec,
    revocation,
    clock: dependencies.clock,
    accessTokenLifetimeSeconds: config.accessTokenExpireMinutes * 60,
    refreshTokenLifetimeSeconds,
  });
  return { codec, revocation, sessions, users, secureCookies: config.cookieSecure };
}

export { authentication, authenticateToken, accessTokenOf, type Authentication } from './authenticate.js';
