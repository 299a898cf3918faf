import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { embeddedDatabasePath } from './config/index.js';
import { loosePermissions } from './db/sqlite-driver.js';
import type { Database } from './db/index.js';
import type { KeyValueStore } from './stores/key-value-store.js';
import { RedisKeyValueStore } from './stores/redis-store.js';

/**
 * Before the embedded database is opened: warns about its folder, file and
 * -wal/-shm files when the group or others may read them (they hold password
 * hashes). New files are created owner-only; existing ones are left as they are.
 */
export function warnAboutLooseFilePermissions(config: Config, logger: Pick<Logger, 'warn'>): void {
  if (config.databaseUrl !== undefined && config.redisUrl !== undefined) return;
  for (const { path, mode } of loosePermissions(embeddedDatabasePath(config))) {
    logger.warn({ path, mode }, `${path} is accessible to its group or others (mode ${mode}); it holds password hashes: chmod ${path.endsWith('.sqlite') || path.includes('.sqlite-') ? '600' : '700'} it`);
  }
}

/** What start-up does about the store's eviction policy. */
export type EvictionPolicyVerdict = { readonly refuse: false } | { readonly refuse: true; readonly message: string };

/**
 * Redis mode: an evicting `maxmemory-policy` can drop denylist entries under
 * memory pressure and revive logged-out tokens. Production refuses anything
 * but `noeviction` (the caller exits 78); development and test only warn. A
 * refused CONFIG GET (managed Redis) or an unreachable Redis is a warning:
 * the operator must check the setting by hand.
 */
export async function checkEvictionPolicy(config: Config, store: KeyValueStore, logger: Pick<Logger, 'warn'>): Promise<EvictionPolicyVerdict> {
  if (!(store instanceof RedisKeyValueStore)) return { refuse: false };
  let policies: string[] | undefined;
  try {
    policies = await store.evictionPolicies();
  } catch {
    logger.warn('could not read the Redis maxmemory-policy (Redis unreachable): make sure it is noeviction');
    return { refuse: false };
  }
  if (policies === undefined) {
    logger.warn('Redis refused CONFIG GET maxmemory-policy: make sure it is noeviction, or revoked tokens can come back under memory pressure');
    return { refuse: false };
  }
  const evicting = policies.find((policy) => policy !== 'noeviction');
  if (evicting === undefined) return { refuse: false };
  const message = `Redis maxmemory-policy is ${evicting}: Redis may evict revoked-token entries and revive logged-out tokens. Set maxmemory-policy noeviction (docs/DEPLOYMENT.md).`;
  if (config.isProduction) return { refuse: true, message };
  logger.warn(`${message} Refused in production.`);
  return { refuse: false };
}

/**
 * Production without MFA_ENCRYPTION_KEY: fine until someone sets up an
 * authenticator app (the setup answers 503 meanwhile), refused (exit 78)
 * once any secret is stored, because none of them could be checked.
 */
export async function checkMfaEncryptionKey(config: Config, database: Database): Promise<EvictionPolicyVerdict> {
  if (config.mfaEncryptionKey !== undefined) return { refuse: false };
  const stored = await database.db.selectFrom('user_totp').select('user_id').limit(1).executeTakeFirst();
  if (stored === undefined) return { refuse: false };
  return {
    refuse: true,
    message: 'MFA_ENCRYPTION_KEY: required in production once any user has set up an authenticator app (the secrets are encrypted with it): set the key they were stored with (docs/DEPLOYMENT.md)',
  };
}
