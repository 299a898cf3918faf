import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSRF_FAILURES, ERROR_CATALOG, ERROR_CODES, FAIL_CLOSED_OPERATIONS } from '../../src/errors.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { projectRoot } from '../helpers/process.js';

const readDoc = (name: string): string => readFileSync(path.join(projectRoot, 'docs', name), 'utf8');

/** The backticked label values in the row of `metric` in docs/SECURITY.md's metrics table. */
function documentedLabelValues(metric: string): string[] {
  const row = readDoc('SECURITY.md')
    .split('\n')
    .find((line) => line.startsWith(`| \`${metric}\` |`));
  const labels = row?.split('|')[3] ?? '';
  return [...labels.matchAll(/`([a-z_]+)`/g)].map((match) => match[1] ?? '').slice(1);
}

/** Label values of the series a counter already has (pre-created at 0 or counted). */
async function seriesLabels(counter: { get(): Promise<{ values: { labels: Record<string, string | number | undefined> }[] }> }, label: string): Promise<string[]> {
  return (await counter.get()).values.map((value) => String(value.labels[label]));
}

/** Rows of the error table in docs/API.md: | `code` | status | meaning | */
function documentedCodes(): Map<string, number> {
  const text = readDoc('API.md');
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

describe('lists derived from the catalog', () => {
  it('the CSRF failure reasons are exactly the csrf_* codes, all 403', () => {
    expect(CSRF_FAILURES).toEqual(ERROR_CODES.filter((code) => code.startsWith('csrf_')));
    expect(CSRF_FAILURES.length).toBeGreaterThanOrEqual(4);
    for (const reason of CSRF_FAILURES) expect(ERROR_CATALOG[reason].status).toBe(403);
  });

  it('every CSRF failure reason and every fail-closed operation has its counter series from the start', async () => {
    expect((await seriesLabels(securityMetrics.csrfValidationsFailed, 'reason')).sort()).toEqual([...CSRF_FAILURES].sort());
    expect((await seriesLabels(securityMetrics.storeErrors, 'operation')).sort()).toEqual([...FAIL_CLOSED_OPERATIONS].sort());
  });

  it('docs/SECURITY.md names the same label values, and docs/API.md the fail-closed operations under store_unavailable', () => {
    expect(documentedLabelValues('security_csrf_validations_failed_total')).toEqual([...CSRF_FAILURES]);
    expect(documentedLabelValues('security_store_errors_total')).toEqual([...FAIL_CLOSED_OPERATIONS]);
    const storeUnavailableRow = readDoc('API.md')
      .split('\n')
      .find((line) => line.startsWith('| `store_unavailable` |'));
    for (const operation of FAIL_CLOSED_OPERATIONS) expect(storeUnavailableRow).toContain(`\`${operation}\``);
  });
});
