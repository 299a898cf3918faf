import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildSecurityHeaders, headersFromHelmet, isNoStorePath, securityHeaders } from '../../src/security/headers.js';

describe('the precomputed security header set', () => {
  const headers = buildSecurityHeaders({ xXssProtection: '1; mode=block' });

  it('holds the seed values (SEC-004) and the OWASP additions', () => {
    expect(headers.other).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'x-xss-protection': '1; mode=block',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(headers.other['content-security-policy']).toBe(
      "default-src 'self';base-uri 'none';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;" +
        "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self'",
    );
    expect(headers.other['permissions-policy']).toMatch(/^accelerometer=\(\), .*camera=\(\), .*geolocation=\(\), .*microphone=\(\)/);
    expect(headers.other).not.toHaveProperty('x-powered-by');
    expect(headers.other).not.toHaveProperty('cache-control');
  });

  it('differs for API responses only by Cache-Control: no-store', () => {
    const { 'cache-control': cacheControl, ...rest } = headers.api;
    expect(cacheControl).toBe('no-store');
    expect(rest).toEqual(headers.other);
  });

  it('uses lower-case names and string values only', () => {
    for (const [name, value] of Object.entries(headers.api)) {
      expect(name).toBe(name.toLowerCase());
      expect(typeof value).toBe('string');
    }
  });

  it('is frozen, so no request can change what the next one gets', () => {
    expect(Object.isFrozen(headers)).toBe(true);
    expect(Object.isFrozen(headers.api)).toBe(true);
    expect(Object.isFrozen(headers.other)).toBe(true);
    expect(() => {
      (headers.api as Record<string, string>)['x-frame-options'] = 'ALLOWALL';
    }).toThrow(TypeError);
  });

  it('takes X-XSS-Protection from the configuration', () => {
    expect(buildSecurityHeaders({ xXssProtection: '0' }).api['x-xss-protection']).toBe('0');
  });
});

describe('headersFromHelmet', () => {
  it('reads what helmet sets, including its defaults for the headers we do not configure', () => {
    const headers = headersFromHelmet({});
    expect(headers).toMatchObject({ 'x-frame-options': 'SAMEORIGIN', 'x-dns-prefetch-control': 'off', 'x-xss-protection': '0', 'origin-agent-cluster': '?1' });
  });

  it.each([
    ['an unknown Referrer-Policy', { referrerPolicy: { policy: 'sometimes' as 'no-referrer' } }, /Referrer-Policy/],
    ['a negative HSTS max-age', { strictTransportSecurity: { maxAge: -1 } }, /Strict-Transport-Security/],
    ['a CSP without default-src', { contentSecurityPolicy: { useDefaults: false, directives: { 'script-src': ["'self'"] } } }, /default-src/],
    ['an unquoted CSP keyword', { contentSecurityPolicy: { directives: { 'script-src': ['self'] } } }, /should be quoted/],
    ['a CSP source computed per request', { contentSecurityPolicy: { directives: { 'script-src': [() => "'nonce-abc'"] } } }, /must be static/],
  ])('fails loudly on %s', (_name, options, message) => {
    expect(() => headersFromHelmet(options)).toThrow(message);
  });
});

describe('isNoStorePath', () => {
  it.each([
    ['/api/v1/health', true],
    ['/api/v1/docs/static/swagger-ui.css', true],
    ['/api', true],
    ['/api?x=1', true],
    ['/health', true],
    ['/health?probe=lb', true],
    ['/health/', true],
    ['/', false],
    ['/apiary', false],
    ['/healthz', false],
    ['/assets/app.js', false],
    ['/index.html?/api/', false],
  ])('%s → %s', (url, expected) => {
    expect(isNoStorePath(url)).toBe(expected);
  });
});

describe('the plugin', () => {
  it('sets the set on a bare Fastify app, before any route hook or handler runs', async () => {
    const headers = buildSecurityHeaders({ xXssProtection: '1; mode=block' });
    const app = Fastify();
    await app.register(securityHeaders, { headers });
    let seenByHandler: unknown;
    app.get('/api/v1/probe', async (_request, reply) => {
      seenByHandler = reply.getHeader('x-frame-options');
      return { ok: true };
    });
    app.get('/page', async () => 'page');
    try {
      const api = await app.inject({ method: 'GET', url: '/api/v1/probe' });
      const page = await app.inject({ method: 'GET', url: '/page' });
      expect(seenByHandler).toBe('DENY');
      for (const [name, value] of Object.entries(headers.api)) expect(api.headers[name], name).toBe(value);
      for (const [name, value] of Object.entries(headers.other)) expect(page.headers[name], name).toBe(value);
      expect(page.headers['cache-control']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
