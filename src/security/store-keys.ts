/**
 * Names of the security keys in the key-value store, in one place (the seed's
 * names where it gives them, so its rollback steps work). docs/SECURITY.md
 * lists them with their TTLs. `{…}` is a Redis Cluster hash tag.
 */

/** Denylist entry of one token id. */
export const denylistKey = (jti: string): string => `jti:${jti}`;
/** Per-user "tokens issued before this are dead" mark: logout-all and password change. */
export const userNotBeforeKey = (userId: string): string => `user_nbf:${userId}`;
/** A session's state; the tag keeps it and its lock in one Cluster slot. */
export const sessionStateKey = (family: string): string => `refresh_family:{${family}}`;
export const sessionLockKey = (family: string): string => `refresh_lock:{${family}}`;
/** Present while the store holds the security state; its absence means the store forgot. */
export const HYDRATION_MARKER_KEY = 'security:hydrated';
