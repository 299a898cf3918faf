import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DatabaseEngine } from '../database.js';
import type { DatabaseSchema, SecurityEventsTable } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';
import { chunksWithinParameterLimit } from './bound-parameters.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Column widths of migration 0012: longer values are cut, never refused (a log row must not fail on its length). */
export const SECURITY_EVENT_COLUMN_LIMITS = { event: 48, reason: 64, address: 64, device: 128, sessionId: 64, userId: 36, actorId: 36 } as const;

/** The event a row of an erased user is kept as (docs/SECURITY.md, "Security activity log"). */
export const ERASURE_EVENT = 'account_erased';
/** Rows that survive the erasure of the user they name: what an administrator did to the account. */
export const KEPT_ON_ERASURE = ['account_erased', 'admin_action'] as const;

/** One row of the security activity log as the API and the lead's admin view see it. */
export interface SecurityEventRow {
  readonly id: string;
  /** ISO-8601, UTC. */
  readonly occurredAt: string;
  readonly userId: string | null;
  readonly event: string;
  readonly reason: string | null;
  readonly address: string | null;
  readonly device: string | null;
  readonly sessionId: string | null;
  readonly actorId: string | null;
}

/** A row to append; the id is generated when absent. */
export interface NewSecurityEvent {
  readonly id?: string;
  readonly occurredAtMs: number;
  readonly userId: string | null;
  readonly event: string;
  readonly reason?: string | null;
  readonly address?: string | null;
  readonly device?: string | null;
  readonly sessionId?: string | null;
  readonly actorId?: string | null;
}

/** A page, newest first; `nextCursor` fetches the older rows after it (null: this was the last page). */
export interface SecurityEventPage {
  readonly items: readonly SecurityEventRow[];
  readonly nextCursor: string | null;
}

export interface SecurityEventQuery {
  readonly userId?: string;
  readonly event?: string;
  /** Inclusive bounds, epoch milliseconds. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly limit: number;
  readonly cursor?: string;
}

/** A cursor that is not one this repository handed out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not valid');
    this.name = 'InvalidCursorError';
  }
}

interface CursorPosition {
  readonly occurredAt: string;
  readonly id: string;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The position after which the next page starts: the last row's (occurred_at, id), opaque to clients. */
export function encodeCursor(row: Pick<SecurityEventRow, 'occurredAt' | 'id'>): string {
  return Buffer.from(`${row.occurredAt}|${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  const [occurredAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || occurredAt === undefined || id === undefined || !ISO_TIMESTAMP.test(occurredAt) || Number.isNaN(Date.parse(occurredAt))) throw new InvalidCursorError();
  if (id.length === 0 || id.length > SECURITY_EVENT_COLUMN_LIMITS.userId || !/^[A-Za-z0-9-]+$/.test(id)) throw new InvalidCursorError();
  return { occurredAt, id };
}

function cut(value: string | null | undefined, limit: number): string | null {
  if (value === undefined || value === null) return null;
  return value.length > limit ? value.slice(0, limit) : value;
}

function toRow(row: Selectable<SecurityEventsTable>): SecurityEventRow {
  return {
    id: row.id,
    occurredAt: toIsoTimestamp(row.occurred_at),
    userId: row.user_id,
    event: row.event,
    reason: row.reason,
    address: row.address,
    device: row.device,
    sessionId: row.session_id,
    actorId: row.actor_id,
  };
}

const COLUMNS_PER_ROW = 9;

/**
 * The security activity log in SQL: append-only rows, read newest first with
 * keyset pagination on (occurred_at, id), purged in batches. Times in are
 * epoch milliseconds; stored as ISO-8601 text on SQLite (fixed width, so they
 * compare in time order) and timestamptz on PostgreSQL.
 */
export class SecurityEventsRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly engine: DatabaseEngine = 'sqlite',
  ) {}

  /** Appends rows as given (values cut to their columns); returns how many were written. */
  async insertMany(rows: readonly NewSecurityEvent[]): Promise<number> {
    return this.insertWith(this.db, rows);
  }

  /**
   * Appends rows in one transaction, except those naming a user who no longer
   * exists (an account erased while its events waited in a queue): the user
   * rows are share-locked first on PostgreSQL, so an erasure either waits for
   * this write (and then deletes its rows) or finishes before it (and its rows
   * are left out). An administrator's action is kept either way, as erasure
   * keeps it. Returns how many rows were written.
   */
  async appendForExistingUsers(rows: readonly NewSecurityEvent[]): Promise<number> {
    if (rows.length === 0) return 0;
    return this.db.transaction().execute(async (transaction) => {
      const named = [...new Set(rows.filter((row) => row.userId !== null && row.event !== 'admin_action').map((row) => row.userId as string))];
      const existing = new Set<string>();
      for (const chunk of chunksWithinParameterLimit(named, 1)) {
        let query = transaction.selectFrom('users').select('id').where('id', 'in', chunk);
        if (this.engine === 'postgres') query = query.forShare();
        for (const user of await query.execute()) existing.add(user.id);
      }
      const kept = rows.filter((row) => row.userId === null || row.event === 'admin_action' || existing.has(row.userId));
      return this.insertWith(transaction, kept);
    });
  }

  private async insertWith(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, rows: readonly NewSecurityEvent[]): Promise<number> {
    const limits = SECURITY_EVENT_COLUMN_LIMITS;
    const values = rows.map((row) => ({
      id: row.id ?? randomUUID(),
      occurred_at: iso(row.occurredAtMs),
      user_id: cut(row.userId, limits.userId),
      event: cut(row.event, limits.event) ?? '',
      reason: cut(row.reason, limits.reason),
      address: cut(row.address, limits.address),
      device: cut(row.device, limits.device),
      session_id: cut(row.sessionId, limits.sessionId),
      actor_id: cut(row.actorId, limits.actorId),
    }));
    for (const chunk of chunksWithinParameterLimit(values, COLUMNS_PER_ROW)) await db.insertInto('security_events').values(chunk).execute();
    return values.length;
  }

  /** The user's events since `sinceMs`, newest first; `before` is a cursor from the previous page. */
  async listForUser(userId: string, options: { sinceMs: number; limit: number; before?: string }): Promise<SecurityEventPage> {
    return this.query({ userId, fromMs: options.sinceMs, limit: options.limit, ...(options.before === undefined ? {} : { cursor: options.before }) });
  }

  /** Every filter optional: the admin's view. Throws {@link InvalidCursorError} for a cursor it did not hand out. */
  async query(filter: SecurityEventQuery): Promise<SecurityEventPage> {
    const position = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    let query = this.db.selectFrom('security_events').selectAll();
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.event !== undefined) query = query.where('event', '=', filter.event);
    if (filter.fromMs !== undefined) query = query.where('occurred_at', '>=', iso(filter.fromMs));
    if (filter.toMs !== undefined) query = query.where('occurred_at', '<=', iso(filter.toMs));
    if (position !== undefined) {
      query = query.where((eb) =>
        eb.or([eb('occurred_at', '<', position.occurredAt), eb.and([eb('occurred_at', '=', position.occurredAt), eb('id', '<', position.id)])]),
      );
    }
    const rows = await query
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const items = rows.slice(0, filter.limit).map(toRow);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > filter.limit && last !== undefined ? encodeCursor(last) : null };
  }

  async countForUser(userId: string, sinceMs?: number): Promise<number> {
    let query = this.db.selectFrom('security_events').select((eb) => eb.fn.countAll<number | string>().as('count')).where('user_id', '=', userId);
    if (sinceMs !== undefined) query = query.where('occurred_at', '>=', iso(sinceMs));
    const { count } = await query.executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Rows older than the cutoff: what a purge would delete. */
  async countOlderThan(cutoffMs: number): Promise<number> {
    const { count } = await this.db
      .selectFrom('security_events')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('occurred_at', '<', iso(cutoffMs))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /**
   * Deletes rows older than the cutoff, `batchSize` rows a statement (each its
   * own short transaction: no long lock, no huge delete). Several instances
   * purging at once share the work. Returns how many rows this call deleted.
   */
  async purgeOlderThan(cutoffMs: number, batchSize: number): Promise<number> {
    const cutoff = iso(cutoffMs);
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('security_events')
        .where('id', 'in', (eb) => eb.selectFrom('security_events').select('id').where('occurred_at', '<', cutoff).limit(batchSize))
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /** The user's rows as their data export holds them, oldest first. */
  async allForUser(userId: string): Promise<SecurityEventRow[]> {
    const rows = await this.db.selectFrom('security_events').selectAll().where('user_id', '=', userId).orderBy('occurred_at').orderBy('id').execute();
    return rows.map(toRow);
  }
}

/**
 * Erasure's part of the log, inside the erasure's transaction: the user's
 * rows go, except what an administrator did to the account; one
 * `account_erased` row with the (now unlinkable) user id and no address,
 * device or session stays in their place.
 */
export async function eraseUserSecurityEvents(transaction: Transaction<DatabaseSchema>, userId: string, nowMs: number): Promise<void> {
  await transaction.deleteFrom('security_events').where('user_id', '=', userId).where('event', 'not in', [...KEPT_ON_ERASURE]).execute();
  await transaction
    .insertInto('security_events')
    .values({ id: randomUUID(), occurred_at: iso(nowMs), user_id: userId, event: ERASURE_EVENT, reason: null, address: null, device: null, session_id: null, actor_id: null })
    .execute();
}
