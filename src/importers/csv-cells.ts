/**
 * How cells of a CSV export are written so that a spreadsheet never runs
 * them and `import dtc` reads them back exactly.
 *
 * Formulas (OWASP "CSV Injection"): a text cell that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return is written with a leading `'`, which
 * spreadsheets show as text. So that the prefix can be undone without
 * touching text that really starts with `'`, a cell of apostrophes followed
 * by one of those characters gets one more: the rule is a bijection.
 *
 * Lists: items are joined with `|` as people write them by hand; when an
 * item holds a `|` (or the cell would start with `[`), the cell is the list
 * as a JSON array instead, which `import dtc` recognises.
 */

/** In CSV files, list cells (symptoms, causes, related codes, sources) separate their items with `|`. */
export const CSV_LIST_SEPARATOR = '|';

const FORMULA_START = /^'*[=+\-@\t\r]/;

/** The cell as a spreadsheet will show it, never evaluate it. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes {@link neutraliseFormula}: one leading `'` goes when a formula character follows the apostrophes. */
export function restoreFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

/** A list cell: `a|b`, or a JSON array when an item would make that ambiguous. */
export function encodeListCell(items: readonly string[]): string {
  const joined = items.join(CSV_LIST_SEPARATOR);
  return items.some((item) => item.includes(CSV_LIST_SEPARATOR)) || joined.startsWith('[') ? JSON.stringify(items) : joined;
}

/** Reads a list cell back: a JSON array of text when the cell is one, else items separated by `|`. */
export function decodeListCell(cell: string): string[] {
  if (cell.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(cell);
      if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) return parsed;
    } catch {
      // Not JSON: a hand-written cell that happens to start with a bracket.
    }
  }
  return cell.split(CSV_LIST_SEPARATOR);
}
