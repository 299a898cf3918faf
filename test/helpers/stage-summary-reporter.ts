import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export interface ProjectSummary {
  readonly project: string;
  readonly files: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/**
 * A vitest reporter for `npm test` (scripts/test.mjs): counts each project's
 * tests by outcome and writes them to TEST_SUMMARY_FILE, so the summary shows
 * one line per backend. Writes nothing when the variable is unset.
 */
export default class StageSummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const target = process.env.TEST_SUMMARY_FILE;
    if (target === undefined || target === '') return;
    const byProject = new Map<string, { files: number; passed: number; failed: number; skipped: number }>();
    for (const testModule of testModules) {
      const counts = byProject.get(testModule.project.name) ?? { files: 0, passed: 0, failed: 0, skipped: 0 };
      counts.files += 1;
      // A file that failed to load has no tests: count it as a failure.
      if (testModule.state() === 'failed' && [...testModule.children.allTests()].length === 0) counts.failed += 1;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
      byProject.set(testModule.project.name, counts);
    }
    const summaries: ProjectSummary[] = [...byProject].map(([project, counts]) => ({ project, ...counts }));
    writeFileSync(target, JSON.stringify(summaries));
  }
}
