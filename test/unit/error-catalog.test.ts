import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors.js';
import { projectRoot } from '../helpers/process.js';

/** Rows of the error table in docs/API.md: | `code` | status | meaning | */
function documentedCodes(): Map<string, number> {
  const text = readFileSync(path.join(projectRoot, 'docs', 'API.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

describe('the error catalog and docs/API.md agree', () => {
  const documented = documentedCodes();

  it.each(Object.entries(ERROR_CATALOG))('%s is documented with its status', (code, entry) => {
    expect(documented.get(code)).toBe(entry.status);
  });

  it('documents no code the server does not have', () => {
    expect([...documented.keys()].filter((code) => !(code in ERROR_CATALOG))).toEqual([]);
  });

  it('uses lower_snake_case codes only', () => {
    for (const code of Object.keys(ERROR_CATALOG)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
