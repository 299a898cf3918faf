import { isDatabaseUnavailable } from '../db/index.js';
import { scrubSecrets } from '../observability/index.js';
import { StoreUnavailableError } from '../stores/key-value-store.js';
import { CommandFailure, EXIT_FAILURE } from './exit-status.js';
import type { CliIo } from './io.js';

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

/** Prints why a command failed on stderr, through the secret scrubber, and returns its exit status. Loaded only after a failure. */
export function reportFailure(error: unknown, io: CliIo): number {
  const { message, exitCode } = describeFailure(error);
  io.stderr.write(`${scrubSecrets(message).line}\n`);
  return exitCode;
}
