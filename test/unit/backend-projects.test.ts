import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendDependentTestFiles } from '../helpers/backend-projects.js';
import { testConfig } from '../helpers/backends.js';

const projectRoot = path.resolve(import.meta.dirname, '../..');

describe('the backend a test file runs on', () => {
  it('is the one its vitest project names: embedded forgets REDIS_URL and DATABASE_URL, redis-postgres keeps them', () => {
    const config = testConfig();
    if (process.env.TEST_BACKEND === 'embedded') {
      expect([config.redisUrl, config.databaseUrl]).toEqual([undefined, undefined]);
    } else {
      expect(process.env.TEST_BACKEND).toBe('redis-postgres');
      expect(config.redisUrl).toMatch(/^rediss?:\/\//);
      expect(config.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
    }
  });
});

describe('backendDependentTestFiles', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'backend-projects-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const write = (file: string, source: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  };
  write('test/helpers/backends.ts', 'export const url = process.env.DATABASE_URL;\n');
  write('test/helpers/app.ts', "import { url } from './backends.js';\nexport const app = url;\n");
  write('test/helpers/pure.ts', 'export const two = 2;\n');
  write('test/unit/pure.test.ts', "import { two } from '../helpers/pure.js';\nimport { x } from '../../src/x.js';\n");
  write('test/integration/through-helper.test.ts', "import { app } from '../helpers/app.js';\n");
  write('test/integration/reads-redis.test.ts', "const url = process.env['REDIS_URL'];\n");
  write('test/integration/passes-env-on.test.ts', 'spawn(cmd, [], { env: { ...process.env, A: "1" } });\n');
  write('test/integration/same-servers.test.ts', '// @backend-independent: always the local servers\nconst url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";\n');

  it('takes the files that read REDIS_URL / DATABASE_URL or pass the environment on, also through helpers, unless they say why not', () => {
    expect(backendDependentTestFiles(root)).toEqual([
      'test/integration/passes-env-on.test.ts',
      'test/integration/reads-redis.test.ts',
      'test/integration/through-helper.test.ts',
    ]);
  });

  it("on this repository: the store contract and the API tests run on both backends, pure unit tests once", () => {
    const dependent = backendDependentTestFiles(projectRoot);
    expect(dependent).toEqual(expect.arrayContaining(['test/integration/stores.contract.test.ts', 'test/integration/auth-api.test.ts', 'test/e2e/web-app.test.ts']));
    expect(dependent).not.toContain('test/unit/vin.test.ts');
  });
});
