/** Exit statuses every command shares (78, a configuration error, comes from config/errors.ts). */
export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Raised by a command to end with a message and an exit status; runCli prints it and returns the status. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}
