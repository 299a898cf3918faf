import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { throwawayCertificate, type ThrowawayCertificate } from '../helpers/certificates.js';
import { freePort, startTypeScriptProcess, type RunningProcess } from '../helpers/process.js';
import { eventually } from '../helpers/time.js';

interface HttpsAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GET over TLS, trusting only `ca`: the throwaway certificate must verify for 127.0.0.1. */
async function httpsGet(url: string, ca: Buffer): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function waitForHttps(url: string, ca: Buffer, timeoutMs = 15_000): Promise<HttpsAnswer> {
  return eventually(() => httpsGet(url, ca), { timeoutMs, intervalMs: 100, what: `an HTTPS answer from ${url}` });
}

describe('the server speaks HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let certificate: ThrowawayCertificate;
  let server: RunningProcess | undefined;

  beforeAll(() => {
    certificate = throwawayCertificate();
  });
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('answers over TLS with HSTS and the security headers, and not over plain HTTP', async () => {
    const port = await freePort();
    server = startTypeScriptProcess('src/main.ts', [], {
      PORT: String(port),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-https-')),
      TLS_CERT_FILE: certificate.certFile,
      TLS_KEY_FILE: certificate.keyFile,
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
    });

    const answer = await waitForHttps(`https://127.0.0.1:${port}/api/v1/health`, certificate.certificate);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-security-policy']).toMatch(/^default-src 'self'/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(server.output()).toMatch(/"protocol":"https"/);

    // The port speaks TLS only: a plain-HTTP request gets no answer.
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    // And a client that does not trust the certificate refuses the connection.
    await expect(httpsGet(`https://127.0.0.1:${port}/api/v1/health`, Buffer.from(''))).rejects.toThrow(/self-signed|certificate/i);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses to start (exit 78) when the key does not match the certificate, naming the variable', async () => {
    const other = throwawayCertificate();
    server = startTypeScriptProcess('src/main.ts', [], {
      PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-https-')),
      TLS_CERT_FILE: certificate.certFile,
      TLS_KEY_FILE: other.keyFile,
    });
    expect(await server.exited).toBe(78);
    expect(server.output()).toMatch(/TLS_KEY_FILE: expected the private key of the certificate in TLS_CERT_FILE/);
    expect(server.output()).not.toMatch(/PRIVATE KEY|CERTIFICATE-/);
  });
});

describe('plain HTTP is redirected to HTTPS in production behind a trusted proxy', () => {
  let production: TestApp;

  beforeAll(async () => {
    // NODE_ENV=production needs secure cookies and a strong secret: testConfig generates the secret at run time.
    production = await startTestApp({ config: testConfig({ NODE_ENV: 'production', COOKIE_SECURE: 'true', TRUST_PROXY: 'true', PUBLIC_URL: 'https://api.example.com' }) });
  });
  afterAll(async () => {
    await production.close();
  });

  it('redirects a GET with 301 to the same path and query on https, without the port', async () => {
    const response = await production.app.inject({
      method: 'GET',
      url: '/api/v1/openapi.json?view=full&x=%2F',
      headers: { host: 'api.example.com:8080', 'x-forwarded-proto': 'http' },
    });
    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe('https://api.example.com/api/v1/openapi.json?view=full&x=%2F');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('redirects other methods with 308 so the method and body are kept', async () => {
    const response = await production.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' }, payload: {} });
    expect(response.statusCode).toBe(308);
    expect(response.headers.location).toBe('https://api.example.com/api/v1/auth/login');
  });

  it('issue 14 item 10: redirects only to the configured public host, whatever Host or X-Forwarded-Host say', async () => {
    for (const headers of [
      { host: 'internal:8000', 'x-forwarded-host': 'api.example.com' },
      { host: 'api.example.com', 'x-forwarded-host': 'evil.example' },
      { host: 'evil.example' },
    ]) {
      const response = await production.app.inject({ method: 'GET', url: '/api/v1/docs', headers: { ...headers, 'x-forwarded-proto': 'http' } });
      expect(response.statusCode).toBe(301);
      expect(response.headers.location).toBe('https://api.example.com/api/v1/docs');
    }
  });

  it('refuses a protocol-relative path (//elsewhere) instead of redirecting to it', async () => {
    const response = await production.app.inject({ method: 'GET', url: '//evil.example/x', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
    expect(response.headers.location).toBeUndefined();
  });

  it.each(['HTTPS', 'https'])('serves a request the proxy received over %s', async (proto) => {
    const response = await production.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { host: 'api.example.com', 'x-forwarded-proto': proto } });
    expect(response.statusCode).toBe(200);
  });

  it.each(['/health', '/api/v1/health', '/health?probe=lb'])('lets load balancers probe %s over plain HTTP', async (url) => {
    const response = await production.app.inject({ method: 'GET', url, headers: { host: '10.0.0.7:8000', 'x-forwarded-proto': 'http' } });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['a host with a path', 'evil.example/phish'],
    ['a host with user info', 'user@evil.example'],
    ['a host with spaces', 'api example com'],
    ['a host with a backslash', 'evil.example\\api.example.com'],
    ['a port without a host', ':8080'],
  ])('never reflects a hostile Host (%s) into the redirect', async (_name, host) => {
    const response = await production.app.inject({ method: 'GET', url: '/api/v1/docs', headers: { host, 'x-forwarded-proto': 'http' } });
    expect(response.headers.location ?? 'https://api.example.com/').toMatch(/^https:\/\/api\.example\.com\//);
    expect(response.headers['x-frame-options']).toBe('DENY');
  });
});

describe('when the redirect is off', () => {
  it.each([
    ['production without TRUST_PROXY', { NODE_ENV: 'production', COOKIE_SECURE: 'true' }],
    ['development with TRUST_PROXY', { NODE_ENV: 'development', TRUST_PROXY: 'true' }],
  ])('%s serves plain HTTP as is', async (_name, overrides) => {
    const testApp = await startTestApp({ config: testConfig(overrides) });
    try {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
      expect(response.statusCode).toBe(200);
    } finally {
      await testApp.close();
    }
  });
});

describe('TRUST_PROXY as an address list', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ NODE_ENV: 'production', COOKIE_SECURE: 'true', TRUST_PROXY: '10.0.0.0/8', PUBLIC_URL: 'https://api.example.com' }) });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('believes X-Forwarded-Proto from a listed proxy', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/openapi.json', remoteAddress: '10.1.2.3', headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' } });
    expect(response.statusCode).toBe(200);
  });

  it('ignores a spoofed X-Forwarded-Proto from anyone else, and redirects', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/openapi.json', remoteAddress: '203.0.113.9', headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' } });
    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe('https://api.example.com/api/v1/openapi.json');
  });

  it('ignores a spoofed X-Forwarded-Host from anyone else', async () => {
    const response = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/docs',
      remoteAddress: '203.0.113.9',
      headers: { host: 'api.example.com', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    });
    expect(response.headers.location).toBe('https://api.example.com/api/v1/docs');
  });
});
