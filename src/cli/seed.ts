import { DEFAULT_BATCH_SIZE, seedDtcCodes } from '../importers/index.js';
import type { CommandContext } from './context.js';
import { runImportCommand } from './import.js';

/** `seed`: loads the bundled trouble codes (generic, and makes' own meanings); safe to run again. */
export async function seed(cli: CommandContext, options: { json?: boolean }): Promise<void> {
  await runImportCommand(cli, 'seed', { batchSize: DEFAULT_BATCH_SIZE, ...options }, (database, importOptions) => seedDtcCodes(database, importOptions));
}
