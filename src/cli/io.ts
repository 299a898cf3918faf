/**
 * What a run of `autocognitix` may use of the world, handed to `runCli`: the
 * entry point passes the process's own, a test passes its own streams and
 * environment, so a command runs the same in-process as in a child process.
 */

/** Where a command reads a person's answers; a terminal only when `isTTY`. */
export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  /** Present on a terminal: echo and line editing off (hidden input). */
  setRawMode?(mode: boolean): unknown;
}

/** Where a command writes; `isTTY` and `columns` as on `process.stdout`. */
export interface CliOutput extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  /** The environment variables, before `.env` (which never overrides them). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `.env` is looked for and relative paths on the command line start. */
  readonly cwd: string;
  readonly stdin: CliInput;
  /** Data and results. */
  readonly stdout: CliOutput;
  /** Errors, progress and prompts, so stdout stays data only. */
  readonly stderr: CliOutput;
}
