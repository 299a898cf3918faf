/**
 * RFC 4180 CSV read line by line: fields separated by commas, optionally in
 * double quotes (`""` is a quote), and a quoted field may span lines.
 */

export interface CsvRecord {
  /** The line the record starts on (1-based). */
  readonly line: number;
  readonly fields: string[];
}

export type CsvResult = CsvRecord | { readonly line: number; readonly problem: string };

/** A record longer than this is taken as a runaway quote, reported and dropped, so memory stays bounded. */
const MAX_RECORD_CHARACTERS = 256 * 1024;

/** Fields of one complete record, or null while a quoted field is still open. */
export function parseCsvRecord(text: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (quoted) {
      if (character !== '"') field += character;
      else if (text.charAt(index + 1) === '"') {
        field += '"';
        index += 1;
      } else quoted = false;
    } else if (character === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (character === ',') {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else {
      field += character;
      fieldStarted = true;
    }
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/** Groups lines into records; blank lines outside quotes are skipped. */
export async function* csvRecords(lines: AsyncIterable<string>): AsyncGenerator<CsvResult> {
  let lineNumber = 0;
  let pending: { text: string; line: number } | undefined;
  for await (const line of lines) {
    lineNumber += 1;
    if (pending === undefined && line.trim() === '') continue;
    const start = pending?.line ?? lineNumber;
    const text = pending === undefined ? line : `${pending.text}\n${line}`;
    const fields = parseCsvRecord(text);
    if (fields !== null) {
      pending = undefined;
      yield { line: start, fields };
    } else if (text.length > MAX_RECORD_CHARACTERS) {
      pending = undefined;
      yield { line: start, problem: 'a quoted field is never closed' };
    } else {
      pending = { text, line: start };
    }
  }
  if (pending !== undefined) yield { line: pending.line, problem: 'a quoted field is never closed before the end of the file' };
}
