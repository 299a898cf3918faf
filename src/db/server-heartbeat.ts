import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { listDatabaseTables } from './backup.js';
import type { Database } from './database.js';

/** How often a running server refreshes its row. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A row older than this belongs to a server that stopped without saying so (killed, crashed). */
export const HEARTBEAT_STALE_MS = 45_000;

export interface ServerHeartbeat {
  readonly instanceId: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly lastSeenAt: string;
}

export interface RunningHeartbeat {
  /** Stops the timer and deletes this server's row (a clean shutdown). */
  stop(): Promise<void>;
}

export interface HeartbeatOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
  /** A failed refresh is reported here and retried at the next tick; it never stops the server. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Writes this process's row in `server_heartbeats` now and every
 * {@link HEARTBEAT_INTERVAL_MS}, so `autocognitix restore` can tell that a
 * server is serving this database.
 */
export async function startServerHeartbeat(database: Database, options: HeartbeatOptions = {}): Promise<RunningHeartbeat> {
  const now = options.now ?? Date.now;
  const instanceId = randomBytes(12).toString('hex');
  const startedAt = new Date(now()).toISOString();
  const beat = async (): Promise<void> => {
    const seen = new Date(now()).toISOString();
    await sql`insert into server_heartbeats (instance_id, host, pid, started_at, last_seen_at)
      values (${instanceId}, ${os.hostname().slice(0, 255)}, ${process.pid}, ${startedAt}, ${seen})
      on conflict (instance_id) do update set last_seen_at = excluded.last_seen_at`.execute(database.db);
  };
  await beat();
  const timer = setInterval(() => {
    beat().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A database that is already gone keeps a row that goes stale by itself.
      await sql`delete from server_heartbeats where instance_id = ${instanceId}`.execute(database.db).catch(() => undefined);
    },
  };
}

/** Servers whose row was refreshed within {@link HEARTBEAT_STALE_MS}; none when the table does not exist yet. */
export async function liveServerHeartbeats(database: Database, now: number = Date.now()): Promise<ServerHeartbeat[]> {
  if (!(await listDatabaseTables(database.db, database.engine)).includes('server_heartbeats')) return [];
  const { rows } = await sql<{ instance_id: string; host: string; pid: number; started_at: string; last_seen_at: string }>`
    select instance_id, host, pid, started_at, last_seen_at from server_heartbeats where last_seen_at >= ${new Date(now - HEARTBEAT_STALE_MS).toISOString()}`.execute(database.db);
  return rows.map((row) => ({ instanceId: row.instance_id, host: row.host, pid: row.pid, startedAt: row.started_at, lastSeenAt: row.last_seen_at }));
}
