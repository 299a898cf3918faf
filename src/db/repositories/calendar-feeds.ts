import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';

/** The feed a token hash opens: whose it is and the language its texts are in. */
export interface CalendarFeedOwner {
  readonly userId: string;
  readonly language: 'hu' | 'en';
}

/**
 * Each user's iCalendar feed: at most one row, holding only the SHA-256 of
 * the URL's token. Creating again replaces the hash (the old URL dies).
 */
export class CalendarFeedsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Stores `tokenHash` as the user's feed, replacing the one before. */
  async replace(userId: string, tokenHash: string, nowIso: string): Promise<void> {
    await this.db
      .insertInto('calendar_feeds')
      .values({ user_id: userId, token_hash: tokenHash, created_at: nowIso })
      .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ token_hash: tokenHash, created_at: nowIso }))
      .execute();
  }

  /** Whether the user has a feed, and since when. */
  async find(userId: string): Promise<{ created_at: string } | undefined> {
    const row = await this.db.selectFrom('calendar_feeds').select('created_at').where('user_id', '=', userId).executeTakeFirst();
    return row === undefined ? undefined : { created_at: toIsoTimestamp(row.created_at) };
  }

  async remove(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('calendar_feeds').where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The active account a token hash belongs to (one indexed lookup; a locked account's feed answers as unknown). */
  async ownerOf(tokenHash: string): Promise<CalendarFeedOwner | undefined> {
    const row = await this.db
      .selectFrom('calendar_feeds')
      .innerJoin('users', 'users.id', 'calendar_feeds.user_id')
      .select(['users.id as user_id', 'users.language as language'])
      .where('calendar_feeds.token_hash', '=', tokenHash)
      .where('users.is_active', '=', true)
      .executeTakeFirst();
    return row === undefined ? undefined : { userId: row.user_id, language: row.language };
  }
}
