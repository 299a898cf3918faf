import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAT_CMPL_COLUMNS, FLAT_CMPL_FIELD_COUNTS } from '../../src/importers/nhtsa-complaints.js';
import { FLAT_RCL_COLUMNS, FLAT_RCL_FIELD_COUNTS, parseRecallLine } from '../../src/importers/nhtsa-recalls.js';
import { parseComplaintLine } from '../../src/importers/nhtsa-complaints.js';
import { projectRoot } from '../helpers/process.js';

/**
 * Issue 15 item 8: docs/API.md lists the FLAT_RCL and FLAT_CMPL layouts the
 * importers expect. This keeps its tables in step with the importers' column
 * lists and with what each parser really stores.
 */

const API_DOC = readFileSync(path.join(projectRoot, 'docs', 'API.md'), 'utf8');

/** The `| # | field | what | kept as |` rows after the bold layout name, up to the next blank line after the table. */
function layoutRows(name: string): { number: number; field: string; keptAs: string }[] {
  const start = API_DOC.indexOf(`**${name}**`);
  if (start < 0) throw new Error(`docs/API.md has no **${name}** layout`);
  const table = API_DOC.slice(API_DOC.indexOf('| # |', start)).split('\n\n')[0] ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map((cells) => ({ number: Number(cells[1]), field: cells[2] ?? '', keptAs: cells[4] ?? '' }));
}

/** The column names a layout's "kept as" cells name (`make`, `crash` (empty: no)…). */
function keptColumns(rows: { keptAs: string }[]): string[] {
  return rows.map((row) => /^`([a-z_]+)`/.exec(row.keptAs)?.[1]).filter((column): column is string => column !== undefined);
}

describe.each([
  ['FLAT_RCL', FLAT_RCL_COLUMNS, FLAT_RCL_FIELD_COUNTS, (fields: string[]) => Object.keys(parseRecallLine(fields.join('\t')))],
  ['FLAT_CMPL', FLAT_CMPL_COLUMNS, FLAT_CMPL_FIELD_COUNTS, (fields: string[]) => Object.keys(parseComplaintLine(fields.join('\t')))],
] as const)('docs/API.md: the %s layout', (name, columns, counts, storedColumns) => {
  const rows = layoutRows(name);

  it('numbers and names every field in the importer’s order', () => {
    expect(rows.map((row) => row.field)).toEqual([...columns]);
    expect(rows.map((row) => row.number)).toEqual(columns.map((_, index) => index + 1));
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(columns.length);
  });

  it('names as "kept as" exactly the columns the parser stores', () => {
    // A line with every required field filled and the rest empty.
    const fields = columns.map((column) => ({ CAMPNO: '24V123000', MAKETXT: 'ACME', MODELTXT: 'ROADSTER', COMPNAME: 'AIR BAGS', CMPLID: '1', ODINO: '2' })[column as string] ?? '');
    expect(keptColumns(rows).sort()).toEqual(storedColumns(fields).sort());
  });
});
