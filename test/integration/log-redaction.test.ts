import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/observability/index.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { request } from '../helpers/auth-client.js';

const canary = (label: string): string => `CANARY${label}${randomBytes(8).toString('hex')}`;

describe('logs never carry credentials', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      captureLogs: 'trace',
      beforeReady: (app) => {
        // The careless handler this test guards against: it dumps everything it got.
        app.post('/test/careless', async (request) => {
          request.log.info({ headers: request.headers, body: request.body }, 'careless dump');
          request.log.warn(`connecting to postgres://app:${String((request.body as { password?: string }).password)}@db:5432/app`);
          return { ok: true };
        });
      },
    });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('a request with a bearer token, cookies and a login body leaves no secret in the log output', async () => {
    const bearer = canary('bearer');
    const password = canary('password');
    const cookie = canary('cookie');
    const refresh = canary('refresh');
    const response = await request(testApp.app, {
      method: 'POST',
      url: '/test/careless',
      headers: { authorization: `Bearer ${bearer}`, cookie: `access_token=${cookie}` },
      payload: { email: 'driver@example.com', password, refresh_token: refresh },
    });
    expect(response.statusCode).toBe(200);
    const logs = testApp.logs();
    expect(logs).toContain('careless dump');
    expect(logs).toContain('driver@example.com');
    for (const secret of [bearer, password, cookie, refresh]) expect(logs).not.toContain(secret);
    expect(logs).toContain('postgres://app:********@db:5432/app');
  });
});

describe('issue 14 item 6: client-supplied secret look-alikes never fire the CredentialLeak alert', () => {
  it('anonymous searches with a JWT-shaped query or a user:password URL are masked in the log and counted nowhere', async () => {
    const testApp = await startTestApp({ captureLogs: 'trace' });
    try {
      const leakTotal = async (): Promise<number> => (await securityMetrics.logSecretLeaks.get()).values.reduce((sum, value) => sum + value.value, 0);
      const before = await leakTotal();
      const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const lookAlike = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x' })}.${randomBytes(32).toString('base64url')}`;
      const password = canary('urlpass');
      const statuses: number[] = [];
      for (const query of [`q=${lookAlike}`, `u=https://u:${password}@host.example/`, `q=https://u:${password}@host.example/`]) {
        statuses.push((await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/search?${query}` })).statusCode);
      }
      // Each is an ordinary search (an unknown parameter is ignored), logged with its URL.
      expect(statuses).toEqual([200, 200, 200]);
      const logs = testApp.logs();
      expect(logs).toContain('/api/v1/dtc/search');
      expect(logs).not.toContain(lookAlike);
      expect(logs).not.toContain(password);
      expect(await leakTotal()).toBe(before);
    } finally {
      await testApp.close();
    }
  });
});

describe('the log scrubber', () => {
  it.each([
    ['a URL password', 'redis://default:hunter2-x@cache:6379', 'redis://default:********@cache:6379'],
    ['a bearer token', 'Authorization: Bearer abc.def-ghi', 'Authorization: Bearer ********'],
    ['a JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end', 'token ******** end'],
  ])('masks %s', (_name, input, expected) => {
    expect(scrubSecrets(input)).toEqual({ line: expected, masked: true });
  });

  it('leaves ordinary lines alone', () => {
    expect(scrubSecrets('{"msg":"GET /api/v1/dtc/P0301 200","url":"https://example.com/x"}')).toEqual({
      line: '{"msg":"GET /api/v1/dtc/P0301 200","url":"https://example.com/x"}',
      masked: false,
    });
  });
});
