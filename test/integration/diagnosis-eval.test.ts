// @backend-independent: evaluates both engines itself (the embedded file and PostgreSQL through testPostgresUrl) on either run, so it runs once
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTypeScript } from '../helpers/process.js';
import { testPostgresUrl } from '../helpers/test-databases.js';

/** `npm run eval:diagnosis` on both engines: quality below eval/thresholds.json fails the suite. */
describe('npm run eval:diagnosis', () => {
  it('meets the thresholds on every engine and language, and prints the table', async () => {
    const { code, output } = await runTypeScript('eval/run.ts', [], { DATABASE_URL: testPostgresUrl() });
    expect(code, output).toBe(0);
    for (const engine of ['embedded', 'postgres']) for (const language of ['hu', 'en']) expect(output).toMatch(new RegExp(`^${engine}\\s+${language}\\s+\\d+\\s+\\d\\.\\d{3}`, 'm'));
    expect(output).toMatch(/backends agree on the top five .* in \d+ of \d+ cases/);
  }, 180_000);

  it('fails, naming the figure, when a threshold is not met', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'autocognitix-eval-thresholds-'));
    try {
      const perfect = { precision_at_5: 1, recall_at_5: 1, mrr: 1, hit_at_5: 1, code_hit_at_5: 1 };
      const file = path.join(directory, 'thresholds.json');
      writeFileSync(file, JSON.stringify({ hu: perfect, en: perfect, backend_agreement_top5: 0 }));
      const { code, output } = await runTypeScript('eval/run.ts', ['--thresholds', file, '--max-cases', '12'], { DATABASE_URL: undefined });
      expect(code, output).toBe(1);
      expect(output).toMatch(/below the thresholds in \S*thresholds\.json:\n {2}embedded hu precision_at_5 0\.\d{3} < 1/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);
});
