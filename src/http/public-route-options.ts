import type { Database } from '../db/index.js';
import type { IpRateLimitPolicy } from '../security/ip-rate-limit.js';
import type { KeyValueStore } from '../stores/key-value-store.js';

/** What every public route plugin (dtc, vehicles, diagnosis) is registered with. */
export interface PublicRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
  /** Where the per-address counts are kept: the store, or this process's memory on the embedded backend (see ProcessWindowCounters). */
  readonly rateLimitCounters: Pick<KeyValueStore, 'increment'>;
  /** Per-address limit for the plugin's routes; default 120 requests per minute. */
  readonly rateLimit?: Partial<IpRateLimitPolicy> | undefined;
}
