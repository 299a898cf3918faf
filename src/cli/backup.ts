import { writeBackup } from '../db/backup.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { fileOutput, writeOutput } from './data-output.js';

/** Owner read/write only: a backup holds every user's password hash. */
export const BACKUP_FILE_MODE = 0o600;

/** `backup <file>`: every table from one consistent snapshot, as JSON Lines, in a file only its owner can read. */
export async function backup(cli: CommandContext, file: string): Promise<void> {
  const config = cli.config();
  const runtime = await openRuntime(config, { migrate: false });
  try {
    const summary = await writeOutput(fileOutput(cli.resolvePath(file), BACKUP_FILE_MODE), (output) => writeBackup(runtime.database, (text) => output.write(text)));
    const rows = Object.values(summary.rowCounts).reduce((total, count) => total + count, 0);
    const tables = Object.entries(summary.rowCounts).map(([table, count]) => `${table} ${count}`);
    cli.print(`backup written to ${file} (mode 0600, contains password hashes): schema ${summary.header.schema_version}, ${rows} rows (${tables.join(', ')})`);
  } finally {
    await runtime.close();
  }
}
