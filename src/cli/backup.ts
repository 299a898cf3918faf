import type { Command } from 'commander';
import { writeBackup } from '../db/backup.js';
import { openRuntime } from '../runtime.js';
import { commandConfig, print } from './context.js';
import { fileOutput, writeOutput } from './data-output.js';

/** Owner read/write only: a backup holds every user's password hash. */
export const BACKUP_FILE_MODE = 0o600;

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description(
      'write every table (users included) from one consistent snapshot to a JSON Lines file: a header with the schema version, one line per row, an end marker. ' +
        'The file holds password hashes: it is created with mode 0600; keep it private. The key-value state (denylist, CSRF tokens, counters) is not included.',
    )
    .argument('<file>', 'the backup file to write (replaced only when the backup is complete)')
    .action(async (file: string) => {
      const config = commandConfig();
      const runtime = await openRuntime(config, { migrate: false });
      try {
        const summary = await writeOutput(fileOutput(file, BACKUP_FILE_MODE), (output) => writeBackup(runtime.database, (text) => output.write(text)));
        const rows = Object.values(summary.rowCounts).reduce((total, count) => total + count, 0);
        const tables = Object.entries(summary.rowCounts).map(([table, count]) => `${table} ${count}`);
        print(`backup written to ${file} (mode 0600, contains password hashes): schema ${summary.header.schema_version}, ${rows} rows (${tables.join(', ')})`);
      } finally {
        await runtime.close();
      }
    });
}
