import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, lstatSync, rmSync, type Stats } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CommandFailure } from './exit-status.js';

/**
 * Where a command streams its data (an export, a backup, the OpenAPI
 * document). Data goes out unmodified: unlike messages, it does not pass
 * through the secret scrubber, which would alter it.
 */
export interface DataOutput {
  /** Writes `text`, waiting while the destination's buffer is full. */
  write(text: string): Promise<void>;
  /** Completes the output: flushes it and, for a file, moves it into place. */
  finish(): Promise<void>;
  /** Abandons the output: a file that was being written is removed. */
  abort(): Promise<void>;
}

/** Resolves when the stream can take more, or has failed (the caller then checks for the error). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

function failIfBroken(error: Error | undefined, destination: string): void {
  if (error === undefined) return;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : 'unknown';
  const reason = code === 'ENOENT' ? `${code}: its directory does not exist` : code;
  throw new CommandFailure(code === 'EPIPE' ? `error: ${destination} was closed before all data was written` : `error: cannot write ${destination} (${reason})`);
}

/** The command's standard output; a reader that goes away (`| head`) ends the command instead of crashing it. */
export function standardOutput(stream: NodeJS.WritableStream): DataOutput {
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  stream.on('error', onError);
  // The stream outlives the command (in-process, the caller's): leave no listener on it.
  const release = (): void => {
    stream.off('error', onError);
  };
  return {
    async write(text) {
      failIfBroken(broken, 'the output');
      if (!stream.write(text)) await drained(stream);
      failIfBroken(broken, 'the output');
    },
    async finish() {
      release();
      failIfBroken(broken, 'the output');
    },
    async abort() {
      // Nothing to undo on a stream someone else reads.
      release();
    },
  };
}

/** What a path is, in words, when it is not a regular file. */
function nonRegularKind(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Refuses a target that exists and is not a regular file: the rename that
 * puts a finished file in place would replace a symbolic link, a FIFO or even
 * a device node (as root) with a regular file and report success.
 */
export function checkRegularTarget(target: string): void {
  let info: Stats;
  try {
    info = lstatSync(target);
  } catch {
    return; // A new file.
  }
  const kind = nonRegularKind(info);
  if (kind !== undefined) {
    throw new CommandFailure(`error: ${path.resolve(target)} is ${kind}; write to a regular file (an existing one is replaced when the new one is complete)`);
  }
}

const INTERRUPTIONS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A file written under a temporary name next to `target` (created with `mode`
 * less the umask, so never wider than either) and renamed over it only when
 * complete, so an interrupted run never leaves a truncated file under the
 * real name. Ctrl-C (or SIGTERM, SIGHUP) removes the temporary file (a
 * partial backup holds password hashes) before the process ends by that signal.
 */
export function fileOutput(target: string, mode: number): DataOutput {
  checkRegularTarget(target);
  const shown = path.resolve(target);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const stream = createWriteStream(temporary, { flags: 'wx', mode });
  let broken: Error | undefined;
  stream.on('error', (error) => {
    broken = error;
  });
  const onInterrupt = (signal: NodeJS.Signals): void => {
    stream.destroy();
    rmSync(temporary, { force: true });
    release();
    // Ends the process the way the signal would have, exit status included.
    process.kill(process.pid, signal);
  };
  const release = (): void => {
    for (const signal of INTERRUPTIONS) process.off(signal, onInterrupt);
  };
  for (const signal of INTERRUPTIONS) process.once(signal, onInterrupt);
  const opened = Promise.race([once(stream, 'open'), once(stream, 'error')]).then(
    () => undefined,
    () => undefined,
  );
  return {
    async write(text) {
      await opened;
      failIfBroken(broken, shown);
      if (!stream.write(text)) await drained(stream);
      failIfBroken(broken, shown);
    },
    async finish() {
      await opened;
      failIfBroken(broken, shown);
      stream.end();
      await Promise.race([once(stream, 'close'), once(stream, 'error')]).catch(() => undefined);
      failIfBroken(broken, shown);
      // Checked again: something may have taken the name while the file was written.
      checkRegularTarget(target);
      await rename(temporary, target);
      release();
    },
    async abort() {
      release();
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}

/** Runs `produce` against the output, finishing it on success and abandoning it on failure. */
export async function writeOutput<T>(output: DataOutput, produce: (output: DataOutput) => Promise<T>): Promise<T> {
  try {
    const result = await produce(output);
    await output.finish();
    return result;
  } catch (error) {
    await output.abort();
    throw error;
  }
}
