import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';

/** The file cannot be read as import input: missing, not a regular file, or a zip without a text entry. */
export class ImportInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportInputError';
  }
}

export type TextEncoding = 'utf8' | 'latin1';

/** Lines of a text file, read as a stream: memory stays flat whatever the file size. */
export interface TextLineSource {
  /** Lines without their line terminator (`\n` or `\r\n`). */
  readonly lines: AsyncIterable<string>;
  /** Bytes of (uncompressed) text read so far. */
  bytesRead(): number;
  /** Uncompressed size when known: the file's size, or the zip entry's. */
  readonly totalBytes: number | undefined;
  /** The file or zip entry being read, for messages. */
  readonly name: string;
  close(): Promise<void>;
}

/**
 * Opens `filePath` for line-by-line reading. A `.zip` is read through a
 * streaming unzip (yauzl): its first `.txt` entry, or its only file entry.
 * `latin1` decodes NHTSA's complaint files, which are not UTF-8.
 */
export async function openTextLines(filePath: string, encoding: TextEncoding): Promise<TextLineSource> {
  const info = await stat(filePath).catch((error: unknown) => {
    throw new ImportInputError(`cannot read ${path.basename(filePath)}: no such file`, { cause: error });
  });
  if (!info.isFile()) throw new ImportInputError(`cannot read ${path.basename(filePath)}: not a regular file`);
  if (filePath.toLowerCase().endsWith('.zip')) return openZipEntryLines(filePath, encoding);
  return linesOf(createReadStream(filePath), encoding, info.size, path.basename(filePath), async () => undefined);
}

function linesOf(source: Readable, encoding: TextEncoding, totalBytes: number | undefined, name: string, closeSource: () => Promise<void>): TextLineSource {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  // pipe() does not forward errors; readline's iterator then rejects with the source's error.
  source.on('error', (error) => counter.destroy(error));
  source.pipe(counter);
  counter.setEncoding(encoding);
  const reader = readline.createInterface({ input: counter, crlfDelay: Infinity });
  return {
    lines: stripByteOrderMark(reader),
    bytesRead: () => bytes,
    totalBytes,
    name,
    close: async () => {
      reader.close();
      source.destroy();
      await closeSource();
    },
  };
}

/** A UTF-8 byte-order mark (from spreadsheet exports) is not part of the first field. */
async function* stripByteOrderMark(lines: AsyncIterable<string>): AsyncGenerator<string> {
  let first = true;
  for await (const line of lines) {
    yield first && line.startsWith('\uFEFF') ? line.slice(1) : line;
    first = false;
  }
}

async function openZipEntryLines(filePath: string, encoding: TextEncoding): Promise<TextLineSource> {
  const zip = await yauzl.openPromise(filePath, { lazyEntries: true, autoClose: false }).catch((error: unknown) => {
    throw new ImportInputError(`cannot read ${path.basename(filePath)}: not a valid zip file`, { cause: error });
  });
  try {
    let chosen: yauzl.Entry | undefined;
    let onlyFile: yauzl.Entry | undefined;
    let fileCount = 0;
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      fileCount += 1;
      onlyFile = entry;
      if (entry.fileName.toLowerCase().endsWith('.txt')) {
        chosen = entry;
        break;
      }
    }
    chosen ??= fileCount === 1 ? onlyFile : undefined;
    if (chosen === undefined) throw new ImportInputError(`${path.basename(filePath)} has no .txt entry to import`);
    const stream = await zip.openReadStreamPromise(chosen);
    return linesOf(stream, encoding, chosen.uncompressedSize, `${path.basename(filePath)}:${chosen.fileName}`, async () => {
      zip.close();
    });
  } catch (error) {
    zip.close();
    throw error;
  }
}
