import { defineConfig } from 'vitest/config';
import { backendDependentTestFiles } from './test/helpers/backend-projects.js';

const root = import.meta.dirname;
const redisUrl = process.env.REDIS_URL ?? '';
const databaseUrl = process.env.DATABASE_URL ?? '';
/** With both URLs set, the files that depend on the backend run a second time, on Redis + PostgreSQL, in the same run. */
const realServers = redisUrl !== '' && databaseUrl !== '';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests that need a database use their own schema/prefix, so files may run in parallel, across projects too.
    fileParallelism: true,
    maxWorkers: 2,
    // A worker runs file after file of its project with the modules it already loaded: loading the app anew took ~2 s a file,
    // a quarter of the suite's time. Files own their state (an app, a schema or prefix, a temp folder) and close it in afterAll;
    // fake timers are put back in afterEach. Workers are never shared across projects, so each keeps its backend.
    isolate: false,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'embedded',
          include: ['test/**/*.test.ts'],
          // web-build: test/e2e drives the built front end, and the server serves web/dist.
          globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/web-build.ts'],
          setupFiles: ['test/helpers/use-backend.ts'],
          env: { TEST_BACKEND: 'embedded' },
        },
      },
      ...(realServers
        ? [
            {
              extends: true as const,
              test: {
                name: 'redis-postgres',
                include: backendDependentTestFiles(root),
                // Its browser tests need web/dist too when this project runs alone.
                globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/web-build.ts'],
                setupFiles: ['test/helpers/use-backend.ts'],
                env: { TEST_BACKEND: 'redis-postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
