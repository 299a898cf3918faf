import { sql } from 'kysely';
import { listDatabaseTables } from '../db/backup.js';
import type { Database } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import { CSRF_TOKEN_KEY_PREFIX, CSRF_WARNING, DENYLIST_KEY_PREFIX, DENYLIST_WARNING, DURABLE_DENYLIST_TABLE } from './constants.js';
import type { CommandContext } from './context.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';

interface PurgeOptions {
  readonly yes?: boolean;
}

/** Empties the denylist's durable copy (when this schema has one), so a later refill does not bring the entries back. */
async function purgeDurableDenylist(database: Database): Promise<number | undefined> {
  if (!(await listDatabaseTables(database.db, database.engine)).includes(DURABLE_DENYLIST_TABLE)) return undefined;
  const result = await sql`delete from ${sql.id(DURABLE_DENYLIST_TABLE)}`.execute(database.db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Deletes every key under `prefix` with the store's SCAN + UNLINK (never
 * FLUSHDB), after confirmation; `alsoInDatabase` empties a durable copy first.
 */
async function purgePrefix(
  cli: CommandContext,
  prefix: string,
  what: string,
  warning: string,
  options: PurgeOptions,
  alsoInDatabase?: (database: Database) => Promise<number | undefined>,
): Promise<void> {
  const config = cli.config();
  if (options.yes !== true) {
    if (!cli.terminal.canPrompt()) throw new CommandFailure(`error: refusing to delete ${what} without --yes: ${warning}`, EXIT_USAGE);
    if (!(await cli.terminal.confirm(`This deletes ${what}. ${warning}`))) throw new CommandFailure('error: not confirmed; nothing was deleted');
  }
  const runtime = await openRuntime(config, { migrate: false });
  try {
    const durable = alsoInDatabase === undefined ? undefined : await alsoInDatabase(runtime.database);
    const deleted = await runtime.store.deleteWithPrefix(prefix);
    cli.print(`deleted ${deleted} ${what} (keys ${prefix}*) from the ${runtime.store.kind} store`);
    if (durable !== undefined) cli.print(`deleted ${durable} rows of their durable copy (${DURABLE_DENYLIST_TABLE}) from the ${runtime.database.engine} database`);
  } finally {
    await runtime.close();
  }
}

/** `security purge-denylist`: the seed's rollback step for the JWT denylist, store and durable copy. */
export async function purgeDenylist(cli: CommandContext, options: PurgeOptions): Promise<void> {
  await purgePrefix(cli, DENYLIST_KEY_PREFIX, 'denylist entries', DENYLIST_WARNING, options, purgeDurableDenylist);
}

/** `security flush-csrf`: deletes every stored CSRF token. */
export async function flushCsrf(cli: CommandContext, options: PurgeOptions): Promise<void> {
  await purgePrefix(cli, CSRF_TOKEN_KEY_PREFIX, 'CSRF tokens', CSRF_WARNING, options);
}
