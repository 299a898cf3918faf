import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, login, logout, me, register, request, uniqueEmail } from '../helpers/auth-client.js';
import { generatedSecret, testConfig } from '../helpers/backends.js';

/** The value of one sample line (`name{labels} value`) in a scrape, or undefined when absent. */
function sampleValue(scrape: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    const present = labelPart === '' ? [] : labelPart.split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('GET /metrics in development and test', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('is open and answers the Prometheus text format, never cached', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(metricsRegistry.contentType);
    expect(response.headers['cache-control']).toBe('no-store');
    // The security headers are on this response too.
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it("registers the seed's metric names exactly, and the denylist latency histogram spans 0.05 ms to 50 ms", async () => {
    const scrape = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'security_tokens_blacklisted_total',
      'security_csrf_tokens_generated_total',
      'security_csrf_validations_failed_total',
      'security_redis_blacklist_latency_ms',
      'security_password_reset_tokens_issued',
      'security_denylist_entries',
      'security_log_secret_leaks_total',
      'security_store_errors_total',
      'security_login_failures_total',
      'security_refresh_rate_limited_total',
      'security_refresh_reuse_total',
      'http_request_duration_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(scrape).toContain(`# TYPE ${name} `);
    }
    expect(scrape).toContain('# TYPE security_redis_blacklist_latency_ms histogram');
    expect(scrape).toContain('# TYPE security_denylist_entries gauge');
    expect(scrape).toMatch(/^security_redis_blacklist_latency_ms_bucket\{le="0\.05"\} /m);
    expect(scrape).toMatch(/^security_redis_blacklist_latency_ms_bucket\{le="50"\} /m);
    // Failure reasons start at zero, so an alert sees the very first failure.
    expect(sampleValue(scrape, 'security_csrf_validations_failed_total', { reason: 'csrf_origin' })).toBeTypeOf('number');
  });

  it('counts CSRF failures by reason', async () => {
    const before = sampleValue((await testApp.app.inject({ method: 'GET', url: '/metrics' })).body, 'security_csrf_validations_failed_total', { reason: 'csrf_missing' }) ?? 0;
    const refused = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: {}, csrf: false });
    expect(refused.statusCode).toBe(403);
    const after = sampleValue((await testApp.app.inject({ method: 'GET', url: '/metrics' })).body, 'security_csrf_validations_failed_total', { reason: 'csrf_missing' });
    expect(after).toBe(before + 1);
  });

  it('labels request durations with the route pattern and status, never the raw URL', async () => {
    const code = 'P0301';
    // The registry is the process's: other tests' requests count too, so compare with a scrape before.
    const requestsBefore = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;
    const lookup = await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/${code}` });
    const secretPath = `/no-such-route/${randomBytes(8).toString('hex')}`;
    const missing = await testApp.app.inject({ method: 'GET', url: secretPath });
    expect(missing.statusCode).toBe(404);
    const posted = await testApp.app.inject({ method: 'POST', url: secretPath, payload: {} });

    const scrape = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;
    const added = (labels: Record<string, string>): number => (sampleValue(scrape, 'http_request_duration_seconds_count', labels) ?? 0) - (sampleValue(requestsBefore, 'http_request_duration_seconds_count', labels) ?? 0);
    expect(added({ route: '/api/v1/dtc/:code', method: 'GET', status_code: String(lookup.statusCode) })).toBe(1);
    expect(added({ route: 'unmatched', method: 'GET', status_code: '404' })).toBe(1);
    expect(added({ route: 'unmatched', method: 'POST', status_code: String(posted.statusCode) })).toBe(1);
    expect(scrape).not.toContain(code);
    expect(scrape).not.toContain(secretPath);
  });

  it('never carries a user id, email or token in any label, after a whole session', async () => {
    const email = uniqueEmail('metrics-canary');
    const meBefore = sampleValue((await testApp.app.inject({ method: 'GET', url: '/metrics' })).body, 'http_request_duration_seconds_count', { route: '/api/v1/auth/me', method: 'GET', status_code: '200' }) ?? 0;
    const account = await register(testApp.app, email);
    const tokens = await login(testApp.app, account.email, account.password);
    expect((await me(testApp.app, tokens.access_token)).statusCode).toBe(200);
    const refused = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me', headers: bearer(`${tokens.access_token}x`) });
    expect(refused.statusCode).toBe(401);
    expect((await logout(testApp.app, tokens)).statusCode).toBe(204);
    const scrape = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const secret of [email, email.split('@')[0] ?? email, account.id, tokens.access_token, tokens.refresh_token, tokens.access_token.split('.')[1] ?? '']) {
      expect(scrape).not.toContain(secret);
    }
    expect(sampleValue(scrape, 'http_request_duration_seconds_count', { route: '/api/v1/auth/me', method: 'GET', status_code: '200' })).toBe(meBefore + 1);
  });
});

describe('GET /metrics in production', () => {
  // SMTP_URL: production requires somewhere to send password-reset mail.
  const productionEnvironment = { NODE_ENV: 'production', COOKIE_SECURE: 'true', SMTP_URL: 'smtp://127.0.0.1:2525' };
  let withToken: TestApp;
  let withoutToken: TestApp;
  const metricsToken = generatedSecret();

  beforeAll(async () => {
    withToken = await startTestApp({ config: testConfig({ ...productionEnvironment, METRICS_TOKEN: metricsToken }) });
    withoutToken = await startTestApp({ config: testConfig(productionEnvironment) });
  });
  afterAll(async () => {
    await withToken.close();
    await withoutToken.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['another token', `Bearer ${generatedSecret()}`],
    ['the token with one character more', `Bearer ${metricsToken}x`],
    ['a prefix of the token', `Bearer ${metricsToken.slice(0, 20)}`],
    ['the token without the Bearer scheme', metricsToken],
    ['Basic credentials', `Basic ${Buffer.from(`prometheus:${metricsToken}`).toString('base64')}`],
  ])('refuses %s with 401 and a Bearer challenge', async (_case, authorization) => {
    const response = await withToken.app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(response.json<{ error: { code: string } }>().error.code).toBe('authentication_required');
    expect(response.body).not.toContain('# HELP');
  });

  it('serves the metrics to the bearer of METRICS_TOKEN', async () => {
    const response = await withToken.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('# TYPE security_tokens_blacklisted_total counter');
  });

  it('serves nothing on the API port without METRICS_TOKEN', async () => {
    const response = await withoutToken.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('# HELP');
  });
});
