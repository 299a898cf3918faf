import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, csrfTokenFor, register, registerAndLogin, request as requestWithCsrf, strongPassword, TOKENS_IN_BODY, uniqueEmail } from '../helpers/auth-client.js';
import { testConfig } from '../helpers/backends.js';

/** Header name → expected value (a string, a pattern), or null: must be absent. */
type ExpectedHeaders = Readonly<Record<string, string | RegExp | null>>;
type HeaderSource = LightMyRequestResponse | Response;

/** The full SEC-004 set every response must carry, whatever produced it. */
const SECURITY_HEADERS: ExpectedHeaders = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '1; mode=block',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'content-security-policy': /^default-src 'self';/,
  'referrer-policy': 'no-referrer',
  'permissions-policy': /(^|, )camera=\(\)(,|$)/,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-powered-by': null,
  server: null,
};
const API_RESPONSE: ExpectedHeaders = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

function headerOf(response: HeaderSource, name: string): string | undefined {
  if (response instanceof Response) return response.headers.get(name) ?? undefined;
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value?.toString();
}

/** helmet's test style: every expected header has exactly this value; `null` means it must not be sent at all. */
function check(response: HeaderSource, expected: ExpectedHeaders): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = headerOf(response, name);
    if (value === null) expect(actual, name).toBeUndefined();
    else if (value instanceof RegExp) expect(actual, name).toMatch(value);
    else expect(actual, name).toBe(value);
  }
}

/** The CSP as directive name → source list. */
function cspDirectives(response: HeaderSource): Map<string, string[]> {
  const header = headerOf(response, 'content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0] !== undefined && tokens[0] !== '')
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

const OVERSIZED_BODY = { email: 'a@b.co', age: 1, pad: 'x'.repeat(70_000) };

describe('security headers on every response (SEC-004)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      beforeReady: (app) => {
        // Test-only routes under /api/ so every one of them is an API response.
        app.post('/api/v1/test-only/echo', { schema: { body: Type.Object({ email: Type.String({ format: 'email' }), age: Type.Integer({ minimum: 0 }) }) } }, async (request) => request.body);
        app.get('/api/v1/test-only/explode', async () => {
          throw new Error('unexpected failure');
        });
        app.get('/api/v1/test-only/unauthorized', async () => {
          throw new HttpError('token_invalid');
        });
        // A hook added after the app's own: it fails before any handler or later hook runs.
        app.addHook('onRequest', async (request) => {
          if (request.url === '/api/v1/test-only/early-hook-failure') throw new Error('early hook failed');
        });
        app.get('/api/v1/test-only/early-hook-failure', async () => ({ reached: true }));
      },
    });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it.each([
    { name: 'JSON 200', method: 'GET', url: '/api/v1/health', status: 200 },
    { name: 'unknown API route (404)', method: 'GET', url: '/api/v1/no-such-route', status: 404 },
    { name: '401 from a handler', method: 'GET', url: '/api/v1/test-only/unauthorized', status: 401 },
    { name: '403 from the CSRF check (no token)', method: 'POST', url: '/api/v1/test-only/echo', payload: { email: 'a@b.co', age: 1 }, csrf: false, status: 403 },
    { name: 'validation error (422)', method: 'POST', url: '/api/v1/test-only/echo', payload: { email: 'nope', age: -1 }, status: 422 },
    { name: 'body too large (413)', method: 'POST', url: '/api/v1/test-only/echo', payload: OVERSIZED_BODY, status: 413 },
    { name: 'malformed JSON (400)', method: 'POST', url: '/api/v1/test-only/echo', headers: { 'content-type': 'application/json' }, payload: '{"email":', status: 400 },
    { name: 'unsupported media type (415)', method: 'POST', url: '/api/v1/test-only/echo', headers: { 'content-type': 'text/xml' }, payload: '<a/>', status: 415 },
    { name: 'unexpected exception (500)', method: 'GET', url: '/api/v1/test-only/explode', status: 500 },
    { name: 'error thrown in an onRequest hook (500)', method: 'GET', url: '/api/v1/test-only/early-hook-failure', status: 500 },
    { name: 'undecodable URL, answered by the router (400)', method: 'GET', url: '/api/v1/%zz', status: 400 },
    { name: 'HEAD', method: 'HEAD', url: '/api/v1/health', status: 200 },
    { name: 'OpenAPI document', method: 'GET', url: '/api/v1/openapi.json', status: 200 },
    { name: 'Swagger UI page', method: 'GET', url: '/api/v1/docs', status: 200 },
    { name: 'Swagger UI script file', method: 'GET', url: '/api/v1/docs/static/swagger-ui-bundle.js', status: 200 },
    { name: 'Swagger UI initializer', method: 'GET', url: '/api/v1/docs/static/swagger-initializer.js', status: 200 },
  ] as const)('$name gets the full set', async (request) => {
    // Unsafe methods get a CSRF token, as a well-behaved client sends, unless the case is about its absence.
    const response = await requestWithCsrf(testApp.app, {
      method: request.method,
      url: request.url,
      csrf: !('csrf' in request),
      ...('headers' in request ? { headers: request.headers } : {}),
      ...('payload' in request ? { payload: request.payload } : {}),
    });
    expect(response.statusCode).toBe(request.status);
    check(response, API_RESPONSE);
  });

  it('every auth, account and session answer is no-store: the header hook sets it, no handler has to', async () => {
    const account = await registerAndLogin(testApp.app);
    const signedIn = bearer(account.tokens.access_token);
    const other = await register(testApp.app);
    const answers: [string, number, LightMyRequestResponse][] = [];
    const call = async (label: string, status: number, options: Parameters<typeof requestWithCsrf>[1]): Promise<LightMyRequestResponse> => {
      const response = await requestWithCsrf(testApp.app, options);
      answers.push([label, status, response]);
      return response;
    };
    await call('csrf-token', 200, { method: 'GET', url: '/api/v1/auth/csrf-token' });
    await call('session', 200, { method: 'GET', url: '/api/v1/auth/session', headers: signedIn });
    await call('register', 201, { method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('nostore'), password: strongPassword() }, remoteAddress: '10.200.0.1' });
    await call('login', 200, { method: 'POST', url: '/api/v1/auth/login', headers: TOKENS_IN_BODY, payload: { email: other.email, password: other.password } });
    await call('me', 200, { method: 'GET', url: '/api/v1/auth/me', headers: signedIn });
    await call('update me', 200, { method: 'PUT', url: '/api/v1/auth/me', headers: signedIn, payload: { full_name: 'No Store' } });
    await call('export', 200, { method: 'GET', url: '/api/v1/auth/me/export', headers: signedIn });
    await call('sessions', 200, { method: 'GET', url: '/api/v1/auth/sessions', headers: signedIn });
    await call('end an unknown session', 404, { method: 'DELETE', url: '/api/v1/auth/sessions/no-such-session', headers: signedIn });
    await call('forgot-password', 202, { method: 'POST', url: '/api/v1/auth/forgot-password', payload: { email: other.email } });
    await call('reset-password with a bad link', 400, { method: 'POST', url: '/api/v1/auth/reset-password', payload: { token: 'not-a-link', new_password: strongPassword() } });
    await call('refresh', 200, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: account.tokens.refresh_token } });
    await call('logout', 204, { method: 'POST', url: '/api/v1/auth/logout', payload: {} });
    await call('health', 200, { method: 'GET', url: '/health' });
    for (const [label, status, response] of answers) {
      expect(response.statusCode, label).toBe(status);
      expect(response.headers['cache-control'], label).toBe('no-store');
    }
  });

  it('answers outside /api/ with the same set, minus Cache-Control (static assets may be cached later)', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/no/such/page' });
    expect(response.statusCode).toBe(404);
    check(response, { ...SECURITY_HEADERS, 'cache-control': null });
  });

  it('sends exactly the same values on every response', async () => {
    const urls = ['/api/v1/health', '/api/v1/no-such-route', '/api/v1/test-only/explode', '/api/v1/docs'];
    const responses = await Promise.all(urls.map((url) => testApp.app.inject({ method: 'GET', url })));
    // The docs' CSP is the same policy plus one style hash for Swagger UI (issue 15 item 10): compared without it.
    const securityValues = responses.map((response) => Object.keys(API_RESPONSE).map((name) => headerOf(response, name)?.replace(/ 'sha256-[^']+'$/, '')));
    for (const values of securityValues) expect(values).toEqual(securityValues[0]);
  });

  it('has a CSP with no unsafe sources and the directives ASVS 3.4.3 asks for', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/docs' });
    const directives = cspDirectives(response);
    expect([...directives.keys()][0]).toBe('default-src');
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    for (const [name, sources] of directives) {
      expect(sources, name).not.toContain("'unsafe-inline'");
      expect(sources, name).not.toContain("'unsafe-eval'");
      expect(sources, name).not.toContain('*');
    }
  });

  it('denies powerful browser features', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/health' });
    const policy = headerOf(response, 'permissions-policy') ?? '';
    for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) expect(policy.split(', ')).toContain(`${feature}=()`);
  });

  describe('Swagger UI works under the CSP', () => {
    it('has no inline script, inline style or inline event handler in its HTML', async () => {
      const html = (await testApp.app.inject({ method: 'GET', url: '/api/v1/docs' })).body;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes = '', body = ''] of scripts) {
        // script-src 'self' with no hashes or nonces: every script must be a same-origin file.
        expect(attributes).toMatch(/\ssrc="\/api\/v1\/docs\/static\/[^"]+\.js"/);
        expect(body.trim()).toBe('');
      }
      expect(html).not.toMatch(/<style\b/i);
      expect(html).not.toMatch(/\sstyle\s*=/i);
      expect(html).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    });

    it('serves every script and stylesheet the page references, as files of the right type', async () => {
      const html = (await testApp.app.inject({ method: 'GET', url: '/api/v1/docs' })).body;
      const scripts = [...html.matchAll(/<script\b[^>]*\ssrc="([^"]+)"/gi)].map((match) => match[1] ?? '');
      const styles = [...html.matchAll(/<link rel="stylesheet"[^>]*\shref="([^"]+)"/gi)].map((match) => match[1] ?? '');
      expect(scripts).toContain('/api/v1/docs/static/swagger-initializer.js');
      expect(styles.length).toBeGreaterThanOrEqual(1);
      for (const [urls, type] of [
        [scripts, /^application\/javascript/],
        [styles, /^text\/css/],
      ] as const) {
        for (const url of urls) {
          const response = await testApp.app.inject({ method: 'GET', url });
          expect(response.statusCode, url).toBe(200);
          expect(response.headers['content-type'], url).toMatch(type);
          check(response, API_RESPONSE);
        }
      }
    });

    it('loads the spec from the same origin and calls no outside validator', async () => {
      const initializer = (await testApp.app.inject({ method: 'GET', url: '/api/v1/docs/static/swagger-initializer.js' })).body;
      expect(initializer).toContain("resolveUrl('./json')");
      expect(initializer).toContain('validatorUrl: null');
      const spec = await testApp.app.inject({ method: 'GET', url: '/api/v1/docs/json' });
      expect(spec.statusCode).toBe(200);
      expect(spec.json<{ info: { title: string } }>().info.title).toBe('AutoCognitix API');
    });
  });

  it('sends the set over a real socket too (200, 404, 413, 500)', async () => {
    await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = testApp.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const { token, cookies } = await csrfTokenFor(testApp.app);
    const csrfHeaders = { 'x-csrf-token': token, cookie: Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ') };
    const cases = [
      { url: '/api/v1/health', init: {}, status: 200 },
      { url: '/api/v1/nothing-here', init: {}, status: 404 },
      { url: '/api/v1/test-only/echo', init: { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeaders }, body: JSON.stringify(OVERSIZED_BODY) }, status: 413 },
      { url: '/api/v1/test-only/explode', init: {}, status: 500 },
    ];
    for (const { url, init, status } of cases) {
      const response = await fetch(`${base}${url}`, init);
      await response.arrayBuffer();
      expect(response.status, url).toBe(status);
      check(response, API_RESPONSE);
    }
  });
});

describe('X_XSS_PROTECTION', () => {
  it('switches the header to 0 and changes nothing else', async () => {
    const testApp = await startTestApp({ config: testConfig({ X_XSS_PROTECTION: '0' }) });
    try {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/health' });
      check(response, { ...API_RESPONSE, 'x-xss-protection': '0' });
    } finally {
      await testApp.close();
    }
  });
});
