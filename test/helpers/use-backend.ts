/**
 * Runs before every test file (vitest setupFiles): the embedded project
 * forgets REDIS_URL and DATABASE_URL, so its files and the servers and CLIs
 * they start use the SQLite file; the redis-postgres project keeps them.
 */
if (process.env.TEST_BACKEND === 'embedded') {
  delete process.env.REDIS_URL;
  delete process.env.DATABASE_URL;
}
