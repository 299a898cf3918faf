import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CommandFailure } from './context.js';

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
  throw new CommandFailure(code === 'EPIPE' ? `error: ${destination} was closed before all data was written` : `error: cannot write ${destination} (${code})`);
}

/** Standard output; a reader that goes away (`| head`) ends the command instead of crashing it. */
export function standardOutput(): DataOutput {
  const stream = process.stdout;
  let broken: Error | undefined;
  stream.on('error', (error: Error) => {
    broken = error;
  });
  return {
    async write(text) {
      failIfBroken(broken, 'the output');
      if (!stream.write(text)) await drained(stream);
      failIfBroken(broken, 'the output');
    },
    async finish() {
      failIfBroken(broken, 'the output');
    },
    async abort() {
      // Nothing to undo on a stream someone else reads.
    },
  };
}

/**
 * A file written under a temporary name next to `target` (created with `mode`,
 * never wider) and renamed over it only when complete, so an interrupted run
 * never leaves a truncated file under the real name.
 */
export function fileOutput(target: string, mode: number): DataOutput {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const stream = createWriteStream(temporary, { flags: 'wx', mode });
  let broken: Error | undefined;
  stream.on('error', (error) => {
    broken = error;
  });
  const opened = Promise.race([once(stream, 'open'), once(stream, 'error')]).then(
    () => undefined,
    () => undefined,
  );
  return {
    async write(text) {
      await opened;
      failIfBroken(broken, target);
      if (!stream.write(text)) await drained(stream);
      failIfBroken(broken, target);
    },
    async finish() {
      await opened;
      failIfBroken(broken, target);
      stream.end();
      await Promise.race([once(stream, 'close'), once(stream, 'error')]).catch(() => undefined);
      failIfBroken(broken, target);
      await chmod(temporary, mode);
      await rename(temporary, target);
    },
    async abort() {
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
