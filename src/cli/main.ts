import { Command, CommanderError } from 'commander';
import { isDatabaseUnavailable } from '../db/index.js';
import { StoreUnavailableError } from '../stores/key-value-store.js';
import { PACKAGE_VERSION } from '../version.js';
import { registerBackupCommand } from './backup.js';
import { registerConfigCommands } from './config-check.js';
import { CommandFailure, EXIT_FAILURE, EXIT_USAGE, printError } from './context.js';
import { registerExportCommand } from './export.js';
import { registerHealthCheckCommand } from './health-check.js';
import { registerImportCommands } from './import.js';
import { registerMigrateCommand } from './migrate.js';
import { registerOpenApiCommand } from './openapi.js';
import { registerRestoreCommand } from './restore.js';
import { registerSecurityCommands } from './security.js';
import { registerSeedCommand } from './seed.js';
import { registerUsersCommands } from './users.js';

function buildProgram(): Command {
  const program = new Command('autocognitix')
    .description('AutoCognitix API administration: every command reads the same environment configuration as the server')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of this release')
    .showHelpAfterError()
    .exitOverride();
  registerConfigCommands(program);
  registerMigrateCommand(program);
  registerSeedCommand(program);
  registerImportCommands(program);
  registerExportCommand(program);
  registerBackupCommand(program);
  registerRestoreCommand(program);
  registerHealthCheckCommand(program);
  registerOpenApiCommand(program);
  registerUsersCommands(program);
  registerSecurityCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** A message for any failure that names what went wrong and never quotes a URL or secret. */
function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CommandFailure) return { message: error.message, exitCode: error.exitCode };
  if (isDatabaseUnavailable(error) || (error instanceof Error && isDatabaseUnavailable(error.cause))) {
    return { message: 'error: the database is unavailable (check DATABASE_URL and that the server is running)', exitCode: EXIT_FAILURE };
  }
  if (error instanceof StoreUnavailableError) {
    return { message: 'error: the key-value store is unavailable (check REDIS_URL and that the server is running)', exitCode: EXIT_FAILURE };
  }
  return { message: `error: ${error instanceof Error ? error.message : 'unknown failure'}`, exitCode: EXIT_FAILURE };
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and "fail" with code 0; usage mistakes are exit 2.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const { message, exitCode } = describeFailure(error);
    printError(message);
    return exitCode;
  }
}

const exitCode = await runCli(process.argv.slice(2));
process.exitCode = exitCode;
