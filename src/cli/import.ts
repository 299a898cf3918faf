import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEFAULT_BATCH_SIZE,
  ImportInputError,
  importComplaints,
  importDtcCodes,
  importRecalls,
  type ImportOptions,
  type ImportReport,
  type TextEncoding,
  WrongFileError,
} from '../importers/index.js';
import type { Database } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import { CommandFailure, EXIT_USAGE, commandConfig } from './context.js';
import { importReporter } from './import-progress.js';

const MAX_BATCH_SIZE = 5000;

function batchSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_BATCH_SIZE}`);
  return size;
}

interface CommonOptions {
  readonly batchSize: number;
  readonly json?: boolean;
}

/**
 * Opens the database (applying migrations), runs one import with progress
 * output and prints its totals. Input problems (missing file, a zip without a
 * text entry) end with exit 1 and a message naming the file, never a URL.
 */
export async function runImportCommand(
  label: string,
  options: CommonOptions,
  run: (database: Database, importOptions: ImportOptions) => Promise<ImportReport>,
): Promise<void> {
  const config = commandConfig();
  const reporter = importReporter(label, { json: options.json === true });
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const report = await run(runtime.database, { batchSize: options.batchSize, onProgress: reporter.onProgress, onProblem: reporter.onProblem });
    reporter.finish(report);
  } catch (error) {
    if (error instanceof WrongFileError) {
      reporter.stopped(error.report);
      throw new CommandFailure(`${label}: ${error.message}`);
    }
    reporter.abort();
    if (error instanceof ImportInputError) throw new CommandFailure(`error: ${error.message}`);
    throw error;
  } finally {
    await runtime.close();
  }
}

const batchSizeOption = (): Option =>
  new Option('--batch-size <rows>', `rows per transaction (1-${MAX_BATCH_SIZE})`).argParser(batchSize).default(DEFAULT_BATCH_SIZE);
const encodingOption = (): Option =>
  new Option('--encoding <encoding>', 'text encoding of the file').choices(['latin1', 'utf8']).default('latin1');

export function registerImportCommands(program: Command): void {
  const importCommand = program
    .command('import')
    .description('load data files into the database (PostgreSQL or the embedded SQLite file); safe to run again: unchanged rows are left alone');

  importCommand
    .command('dtc')
    .description('trouble codes from .json (an array of objects as in seed/dtc-generic.json), .jsonl (one object per line) or .csv (header row; list cells separated by |)')
    .argument('<file>', 'a .json, .jsonl or .csv file')
    .addOption(batchSizeOption())
    .option('--source <label>', "added to each code's sources (default: the file name)")
    .option('--json', 'print the final report as JSON')
    .action(async (file: string, options: CommonOptions & { source?: string }) => {
      const extension = path.extname(file).toLowerCase();
      if (!['.json', '.jsonl', '.csv'].includes(extension)) throw new CommandFailure(`error: import dtc expects a .json, .jsonl or .csv file, not ${path.resolve(file)}`, EXIT_USAGE);
      await runImportCommand('dtc', options, (database, importOptions) =>
        importDtcCodes(database, file, { ...importOptions, ...(options.source === undefined ? {} : { source: options.source }) }),
      );
    });

  importCommand
    .command('recalls')
    .description('NHTSA recalls: FLAT_RCL.txt (tab-separated, 27 or 29 fields) or the .zip NHTSA publishes')
    .argument('<file>', 'FLAT_RCL.txt or a .zip containing it')
    .addOption(batchSizeOption())
    .addOption(encodingOption())
    .option('--json', 'print the final report as JSON')
    .action(async (file: string, options: CommonOptions & { encoding: TextEncoding }) => {
      await runImportCommand('recalls', options, (database, importOptions) => importRecalls(database, file, { ...importOptions, encoding: options.encoding }));
    });

  importCommand
    .command('complaints')
    .description('NHTSA complaints: FLAT_CMPL.txt (tab-separated, 49 or 51 fields, Latin-1) or the .zip NHTSA publishes; VINs and dealer fields are not stored')
    .argument('<file>', 'FLAT_CMPL.txt or a .zip containing it')
    .addOption(batchSizeOption())
    .addOption(encodingOption())
    .option('--json', 'print the final report as JSON')
    .action(async (file: string, options: CommonOptions & { encoding: TextEncoding }) => {
      await runImportCommand('complaints', options, (database, importOptions) => importComplaints(database, file, { ...importOptions, encoding: options.encoding }));
    });
}
