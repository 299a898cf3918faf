import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/auth-client.js';
import { jsonLines } from '../helpers/log-capture.js';

/** The request logger is made lazily (src/observability/lazy-child-logger.ts): request logs must not change. */
describe('request logs with the lazy request logger', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ captureLogs: 'info' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  function logLines(): Record<string, unknown>[] {
    return jsonLines(testApp.logs());
  }

  it('logs "incoming request" and "request completed" with the request id, as before', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens.access_token) });
    expect(response.statusCode).toBe(200);
    const incoming = logLines().filter((line) => line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === '/api/v1/auth/me');
    expect(incoming).toHaveLength(1);
    const requestId = incoming[0]?.reqId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = logLines().filter((line) => line.reqId === requestId);
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines[0]).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/v1/auth/me' } });
    expect(lines[1]).toMatchObject({ level: 30, res: { statusCode: 200 } });
    expect(testApp.logs()).not.toContain(tokens.access_token);
  });
});
