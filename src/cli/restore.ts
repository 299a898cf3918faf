import { syncDiagnosisIndex } from '../diagnostics/describe/index.js';
import { BackupFormatError, BackupSchemaVersionError, restoreBackup, restorePlan, tablesToRestore, verifyBackupFile, type BackupSummary, type BackupTableName, type RestorePlanEntry } from '../db/backup.js';
import { isDatabaseUnavailable, migrateToLatest } from '../db/index.js';
import { HEARTBEAT_STALE_MS, liveServerHeartbeats } from '../db/server-heartbeat.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';

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

/** `restore <file>`: replaces the tables' rows with a backup in one transaction, after showing what changes and asking. */
export async function restore(cli: CommandContext, file: string, options: { yes?: boolean; force?: boolean; tables?: string }): Promise<void> {
  const config = cli.config();
  const shown = cli.resolvePath(file);
  let verified: BackupSummary;
  let tables: BackupTableName[];
  try {
    verified = await verifyBackupFile(shown);
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
    cli.print(`Restoring ${shown} (schema ${verified.header.schema_version}, taken ${verified.header.created_at}) replaces:`);
    for (const line of describePlan(plan)) cli.print(line);
    if (options.yes !== true) {
      if (!cli.terminal.canPrompt()) throw new CommandFailure('error: restore replaces the rows listed above; pass --yes to confirm', EXIT_USAGE);
      if (!(await cli.terminal.confirm('Replace these rows?'))) throw new CommandFailure('error: not confirmed; nothing was changed');
    }
    await migrateToLatest(runtime.database);
    await restoreBackup(runtime.database, shown, { verified, ...(options.tables === undefined ? {} : { tables }) });
    await syncDiagnosisIndex(runtime.database);
  } catch (error) {
    throw rolledBack(shown, refusal(shown, error));
  } finally {
    await runtime.close();
  }
  cli.print(`restored ${shown}: schema ${verified.header.schema_version}, ${describeCounts(verified, tables)}`);
}
