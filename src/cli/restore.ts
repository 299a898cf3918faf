import path from 'node:path';
import type { Command } from 'commander';
import { BackupFormatError, BackupSchemaVersionError, restoreBackup, restorePlan, tablesToRestore, verifyBackupFile, type BackupSummary, type BackupTableName, type RestorePlanEntry } from '../db/backup.js';
import { isDatabaseUnavailable, migrateToLatest } from '../db/index.js';
import { HEARTBEAT_STALE_MS, liveServerHeartbeats } from '../db/server-heartbeat.js';
import { openRuntime } from '../runtime.js';
import { CommandFailure, EXIT_USAGE, commandConfig, print } from './context.js';
import { canPrompt, confirm } from './prompt.js';

function describeCounts(summary: BackupSummary, tables: readonly BackupTableName[]): string {
  return summary.header.tables
    .filter((table) => tables.includes(table))
    .map((table) => `${table} ${summary.rowCounts[table] ?? 0}`)
    .join(', ');
}

function describePlan(plan: readonly RestorePlanEntry[]): string[] {
  return plan.map((entry) => `  ${entry.table}: ${entry.rowsNow} row${entry.rowsNow === 1 ? '' : 's'} now, ${entry.rowsAfter} after the restore`);
}

/** Malformed, incomplete and too-new backups end with exit 1 and a message; the database is not touched. */
function refusal(file: string, error: unknown): unknown {
  if (error instanceof BackupFormatError || error instanceof BackupSchemaVersionError) {
    return new CommandFailure(`error: cannot restore ${file}: ${error.message}; the database was not changed`);
  }
  return error;
}

/** A failure inside the restore transaction (a constraint, a type) rolled everything back: say so. */
function rolledBack(file: string, error: unknown): unknown {
  if (error instanceof CommandFailure || isDatabaseUnavailable(error) || (error instanceof Error && isDatabaseUnavailable(error.cause))) return error;
  const reason = error instanceof Error ? error.message : 'unknown failure';
  return new CommandFailure(`error: restoring ${file} failed and was rolled back, no row was changed: ${reason}`);
}

function tableList(value: string): string[] {
  return value
    .split(',')
    .map((table) => table.trim())
    .filter((table) => table !== '');
}

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description(
      'replace the contents of the tables with a backup file, in one transaction: the file is checked in full first, the schema is migrated, ' +
        'then the tables are emptied and the rows inserted; any failure rolls everything back. A backup from a newer schema than this release knows is refused, ' +
        'and so is one that lacks a table of its own schema unless --tables names the tables to replace. Prints, table by table, the rows now and after. ' +
        'Refuses while a server is running against the database (its heartbeat is recent) unless --force. ' +
        'The key-value state is left alone: existing sessions of restored users stay valid.',
    )
    .argument('<file>', 'a file written by `autocognitix backup`')
    .option('--tables <names>', 'replace only these tables (comma-separated), leaving the others as they are')
    .option('--yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option('--force', 'restore even though a server seems to be running against the database')
    .action(async (file: string, options: { yes?: boolean; force?: boolean; tables?: string }) => {
      const config = commandConfig();
      const shown = path.resolve(file);
      let verified: BackupSummary;
      let tables: BackupTableName[];
      try {
        verified = await verifyBackupFile(file);
        tables = tablesToRestore(verified.header, options.tables === undefined ? undefined : tableList(options.tables));
      } catch (error) {
        throw refusal(shown, error);
      }
      const runtime = await openRuntime(config, { migrate: false });
      try {
        const servers = await liveServerHeartbeats(runtime.database);
        if (servers.length > 0 && options.force !== true) {
          const described = servers.map((server) => `${server.host} pid ${server.pid}, last seen ${server.lastSeenAt}`).join('; ');
          throw new CommandFailure(
            `error: a server is running against this database (${described}); stop it first, or pass --force ` +
              `(a server that was killed stops counting ${HEARTBEAT_STALE_MS / 1000} s after its last heartbeat). Nothing was changed`,
          );
        }
        const plan = await restorePlan(runtime.database, verified, tables);
        print(`Restoring ${shown} (schema ${verified.header.schema_version}, taken ${verified.header.created_at}) replaces:`);
        for (const line of describePlan(plan)) print(line);
        if (options.yes !== true) {
          if (!canPrompt()) throw new CommandFailure('error: restore replaces the rows listed above; pass --yes to confirm', EXIT_USAGE);
          if (!(await confirm('Replace these rows?'))) throw new CommandFailure('error: not confirmed; nothing was changed');
        }
        await migrateToLatest(runtime.database);
        await restoreBackup(runtime.database, file, { verified, ...(options.tables === undefined ? {} : { tables }) });
      } catch (error) {
        throw rolledBack(shown, refusal(shown, error));
      } finally {
        await runtime.close();
      }
      print(`restored ${shown}: schema ${verified.header.schema_version}, ${describeCounts(verified, tables)}`);
    });
}
