import { describeBytes, type BoundedLine } from '../io/bounded-lines.js';
import { MAX_IMPORT_LINE_BYTES } from './text-lines.js';

/**
 * RFC 4180 CSV read line by line: fields separated by commas, optionally in
 * double quotes (`""` is a quote), and a quoted field may span lines. Each
 * line is scanned once, continuing the record it belongs to, so parsing time
 * is linear in the file size whatever the quoting (an unclosed quote too).
 */

export interface CsvRecord {
  /** The line the record starts on (1-based). */
  readonly line: number;
  readonly fields: string[];
}

export type CsvResult = CsvRecord | { readonly line: number; readonly problem: string };

/** A record longer than this is taken as a runaway quote, reported and dropped, so memory stays bounded. */
export const MAX_CSV_RECORD_CHARACTERS = 256 * 1024;

/** The message for a line over the importers' bound. */
export function overlongLineProblem(line: { readonly bytes: number }): string {
  return `the line is ${line.bytes} bytes long, more than the ${describeBytes(MAX_IMPORT_LINE_BYTES)} a line may have`;
}

interface PendingRecord {
  readonly line: number;
  readonly fields: string[];
  field: string;
  quoted: boolean;
  fieldStarted: boolean;
  characters: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;

function newRecord(line: number): PendingRecord {
  return { line, fields: [], field: '', quoted: false, fieldStarted: false, characters: 0 };
}

/**
 * Continues `record` with one more line; true when the record is complete. A
 * line may end with the `\r` of a CRLF: outside quotes it is the terminator,
 * inside a quoted field it is data (the field then continues with `\r\n`).
 */
function continueRecord(record: PendingRecord, line: string): boolean {
  const crlf = line.endsWith('\r');
  const text = crlf ? line.slice(0, -1) : line;
  let index = 0;
  while (index < text.length) {
    if (record.quoted) {
      const quote = text.indexOf('"', index);
      if (quote < 0) {
        record.field += text.slice(index);
        break;
      }
      record.field += text.slice(index, quote);
      if (text.charCodeAt(quote + 1) === QUOTE) {
        record.field += '"';
        index = quote + 2;
      } else {
        record.quoted = false;
        index = quote + 1;
      }
      continue;
    }
    const character = text.charCodeAt(index);
    if (character === QUOTE && !record.fieldStarted) {
      record.quoted = true;
      record.fieldStarted = true;
      index += 1;
    } else if (character === COMMA) {
      record.fields.push(record.field);
      record.field = '';
      record.fieldStarted = false;
      index += 1;
    } else {
      // Unquoted text (a quote inside it is literal) runs to the next comma.
      const comma = text.indexOf(',', index);
      const end = comma < 0 ? text.length : comma;
      record.field += text.slice(index, end);
      record.fieldStarted = true;
      index = end;
    }
  }
  record.characters += line.length + 1;
  if (record.quoted) {
    record.field += crlf ? '\r\n' : '\n';
    return false;
  }
  record.fields.push(record.field);
  return true;
}

/** Fields of one complete record, or null while a quoted field is still open. */
export function parseCsvRecord(text: string): string[] | null {
  const record = newRecord(1);
  return continueRecord(record, text) ? record.fields : null;
}

/** Groups lines into records; blank lines outside quotes are skipped. */
export async function* csvRecords(lines: AsyncIterable<BoundedLine>): AsyncGenerator<CsvResult> {
  let lineNumber = 0;
  let pending: PendingRecord | undefined;
  for await (const line of lines) {
    lineNumber += 1;
    if (typeof line !== 'string') {
      // The line's text was never kept, so a record it belongs to cannot be completed.
      yield { line: pending?.line ?? lineNumber, problem: pending === undefined ? overlongLineProblem(line) : `its line ${lineNumber}: ${overlongLineProblem(line)}` };
      pending = undefined;
      continue;
    }
    if (pending === undefined && line.trim() === '') continue;
    const record = pending ?? newRecord(lineNumber);
    if (continueRecord(record, line)) {
      pending = undefined;
      yield { line: record.line, fields: record.fields };
    } else if (record.characters > MAX_CSV_RECORD_CHARACTERS) {
      pending = undefined;
      yield { line: record.line, problem: 'a quoted field is never closed' };
    } else {
      pending = record;
    }
  }
  if (pending !== undefined) yield { line: pending.line, problem: 'a quoted field is never closed before the end of the file' };
}
