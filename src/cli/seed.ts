import type { Command } from 'commander';
import { DEFAULT_BATCH_SIZE, seedDtcCodes } from '../importers/index.js';
import { runImportCommand } from './import.js';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('load the bundled generic trouble codes (seed/dtc-generic.json); safe to run again')
    .option('--json', 'print the final report as JSON')
    .action(async (options: { json?: boolean }) => {
      await runImportCommand('seed', { batchSize: DEFAULT_BATCH_SIZE, ...options }, (database, importOptions) => seedDtcCodes(database, importOptions));
    });
}
