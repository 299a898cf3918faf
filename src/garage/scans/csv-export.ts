/**
 * A scan as one long-format CSV table (issue 20): a row a trouble code, a row a
 * freeze-frame value, a row a logged sample. RFC 4180 quoting; a text cell a
 * spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
 * leading `'`, since series and unit names come from the user's file. Numbers
 * are written as numbers. Pure: the scan in, lines out, without terminators
 * (the route joins them with CRLF), the header first.
 */
import type { Scan } from './types.js';

export const SCAN_CSV_HEADER = ['kind', 'time_ms', 'name', 'value', 'unit', 'code', 'status', 'ecu'] as const;

type Cell = string | number | null | undefined;

/** A text cell: neutralised against formula injection, then quoted when it holds a comma, a quote or a line break. */
export function csvText(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A number cell as a plain number; a non-finite one (which no parser keeps) as an empty cell. */
function csvNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

function row(cells: readonly Cell[]): string {
  return cells.map((cell) => (cell === null || cell === undefined ? '' : typeof cell === 'number' ? csvNumber(cell) : csvText(cell))).join(',');
}

/**
 * The lines of the scan's CSV export: the header, then `code` rows (code,
 * status, ecu), `freeze_frame` rows (name, value, unit, code, ecu) and `sample`
 * rows (time_ms, name, value, unit), each in the scan's order.
 */
export function* scanCsvLines(scan: Scan): Generator<string> {
  yield SCAN_CSV_HEADER.join(',');
  for (const code of scan.codes) yield row(['code', null, null, null, null, code.code, code.status, code.ecu]);
  for (const frame of scan.freezeFrames) {
    for (const [name, value] of Object.entries(frame.values)) yield row(['freeze_frame', null, name, value.value, value.unit, frame.code, null, frame.ecu]);
  }
  for (const [name, series] of Object.entries(scan.series)) {
    for (const [time, value] of series.points) yield row(['sample', time, name, value, series.unit, null, null, null]);
  }
}
