import type { TestProject } from 'vitest/node';

/**
 * Runs once per project before its files: says which backends the project
 * covers, so a log shows whether the embedded default or Redis + PostgreSQL
 * was under test.
 */
export default function setup(project: TestProject): void {
  const embedded = project.config.env.TEST_BACKEND === 'embedded';
  const database = embedded ? 'embedded sqlite' : 'postgres (DATABASE_URL)';
  const store = embedded ? 'embedded sqlite' : 'redis (REDIS_URL)';
  process.stdout.write(`\n[${project.name}] backends under test: database=${database}, store=${store}\n`);
}
