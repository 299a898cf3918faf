import type { Command } from 'commander';
import { sql } from 'kysely';
import { listDatabaseTables } from '../db/backup.js';
import type { Database } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import { CSRF_TOKEN_KEY_PREFIX, DENYLIST_KEY_PREFIX } from '../security/store-keys.js';
import { CommandFailure, EXIT_USAGE, commandConfig, print } from './context.js';
import { canPrompt, confirm } from './prompt.js';

interface PurgeOptions {
  readonly yes?: boolean;
}

/** The SQL table the denylist is also written through to; the store is refilled from it when it forgets. */
const DURABLE_DENYLIST_TABLE = 'revoked_tokens';

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
async function purgePrefix(prefix: string, what: string, warning: string, options: PurgeOptions, alsoInDatabase?: (database: Database) => Promise<number | undefined>): Promise<void> {
  const config = commandConfig();
  if (options.yes !== true) {
    if (!canPrompt()) throw new CommandFailure(`error: refusing to delete ${what} without --yes: ${warning}`, EXIT_USAGE);
    if (!(await confirm(`This deletes ${what}. ${warning}`))) throw new CommandFailure('error: not confirmed; nothing was deleted');
  }
  const runtime = await openRuntime(config, { migrate: false });
  try {
    const durable = alsoInDatabase === undefined ? undefined : await alsoInDatabase(runtime.database);
    const deleted = await runtime.store.deleteWithPrefix(prefix);
    print(`deleted ${deleted} ${what} (keys ${prefix}*) from the ${runtime.store.kind} store`);
    if (durable !== undefined) print(`deleted ${durable} rows of their durable copy (${DURABLE_DENYLIST_TABLE}) from the ${runtime.database.engine} database`);
  } finally {
    await runtime.close();
  }
}

const DENYLIST_WARNING =
  'Every token revoked by a logout, a refresh rotation or a stolen-token response becomes valid again until it expires on its own ' +
  '(access tokens within minutes, refresh tokens within days). Use it only to recover from a corrupted denylist.';
const CSRF_WARNING = 'Every browser session must fetch a new CSRF token; a form submitted with an old one is refused once with 403.';

export function registerSecurityCommands(program: Command): void {
  const security = program.command('security').description("the seed's rollback steps for the token denylist and CSRF tokens");
  security
    .command('purge-denylist')
    .description(
      `delete every JWT denylist entry (${DENYLIST_KEY_PREFIX}* keys, by SCAN + UNLINK, never FLUSHDB) and its durable copy in the database ` +
        `(${DURABLE_DENYLIST_TABLE}, which would otherwise refill the store), and print how many. WARNING: ${DENYLIST_WARNING}`,
    )
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (options: PurgeOptions) => {
      await purgePrefix(DENYLIST_KEY_PREFIX, 'denylist entries', DENYLIST_WARNING, options, purgeDurableDenylist);
    });
  security
    .command('flush-csrf')
    .description(`delete every stored CSRF token (${CSRF_TOKEN_KEY_PREFIX}* keys, by SCAN + UNLINK, never FLUSHDB) and print how many. ${CSRF_WARNING}`)
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (options: PurgeOptions) => {
      await purgePrefix(CSRF_TOKEN_KEY_PREFIX, 'CSRF tokens', CSRF_WARNING, options);
    });
}
