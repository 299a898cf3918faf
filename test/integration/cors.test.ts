import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';

const ALLOWED_ORIGIN = 'https://app.example.com';
const OTHER_ALLOWED_ORIGIN = 'http://localhost:5173';

function corsHeadersOf(response: LightMyRequestResponse): Record<string, unknown> {
  return Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.startsWith('access-control-')));
}

function listOf(value: unknown): string[] {
  return String(value)
    .split(',')
    .map((item) => item.trim().toLowerCase());
}

describe('CORS for the configured origins', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ CORS_ORIGINS: `${ALLOWED_ORIGIN}, ${OTHER_ALLOWED_ORIGIN}` }) });
  });
  afterAll(async () => {
    await testApp.close();
  });

  async function request(options: { method: 'GET' | 'OPTIONS' | 'POST'; url: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
    const response = await testApp.app.inject(options);
    // Never `*`, on any answer: a wildcard with credentials is what CORS forbids.
    for (const name of ['access-control-allow-origin', 'access-control-allow-headers', 'access-control-allow-methods']) {
      expect(String(response.headers[name] ?? ''), name).not.toContain('*');
    }
    return response;
  }

  it.each([ALLOWED_ORIGIN, OTHER_ALLOWED_ORIGIN])('lets %s read a response, with credentials', async (origin) => {
    const response = await request({ method: 'GET', url: '/api/v1/health', headers: { origin } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(listOf(response.headers.vary)).toContain('origin');
    // Preflight-only headers do not belong on a simple response.
    expect(response.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('lets an allowed origin read error responses too', async () => {
    const response = await request({ method: 'GET', url: '/api/v1/no-such-route', headers: { origin: ALLOWED_ORIGIN } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('answers a preflight from an allowed origin with the methods, headers and max-age', async () => {
    const response = await request({
      method: 'OPTIONS',
      url: '/api/v1/auth/login',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-csrf-token' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(listOf(response.headers['access-control-allow-methods']).sort()).toEqual(['delete', 'get', 'options', 'patch', 'post', 'put']);
    expect(listOf(response.headers['access-control-allow-headers']).sort()).toEqual(['authorization', 'content-type', 'x-csrf-token']);
    expect(response.headers['access-control-max-age']).toBe('600');
    expect(listOf(response.headers.vary)).toContain('origin');
    // The preflight is a response like any other: it carries the security headers.
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'self'/);
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['a look-alike suffix', 'https://app.example.com.evil.example'],
    ['a different scheme', 'http://app.example.com'],
    ['a different port', 'https://app.example.com:8443'],
    ['different letter case', 'https://APP.example.com'],
    ['the opaque origin "null"', 'null'],
  ])('sends no CORS header at all to %s', async (_name, origin) => {
    const simple = await request({ method: 'GET', url: '/api/v1/health', headers: { origin } });
    expect(simple.statusCode).toBe(200);
    expect(corsHeadersOf(simple)).toEqual({});
    expect(listOf(simple.headers.vary)).toContain('origin');

    const preflight = await request({
      method: 'OPTIONS',
      url: '/api/v1/auth/login',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-csrf-token' },
    });
    expect(corsHeadersOf(preflight)).toEqual({});
    expect(preflight.statusCode).toBe(404);
    expect(preflight.headers['x-frame-options']).toBe('DENY');
  });

  it('sends no CORS header to a request without an Origin (same-origin or not a browser)', async () => {
    const response = await request({ method: 'GET', url: '/api/v1/health' });
    expect(corsHeadersOf(response)).toEqual({});
  });
});

describe('CORS with no origins configured', () => {
  it('allows no origin at all', async () => {
    const testApp = await startTestApp({ config: testConfig({ CORS_ORIGINS: '' }) });
    try {
      for (const origin of [ALLOWED_ORIGIN, 'https://evil.example']) {
        const simple = await testApp.app.inject({ method: 'GET', url: '/api/v1/health', headers: { origin } });
        expect(corsHeadersOf(simple)).toEqual({});
        const preflight = await testApp.app.inject({ method: 'OPTIONS', url: '/api/v1/health', headers: { origin, 'access-control-request-method': 'GET' } });
        expect(corsHeadersOf(preflight)).toEqual({});
      }
    } finally {
      await testApp.close();
    }
  });
});
