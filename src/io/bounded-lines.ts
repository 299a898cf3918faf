/**
 * Splits a byte stream into text lines without ever holding more than one
 * bounded line: a line longer than the bound is counted, never built, and
 * comes out as an {@link OverlongLine} so the reader can report it by number
 * and go on (an import) or refuse the file (a restore). `\n` ends a line and a
 * `\r` before it is dropped; the last line needs no terminator.
 */

/** A line longer than the bound: only its length in bytes was kept. */
export class OverlongLine {
  constructor(readonly bytes: number) {}
}

export type BoundedLine = string | OverlongLine;

export type LineEncoding = 'utf8' | 'latin1';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Megabytes for messages: `1 MiB`, `16 MiB`. */
export function describeBytes(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : `${bytes} bytes`;
}

export interface LineOptions {
  /** Keep a `\r` before `\n` (CSV: a CRLF inside a quoted field is data; the CSV reader drops the terminator's). */
  readonly keepCarriageReturns?: boolean;
}

export async function* boundedLines(chunks: AsyncIterable<Buffer | string>, encoding: LineEncoding, maxLineBytes: number, options: LineOptions = {}): AsyncGenerator<BoundedLine> {
  // The line being read: its parts (while within the bound) and its length so far.
  const pending = { parts: [] as Buffer[], bytes: 0, overlong: false };
  let first = true;

  const take = (segment: Buffer): void => {
    if (segment.length === 0) return;
    pending.bytes += segment.length;
    if (pending.overlong) return;
    if (pending.bytes > maxLineBytes) {
      // From here on only the length is counted: memory stays at one bound.
      pending.overlong = true;
      pending.parts = [];
      return;
    }
    pending.parts.push(segment);
  };
  const finish = (): BoundedLine => {
    let line: BoundedLine;
    if (pending.overlong) line = new OverlongLine(pending.bytes);
    else {
      let bytes = Buffer.concat(pending.parts, pending.bytes);
      if (options.keepCarriageReturns !== true && bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
      line = bytes.toString(encoding);
      // A UTF-8 byte-order mark (from spreadsheet exports) is not part of the first field.
      if (first && line.startsWith('\uFEFF')) line = line.slice(1);
    }
    first = false;
    pending.parts = [];
    pending.bytes = 0;
    pending.overlong = false;
    return line;
  };

  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0) break;
      take(buffer.subarray(start, newline));
      yield finish();
      start = newline + 1;
    }
    // Copied: a slice would pin the whole chunk while the line waits for its end.
    if (start < buffer.length) take(Buffer.from(buffer.subarray(start)));
  }
  if (pending.bytes > 0) yield finish();
}
