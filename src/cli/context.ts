import path from 'node:path';
import { ConfigurationError, EXIT_CONFIGURATION_ERROR, loadConfig, readDotEnvFile, type Config } from '../config/index.js';
import { scrubSecrets } from '../observability/index.js';
import { CommandFailure } from './exit-status.js';
import type { CliIo } from './io.js';
import { createTerminal, type Terminal } from './prompt.js';

/**
 * What a command uses of the world, all of it from the {@link CliIo} runCli
 * was given: commands never read process.env or write to process.stdout.
 */
export interface CommandContext {
  readonly io: CliIo;
  /** The environment over `.env` in the working directory (set variables win), as the server reads it. */
  env(): Readonly<Record<string, string | undefined>>;
  /** The shared configuration; a bad variable ends the command with exit 78 naming it. */
  config(): Config;
  /** A line on stdout, through the secret scrubber: nothing a command prints may carry a credential. */
  readonly print: (line: string) => void;
  /** A line on stderr, through the secret scrubber. */
  readonly printError: (line: string) => void;
  /** A path from the command line, absolute against the working directory. */
  resolvePath(file: string): string;
  readonly terminal: Terminal;
}

export function createCommandContext(io: CliIo): CommandContext {
  let environment: Readonly<Record<string, string | undefined>> | undefined;
  const env = (): Readonly<Record<string, string | undefined>> => {
    if (environment === undefined) {
      const set = Object.entries(io.env).filter(([, value]) => value !== undefined);
      environment = Object.freeze({ ...readDotEnvFile(io.cwd), ...Object.fromEntries(set) });
    }
    return environment;
  };
  return {
    io,
    env,
    config() {
      try {
        return loadConfig(env(), { cwd: io.cwd }).config;
      } catch (error) {
        if (error instanceof ConfigurationError) throw new CommandFailure(error.message, EXIT_CONFIGURATION_ERROR);
        throw error;
      }
    },
    print: (line) => {
      io.stdout.write(`${scrubSecrets(line).line}\n`);
    },
    printError: (line) => {
      io.stderr.write(`${scrubSecrets(line).line}\n`);
    },
    resolvePath: (file) => path.resolve(io.cwd, file),
    terminal: createTerminal(io),
  };
}
