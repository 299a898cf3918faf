import { ConfigurationError, EXIT_CONFIGURATION_ERROR, loadConfig, loadDotEnvFile, type Config } from '../config/index.js';
import { scrubSecrets } from '../observability/index.js';

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Raised by a command to end with a message and an exit status; main.ts prints and exits. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/** The shared configuration, read the same way as the server reads it. */
export function commandConfig(): Config {
  loadDotEnvFile();
  try {
    return loadConfig(process.env).config;
  } catch (error) {
    if (error instanceof ConfigurationError) throw new CommandFailure(error.message, EXIT_CONFIGURATION_ERROR);
    throw error;
  }
}

/** Writes to stdout through the secret scrubber: nothing a command prints may carry a credential. */
export function print(line: string): void {
  process.stdout.write(`${scrubSecrets(line).line}\n`);
}

export function printError(line: string): void {
  process.stderr.write(`${scrubSecrets(line).line}\n`);
}
