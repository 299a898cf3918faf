import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { boundedLines, type BoundedLine, type LineOptions } from '../io/bounded-lines.js';

export { OverlongLine, type BoundedLine } from '../io/bounded-lines.js';

/** The file cannot be read as import input: missing, not a regular file, a zip that is corrupt or too large. */
export class ImportInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportInputError';
  }
}

export type TextEncoding = 'utf8' | 'latin1';

/** A line longer than this is reported by number and skipped, never built in memory (NHTSA's longest are a few KiB). */
export const MAX_IMPORT_LINE_BYTES = 1024 * 1024;
/** A zip entry that expands more than this many times its compressed size is refused before it is read (text compresses 5–15×). */
export const MAX_ZIP_EXPANSION_RATIO = 100;
/** A zip entry larger than this uncompressed is refused before it is read (NHTSA's complaint file is about 2 GiB). */
export const MAX_ZIP_ENTRY_BYTES = 8 * 1024 * 1024 * 1024;

/** Lines of a text file, read as a stream: memory stays flat whatever the file size. */
export interface TextLineSource {
  /** Lines without their terminator (`\n` or `\r\n`); a line over {@link MAX_IMPORT_LINE_BYTES} is an OverlongLine. */
  readonly lines: AsyncIterable<BoundedLine>;
  /** Bytes of (uncompressed) text read so far. */
  bytesRead(): number;
  /** Uncompressed size when known: the file's size, or the zip entry's. */
  readonly totalBytes: number | undefined;
  /** The file or zip entry being read, for messages. */
  readonly name: string;
  close(): Promise<void>;
}

/** The absolute path, so a message says exactly which file was looked for. */
function displayPath(filePath: string): string {
  return path.resolve(filePath);
}

/**
 * Opens `filePath` for line-by-line reading. A `.zip` is read through a
 * streaming unzip (yauzl): its first `.txt` entry, or its only file entry,
 * after a first pass that checks the entry's CRC-32 and size, so a corrupt
 * archive is refused before anything is written. `latin1` decodes NHTSA's
 * complaint files, which are not UTF-8.
 */
export async function openTextLines(filePath: string, encoding: TextEncoding, options: LineOptions = {}): Promise<TextLineSource> {
  const info = await stat(filePath).catch((error: unknown) => {
    throw new ImportInputError(`cannot read ${displayPath(filePath)}: no such file`, { cause: error });
  });
  if (!info.isFile()) throw new ImportInputError(`cannot read ${displayPath(filePath)}: not a regular file`);
  if (filePath.toLowerCase().endsWith('.zip')) return openZipEntryLines(filePath, encoding, options);
  return linesOf(createReadStream(filePath), encoding, options, info.size, path.basename(filePath), async () => undefined);
}

function linesOf(
  source: Readable,
  encoding: TextEncoding,
  options: LineOptions,
  totalBytes: number | undefined,
  name: string,
  closeSource: () => Promise<void>,
  onChunk?: (chunk: Buffer) => void,
): TextLineSource {
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      onChunk?.(chunk);
      yield chunk;
    }
  }
  return {
    lines: boundedLines(counted(), encoding, MAX_IMPORT_LINE_BYTES, options),
    bytesRead: () => bytes,
    totalBytes,
    name,
    close: async () => {
      source.destroy();
      await closeSource();
    },
  };
}

/** Refuses an entry whose declared size or expansion ratio passes the bounds, before a byte of it is inflated. */
function checkZipEntryBounds(zipName: string, entry: yauzl.Entry): void {
  if (entry.uncompressedSize > MAX_ZIP_ENTRY_BYTES) {
    throw new ImportInputError(`${zipName}: ${entry.fileName} would expand to ${entry.uncompressedSize} bytes, more than the ${MAX_ZIP_ENTRY_BYTES / 1024 ** 3} GiB an import accepts`);
  }
  if (entry.uncompressedSize > MAX_ZIP_EXPANSION_RATIO * Math.max(entry.compressedSize, 1)) {
    throw new ImportInputError(
      `${zipName}: ${entry.fileName} would expand ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} times its compressed size, more than the ${MAX_ZIP_EXPANSION_RATIO}× an import accepts (a zip bomb?)`,
    );
  }
}

/** Reads the entry once to its end, checking its CRC-32 and size against the zip's directory. */
async function verifyZipEntry(zip: yauzl.ZipFile, zipName: string, entry: yauzl.Entry): Promise<void> {
  let crc = 0;
  let size = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
    }
  } catch (error) {
    // yauzl's own size check (validateEntrySizes) and inflate errors land here.
    throw new ImportInputError(`${zipName}: ${entry.fileName} is corrupt (${error instanceof Error ? error.message : 'unreadable'}); nothing was imported`, { cause: error });
  }
  if (size !== entry.uncompressedSize || crc >>> 0 !== entry.crc32 >>> 0) {
    throw new ImportInputError(`${zipName}: ${entry.fileName} is corrupt (its CRC-32 or size does not match the archive's directory); nothing was imported`);
  }
}

async function openZipEntryLines(filePath: string, encoding: TextEncoding, options: LineOptions): Promise<TextLineSource> {
  const zipName = displayPath(filePath);
  const zip = await yauzl.openPromise(filePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true }).catch((error: unknown) => {
    throw new ImportInputError(`cannot read ${zipName}: not a valid zip file`, { cause: error });
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
    if (chosen === undefined) throw new ImportInputError(`${zipName} has no .txt entry to import`);
    const entry = chosen;
    checkZipEntryBounds(zipName, entry);
    await verifyZipEntry(zip, zipName, entry);
    const stream = await zip.openReadStreamPromise(entry);
    // The importing pass checks the CRC-32 again: the file may have changed since the first pass.
    let crc = 0;
    const source = linesOf(
      stream,
      encoding,
      options,
      entry.uncompressedSize,
      `${path.basename(filePath)}:${entry.fileName}`,
      async () => {
        zip.close();
      },
      (chunk) => {
        crc = crc32(chunk, crc);
      },
    );
    return { ...source, lines: checkedAgain(source.lines, () => crc, zipName, entry) };
  } catch (error) {
    zip.close();
    throw error;
  }
}

async function* checkedAgain(lines: AsyncIterable<BoundedLine>, crc: () => number, zipName: string, entry: yauzl.Entry): AsyncGenerator<BoundedLine> {
  try {
    yield* lines;
  } catch (error) {
    throw new ImportInputError(`${zipName}: ${entry.fileName} could not be read to its end (${error instanceof Error ? error.message : 'unreadable'})`, { cause: error });
  }
  if (crc() >>> 0 !== entry.crc32 >>> 0) throw new ImportInputError(`${zipName}: ${entry.fileName} changed while it was imported (its CRC-32 no longer matches)`);
}
