import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { CONTENT_SECURITY_POLICY_DIRECTIVES } from '../../src/security/headers.js';
import { jsonLines } from '../helpers/log-capture.js';
import { projectRoot } from '../helpers/process.js';
import { testPostgresUrl } from '../helpers/test-databases.js';

/** Issue 15 items 6 and 7: what a new operator meets in the first hour. */

const tempDataDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'autocognitix-first-hour-'));

describe('autocognitix --version', () => {
  it.each([['--version'], ['-V']])('%s prints the release version and exits 0', async (flag) => {
    const { version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli([flag], { NODE_ENV: 'test', DATA_DIR: tempDataDir() });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});

describe('health-check explains what failed', () => {
  it('a PostgreSQL database that does not exist: the code and "database does not exist", exit 1', async () => {
    const result = await runCli(['health-check'], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tempDataDir(), DATABASE_URL: testPostgresUrl('no_such_database_here') });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^database\s+postgres\s+FAIL\s.*unavailable \(3D000: database does not exist\)$/m);
    expect(result.output).not.toContain('no_such_database_here');
  });
});

describe('an anonymous 401 is routine, not an info-level rejection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ captureLogs: 'debug' });
  });
  afterAll(async () => {
    await app.close();
  });

  const rejections = (): Record<string, unknown>[] => jsonLines(app.logs()).filter((line) => line.msg === 'request rejected');

  it('no credentials at all: logged at debug', async () => {
    const before = rejections().length;
    const response = await app.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(response.statusCode).toBe(401);
    expect(rejections().slice(before)).toMatchObject([{ level: 20, code: 'authentication_required', status: 401 }]);
  });

  it('a token that was presented and refused: still logged at info', async () => {
    const before = rejections().length;
    const response = await app.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer not-a-token' } });
    expect(response.statusCode).toBe(401);
    expect(rejections().slice(before)).toMatchObject([{ level: 30, code: 'token_invalid', status: 401 }]);
  });
});

describe('Swagger UI gets its own CSP, the app keeps its own (item 10)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const policy = async (url: string): Promise<string> => String((await app.app.inject({ method: 'GET', url })).headers['content-security-policy']);
  const STYLE_HASH = /style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='$/;

  it.each(['/api/v1/docs/', '/api/v1/docs/static/swagger-ui-bundle.js'])('%s: the app policy plus the hash of the one inline stylesheet', async (url) => {
    const docs = await policy(url);
    expect(docs).toMatch(STYLE_HASH);
    expect(docs).not.toContain('unsafe-inline');
    expect(docs.replace(/ 'sha256-[^']+'$/, '')).toBe(await policy('/api/v1/health'));
  });

  it.each(['/', '/api/v1/health', '/api/v1/openapi.json', '/api/v1/no-such-route'])('%s: style-src stays exactly the app policy', async (url) => {
    expect(await policy(url)).toContain(`style-src ${CONTENT_SECURITY_POLICY_DIRECTIVES['style-src'].join(' ')}`);
    expect(await policy(url)).not.toMatch(/sha256-/);
  });
});
