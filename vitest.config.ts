import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // web-build: test/e2e drives the built front end, and the server serves web/dist.
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/web-build.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests that need a database use their own schema/prefix, so files may run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
