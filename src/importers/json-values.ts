/**
 * Splits a JSON document read line by line into its top-level values without
 * holding the whole document: either one array of values (pretty-printed or
 * not) or values one after another (JSON Lines). Each value's text is then
 * parsed on its own, so one bad value is reported with its line number and
 * the rest still import.
 */

import { describeBytes, type BoundedLine } from '../io/bounded-lines.js';
import { MAX_IMPORT_LINE_BYTES, ImportInputError } from './text-lines.js';

export type JsonValueText = { readonly line: number; readonly text: string } | { readonly line: number; readonly problem: string };

/** A value longer than this is reported and dropped, so memory stays bounded. */
const MAX_VALUE_CHARACTERS = 1024 * 1024;

export async function* jsonValueTexts(lines: AsyncIterable<BoundedLine>): AsyncGenerator<JsonValueText> {
  let lineNumber = 0;
  let seenContent = false;
  let insideTopArray = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let value = '';
  let valueLine = 0;
  let tooLong = false;

  for await (const line of lines) {
    lineNumber += 1;
    if (typeof line !== 'string') {
      // Brackets and quotes on a line that was never kept are unknown: the rest of the document cannot be followed.
      throw new ImportInputError(`line ${lineNumber} is ${line.bytes} bytes long, more than the ${describeBytes(MAX_IMPORT_LINE_BYTES)} a line may have; a JSON document cannot be read past it (JSON Lines can)`);
    }
    const results: JsonValueText[] = [];
    const finishValue = (): void => {
      results.push(tooLong ? { line: valueLine, problem: 'value is too large' } : { line: valueLine, text: value });
      value = '';
      tooLong = false;
    };
    for (const character of `${line}\n`) {
      if (value === '' && depth === 0 && !inString) {
        // Between values at the top level.
        if (/\s/.test(character)) continue;
        if (!seenContent && character === '[') {
          seenContent = true;
          insideTopArray = true;
          continue;
        }
        seenContent = true;
        if (insideTopArray && (character === ',' || character === ']')) continue;
        valueLine = lineNumber;
      }
      if (!tooLong) {
        value += character;
        if (value.length > MAX_VALUE_CHARACTERS) {
          tooLong = true;
          value = ' ';
        }
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (character === '\\') escaped = true;
        else if (character === '"') inString = false;
        continue;
      }
      if (character === '"') inString = true;
      else if (character === '{' || character === '[') depth += 1;
      else if (character === '}' || character === ']') depth -= 1;
      // A value ends when its brackets close, or (a bare scalar) at a separator.
      const closesContainer = depth === 0 && (character === '}' || character === ']');
      const endsScalar = depth === 0 && (character === ',' || character === '\n');
      if (closesContainer) finishValue();
      else if (endsScalar) {
        value = value.slice(0, -1);
        finishValue();
      } else if (depth < 0) {
        // A bare scalar right before the top array's closing bracket.
        depth = 0;
        value = value.slice(0, -1);
        finishValue();
      }
    }
    yield* results;
  }
  if (value.trim() !== '' || depth > 0 || inString) yield { line: valueLine, problem: 'the file ends inside a value' };
}
