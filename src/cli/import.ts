import path from 'node:path';
import {
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
import { syncDiagnosisIndex } from '../diagnostics/describe/index.js';
import type { CommandContext } from './context.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';
import { importReporter } from './import-progress.js';

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
  cli: CommandContext,
  label: string,
  options: CommonOptions,
  run: (database: Database, importOptions: ImportOptions) => Promise<ImportReport>,
): Promise<void> {
  const config = cli.config();
  const reporter = importReporter(cli, label, { json: options.json === true });
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const report = await run(runtime.database, { batchSize: options.batchSize, onProgress: reporter.onProgress, onProblem: reporter.onProblem });
    // Symptom search reads derived tables; bring them up to date with what the import wrote before saying it is done.
    await syncDiagnosisIndex(runtime.database);
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

/** `import dtc <file>`: trouble codes from .json, .jsonl or .csv. */
export async function importDtc(cli: CommandContext, file: string, options: CommonOptions & { source?: string }): Promise<void> {
  const filePath = cli.resolvePath(file);
  const extension = path.extname(filePath).toLowerCase();
  if (!['.json', '.jsonl', '.csv'].includes(extension)) throw new CommandFailure(`error: import dtc expects a .json, .jsonl or .csv file, not ${filePath}`, EXIT_USAGE);
  await runImportCommand(cli, 'dtc', options, (database, importOptions) =>
    importDtcCodes(database, filePath, { ...importOptions, ...(options.source === undefined ? {} : { source: options.source }) }),
  );
}

/** `import recalls <file>`: NHTSA's FLAT_RCL, as text or zip. */
export async function importRecallsFile(cli: CommandContext, file: string, options: CommonOptions & { encoding: TextEncoding }): Promise<void> {
  const filePath = cli.resolvePath(file);
  await runImportCommand(cli, 'recalls', options, (database, importOptions) => importRecalls(database, filePath, { ...importOptions, encoding: options.encoding }));
}

/** `import complaints <file>`: NHTSA's FLAT_CMPL, as text or zip. */
export async function importComplaintsFile(cli: CommandContext, file: string, options: CommonOptions & { encoding: TextEncoding }): Promise<void> {
  const filePath = cli.resolvePath(file);
  await runImportCommand(cli, 'complaints', options, (database, importOptions) => importComplaints(database, filePath, { ...importOptions, encoding: options.encoding }));
}
