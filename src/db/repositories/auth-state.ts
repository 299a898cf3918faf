import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';

/** A session as its owner sees it in the sessions list. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly userAgent: string | null;
  readonly ipPrefix: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return error.code === '23505' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * The SQL copy of the security state kept in the key-value store, written
 * through on every change so a store that loses its data can be refilled.
 * Times in and out are epoch milliseconds.
 */
export class AuthStateRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async createSession(input: { id: string; userId: string; state: string; userAgent: string | null; ipPrefix: string | null; nowMs: number; expiresAtMs: number }): Promise<void> {
    await this.db
      .insertInto('auth_sessions')
      .values({
        id: input.id,
        user_id: input.userId,
        state: input.state,
        user_agent: input.userAgent,
        ip_prefix: input.ipPrefix,
        created_at: iso(input.nowMs),
        last_used_at: iso(input.nowMs),
        expires_at: iso(input.expiresAtMs),
        revoked_at: null,
      })
      .execute();
  }

  /**
   * Records a rotation. False when the session has ended meanwhile: an ended
   * session is never written back to "live" (a rotation racing its end loses).
   */
  async updateSessionState(id: string, state: string, input: { nowMs: number; expiresAtMs: number; used: boolean }): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_sessions')
      .set({ state, expires_at: iso(input.expiresAtMs), ...(input.used ? { last_used_at: iso(input.nowMs) } : {}) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Marks the session ended (once: the first end's time stays). */
  async markSessionRevoked(id: string, state: string, nowMs: number): Promise<void> {
    await this.db.updateTable('auth_sessions').set({ state, revoked_at: iso(nowMs) }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /** The durable record of one session: the source of truth for "this session has ended". */
  async findSession(id: string): Promise<{ userId: string; state: string; ended: boolean; expiresAtMs: number } | undefined> {
    const row = await this.db.selectFrom('auth_sessions').select(['user_id', 'state', 'revoked_at', 'expires_at']).where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    return { userId: row.user_id, state: row.state, ended: row.revoked_at !== null, expiresAtMs: new Date(row.expires_at).getTime() };
  }

  /** The user's live sessions, newest first. */
  async listLiveSessions(userId: string, nowMs: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('auth_sessions')
      .select(['id', 'user_id', 'user_agent', 'ip_prefix', 'created_at', 'last_used_at', 'expires_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', iso(nowMs))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      userAgent: row.user_agent,
      ipPrefix: row.ip_prefix,
      createdAt: toIsoTimestamp(row.created_at),
      lastUsedAt: toIsoTimestamp(row.last_used_at),
      expiresAt: toIsoTimestamp(row.expires_at),
    }));
  }

  /** Ids of the user's sessions that are not yet revoked (expired ones included: revoking them is harmless). */
  async unrevokedSessionIds(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('auth_sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    return rows.map((row) => row.id);
  }

  async recordRevokedToken(jti: string, expiresAtMs: number): Promise<void> {
    try {
      await this.db.insertInto('revoked_tokens').values({ jti, expires_at: iso(expiresAtMs) }).execute();
    } catch (error) {
      // Revoking twice is fine: the first row already says so.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  /**
   * Stores the user's cut-off mark unless the stored one should stay
   * (`replaces(stored)` false): a cut-off is never moved back in time.
   */
  async recordUserCutoff(userId: string, mark: string, expiresAtMs: number, replaces: (stored: string) => boolean = () => true): Promise<void> {
    await this.db.transaction().execute(async (transaction) => {
      const stored = await transaction.selectFrom('user_token_cutoffs').select('mark').where('user_id', '=', userId).executeTakeFirst();
      if (stored !== undefined && !replaces(stored.mark)) return;
      await transaction.deleteFrom('user_token_cutoffs').where('user_id', '=', userId).execute();
      await transaction.insertInto('user_token_cutoffs').values({ user_id: userId, mark, expires_at: iso(expiresAtMs) }).execute();
    });
  }

  /** Everything still live, for refilling an emptied store. */
  async liveState(nowMs: number): Promise<{
    revokedTokens: { jti: string; expiresAtMs: number }[];
    userCutoffs: { userId: string; mark: string; expiresAtMs: number }[];
    sessions: { id: string; state: string; ended: boolean; expiresAtMs: number }[];
  }> {
    const now = iso(nowMs);
    const [revokedTokens, userCutoffs, sessions] = await Promise.all([
      this.db.selectFrom('revoked_tokens').select(['jti', 'expires_at']).where('expires_at', '>', now).execute(),
      this.db.selectFrom('user_token_cutoffs').select(['user_id', 'mark', 'expires_at']).where('expires_at', '>', now).execute(),
      this.db.selectFrom('auth_sessions').select(['id', 'state', 'revoked_at', 'expires_at']).where('expires_at', '>', now).execute(),
    ]);
    const ms = (value: Date | string): number => new Date(value).getTime();
    return {
      revokedTokens: revokedTokens.map((row) => ({ jti: row.jti, expiresAtMs: ms(row.expires_at) })),
      userCutoffs: userCutoffs.map((row) => ({ userId: row.user_id, mark: row.mark, expiresAtMs: ms(row.expires_at) })),
      sessions: sessions.map((row) => ({ id: row.id, state: row.state, ended: row.revoked_at !== null, expiresAtMs: ms(row.expires_at) })),
    };
  }

  /** Deletes rows that can no longer matter. Returns how many of each. */
  async purgeExpired(nowMs: number): Promise<{ revokedTokens: number; userCutoffs: number; sessions: number }> {
    const now = iso(nowMs);
    const [revokedTokens, userCutoffs, sessions] = await Promise.all([
      this.db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).executeTakeFirst(),
      this.db.deleteFrom('user_token_cutoffs').where('expires_at', '<=', now).executeTakeFirst(),
      this.db.deleteFrom('auth_sessions').where('expires_at', '<=', now).executeTakeFirst(),
    ]);
    return { revokedTokens: Number(revokedTokens.numDeletedRows), userCutoffs: Number(userCutoffs.numDeletedRows), sessions: Number(sessions.numDeletedRows) };
  }
}
