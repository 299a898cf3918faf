import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

/** Where an earlier successful sign-in came from, as the security activity log recorded it. */
export interface EarlierSignIn {
  /** The device label ("Firefox 133 on Linux"), parsed when the event was written. */
  readonly device: string | null;
  readonly address: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The user's earlier successful sign-ins, read from the security activity
 * log (`security_events`): the notification mailer asks whether a sign-in
 * comes from a device and network seen before. Read-only; the log's writer
 * and its own queries live elsewhere.
 */
export class SignInHistoryRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** The distinct (device, address) pairs of the user's sign-ins in [sinceMs, beforeMs), at most `limit`. */
  async signInsBetween(userId: string, sinceMs: number, beforeMs: number, limit = 1000): Promise<EarlierSignIn[]> {
    return this.db
      .selectFrom('security_events')
      .select(['device', 'address'])
      .distinct()
      .where('user_id', '=', userId)
      .where('event', '=', 'sign_in_succeeded')
      .where('occurred_at', '>=', iso(sinceMs))
      .where('occurred_at', '<', iso(beforeMs))
      .limit(limit)
      .execute();
  }

  /** Whether the user signed in at all before `beforeMs` (false for a new account's first sign-in). */
  async hasSignInBefore(userId: string, beforeMs: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('security_events')
      .select('id')
      .where('user_id', '=', userId)
      .where('event', '=', 'sign_in_succeeded')
      .where('occurred_at', '<', iso(beforeMs))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
