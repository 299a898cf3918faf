import type { Command } from 'commander';
import { BackupFormatError, BackupSchemaVersionError, restoreBackup, verifyBackupFile, type BackupSummary } from '../db/backup.js';
import { isDatabaseUnavailable } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import { CommandFailure, EXIT_USAGE, commandConfig, print } from './context.js';
import { canPrompt, confirm } from './prompt.js';

function describeCounts(summary: BackupSummary): string {
  return summary.header.tables.map((table) => `${table} ${summary.rowCounts[table] ?? 0}`).join(', ');
}

/** Malformed and too-new backups end with exit 1 and a message; the database is not touched. */
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

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description(
      'replace the contents of every table with a backup file, in one transaction: the file is checked in full first, the schema is migrated, ' +
        'then all tables are emptied and the rows inserted; any failure rolls everything back. A backup from a newer schema than this release knows is refused. ' +
        'Stop the servers first. The key-value state is left alone: existing sessions of restored users stay valid.',
    )
    .argument('<file>', 'a file written by `autocognitix backup`')
    .option('--yes', 'do not ask for confirmation (needed when not on a terminal): every current row is replaced')
    .action(async (file: string, options: { yes?: boolean }) => {
      const config = commandConfig();
      let verified: BackupSummary;
      try {
        verified = await verifyBackupFile(file);
      } catch (error) {
        throw refusal(file, error);
      }
      if (options.yes !== true) {
        if (!canPrompt()) throw new CommandFailure('error: restore replaces every row in the database; pass --yes to confirm', EXIT_USAGE);
        const warning = `Restoring ${file} (schema ${verified.header.schema_version}, taken ${verified.header.created_at}: ${describeCounts(verified)}) replaces every row in the database.`;
        if (!(await confirm(warning))) throw new CommandFailure('error: not confirmed; nothing was changed');
      }
      const runtime = await openRuntime(config, { migrate: true });
      try {
        await restoreBackup(runtime.database, file, { verified });
      } catch (error) {
        throw rolledBack(file, refusal(file, error));
      } finally {
        await runtime.close();
      }
      print(`restored ${file}: schema ${verified.header.schema_version}, ${describeCounts(verified)}`);
    });
}
