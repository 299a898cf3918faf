/**
 * Runs once before the suite: says which backends this run covers, so a log
 * shows whether the embedded default or Redis + PostgreSQL was under test.
 */
export default function setup(): void {
  const database = process.env.DATABASE_URL ? 'postgres (DATABASE_URL)' : 'embedded sqlite';
  const store = process.env.REDIS_URL ? 'redis (REDIS_URL)' : 'embedded sqlite';
  process.stdout.write(`\nbackends under test: database=${database}, store=${store}\n`);
}
