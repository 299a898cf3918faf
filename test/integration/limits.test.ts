import net, { type AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/config/index.js';
import { ERROR_CATALOG, type ErrorCode } from '../../src/errors.js';
import { buildSecurityHeaders } from '../../src/security/headers.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { csrfTokenFor, request } from '../helpers/auth-client.js';

/**
 * Issue 8, limits: a body over 64 KiB is 413 with the security headers;
 * slow headers and slow or unfinished bodies (slowloris) are cut by the
 * server's request timeout; deep or huge JSON is refused, as a 4xx and
 * without echoing it back at length. Timeouts are tested on a real listening
 * server through raw sockets, with REQUEST_TIMEOUT_MS at its 1 s minimum.
 */

const BODY_LIMIT_BYTES = 64 * 1024;
const QUICK_ANALYZE = '/api/v1/diagnosis/quick-analyze';

interface RawAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Whether the server closed the connection (rather than the client giving up). */
  readonly closedByServer: boolean;
  /** Bytes of the drip the client got out before the server answered or closed. */
  readonly drippedBytes: number;
}

interface RawExchange {
  readonly port: number;
  /** Sent at once on connect. */
  readonly head: string;
  /** Then these bytes one at a time, `dripIntervalMs` apart (bounded by their number). */
  readonly drip?: string;
  readonly dripIntervalMs?: number;
  /** The client gives up (and the answer says so) after this long. */
  readonly giveUpAfterMs: number;
}

/**
 * Talks HTTP/1.1 over a plain socket, so the client controls pacing byte by
 * byte, and reads until the server closes. Bounded in bytes and in time.
 */
function rawExchange(exchange: RawExchange): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(exchange.port, '127.0.0.1');
    let received = '';
    let dripped = 0;
    let drip: NodeJS.Timeout | undefined;
    let closedByServer = true;
    const giveUp = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, exchange.giveUpAfterMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      socket.write(exchange.head);
      const bytes = exchange.drip ?? '';
      if (bytes === '') return;
      drip = setInterval(() => {
        if (dripped >= bytes.length || socket.destroyed || received !== '') {
          clearInterval(drip);
          return;
        }
        socket.write(bytes.charAt(dripped));
        dripped += 1;
      }, exchange.dripIntervalMs ?? 100);
    });
    socket.on('data', (chunk: string) => (received += chunk));
    // A reset after the answer is how some closes look from here; the answer is what counts.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(drip);
      const split = received.indexOf('\r\n\r\n');
      const head = split === -1 ? received : received.slice(0, split);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ statusCode: Number(statusLine.split(' ')[1] ?? 0), headers, body: split === -1 ? '' : received.slice(split + 4), closedByServer, drippedBytes: dripped });
    });
  });
}

function expectSecurityHeaders(headers: Record<string, unknown>, xXssProtection: '1; mode=block' | '0'): void {
  for (const [name, value] of Object.entries(buildSecurityHeaders({ xXssProtection }).api)) expect(headers[name], name).toBe(value);
}

function expectErrorBody(body: string, code: ErrorCode): void {
  expect((JSON.parse(body) as { error: unknown }).error).toEqual({ code, message: ERROR_CATALOG[code].message });
}

/** The request head for a POST with a valid CSRF token (cookies and header), as a browser would send it. */
function postHead(port: number, path: string, csrf: { token: string; cookies: Record<string, string> }, extra: Record<string, string>): string {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    'x-csrf-token': csrf.token,
    cookie: Object.entries(csrf.cookies)
      .map(([name, value]) => `${name}=${value}`)
      .join('; '),
    connection: 'close',
    ...extra,
  };
  return `POST ${path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

describe('issue 8: limits', () => {
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    testApp = await startTestApp();
    await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    port = (testApp.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const post = (payload: string): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method: 'POST', url: QUICK_ANALYZE, headers: { 'content-type': 'application/json' }, payload });

  describe('body size', () => {
    it('answers a body just over 64 KiB with 413 payload_too_large, the JSON error and every security header', async () => {
      const payload = JSON.stringify({ codes: ['P0301'], make: 'x'.repeat(BODY_LIMIT_BYTES) });
      expect(Buffer.byteLength(payload)).toBeGreaterThan(BODY_LIMIT_BYTES);
      const response = await post(payload);
      expect(response.statusCode).toBe(413);
      expectErrorBody(response.body, 'payload_too_large');
      expectSecurityHeaders(response.headers, testApp.config.xXssProtection);
    });

    it('accepts a body just under the limit (the limit is 64 KiB, not less)', async () => {
      const padding = 'x'.repeat(BODY_LIMIT_BYTES - 100);
      const response = await post(JSON.stringify({ codes: ['P0301'], make: padding }));
      expect(Buffer.byteLength(JSON.stringify({ codes: ['P0301'], make: padding }))).toBeLessThan(BODY_LIMIT_BYTES);
      // Parsed and validated (make is at most 64 characters), not refused for its size.
      expect(response.statusCode).toBe(422);
    });

    it('refuses a declared 100 MB body on a real socket at once, from Content-Length alone, with the headers', async () => {
      const csrf = await csrfTokenFor(testApp.app);
      const answer = await rawExchange({ port, head: `${postHead(port, QUICK_ANALYZE, csrf, { 'content-length': String(100 * 1024 * 1024) })}{"codes":[`, giveUpAfterMs: 10_000 });
      expect(answer.closedByServer).toBe(true);
      expect(answer.statusCode).toBe(413);
      expectErrorBody(answer.body, 'payload_too_large');
      expectSecurityHeaders(answer.headers, testApp.config.xXssProtection);
    });

    it('refuses a chunked body once it passes the limit, without a Content-Length to go by', async () => {
      const csrf = await csrfTokenFor(testApp.app);
      const chunk = 'x'.repeat(16 * 1024);
      const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
      const answer = await rawExchange({ port, head: `${postHead(port, QUICK_ANALYZE, csrf, { 'transfer-encoding': 'chunked' })}${chunks}0\r\n\r\n`, giveUpAfterMs: 10_000 });
      expect(answer.statusCode).toBe(413);
      expectErrorBody(answer.body, 'payload_too_large');
      expectSecurityHeaders(answer.headers, testApp.config.xXssProtection);
    });
  });

  describe('deep or huge JSON within the limit', () => {
    const depths = [10_000, 32_000];
    it.each(depths)('%i-level nested arrays (no stack overflow): 4xx with the JSON error, never 500', async (depth) => {
      const payload = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
      const response = await post(payload);
      expect(response.statusCode).toBe(422);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    });

    it.each(depths.map((depth) => Math.floor(depth / 3)))('%i-level nested objects: 422, never 500', async (depth) => {
      const payload = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
      const response = await post(payload);
      expect(response.statusCode).toBe(422);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    });

    it('deep nesting that hides a __proto__ key: 400 invalid_body (prototype poisoning), never 500', async () => {
      const depth = 5_000;
      const payload = `${'{"a":'.repeat(depth)}{"__proto__":{"polluted":1}}${'}'.repeat(depth)}`;
      const response = await post(payload);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('invalid_body');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a 60 KB JSON array of numbers where an object belongs: 422', async () => {
      const payload = JSON.stringify(Array.from({ length: 20_000 }, (_unused, index) => index % 100));
      expect(Buffer.byteLength(payload)).toBeGreaterThan(50_000);
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
      const response = await post(payload);
      expect(response.statusCode).toBe(422);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    });

    // With Ajv's allErrors, one error per offending item or key: the answer must not grow with them.
    it.each([
      ['20 000 numbers where at most 20 codes belong', JSON.stringify({ codes: Array.from({ length: 20_000 }, () => 1) })],
      ['6 000 unknown keys', JSON.stringify(Object.fromEntries([['codes', ['P0301']], ...Array.from({ length: 6_000 }, (_unused, index) => [`k${index}`, 0])]))],
    ])('%s: 422 whose details stay short (no amplification of the request)', async (_name, payload) => {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
      const response = await post(payload);
      expect(response.statusCode).toBe(422);
      const { error } = response.json<{ error: { code: string; details: unknown[] } }>();
      expect(error.code).toBe('validation_failed');
      expect(error.details.length).toBeGreaterThan(0);
      expect(error.details.length).toBeLessThanOrEqual(20);
      expect(Buffer.byteLength(response.body)).toBeLessThan(8 * 1024);
    });
  });
});

describe('issue 8: slow clients are cut by REQUEST_TIMEOUT_MS', () => {
  const REQUEST_TIMEOUT_MS = 1000;
  /** Each drip is far longer than the timeout (1.25 × 1 s): it ends only if the server does not cut it. */
  const DRIP_BYTES = 80;
  const DRIP_INTERVAL_MS = 100;
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }) });
    await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    port = (testApp.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('reads REQUEST_TIMEOUT_MS into the server; 30 s by default, refused under 1 s', () => {
    expect(testApp.config.requestTimeoutMs).toBe(REQUEST_TIMEOUT_MS);
    expect(testApp.app.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(testApp.app.server.headersTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(testConfig().requestTimeoutMs).toBe(30_000);
    for (const value of ['999', '0', 'soon', '1.5e3']) {
      let problems: readonly string[] = [];
      try {
        testConfig({ REQUEST_TIMEOUT_MS: value });
      } catch (error) {
        if (error instanceof ConfigurationError) problems = error.problems.map((problem) => problem.variable);
      }
      expect(problems, value).toEqual(['REQUEST_TIMEOUT_MS']);
    }
  });

  function expectCutWith408(answer: RawAnswer): void {
    expect(answer.closedByServer).toBe(true);
    expect(answer.drippedBytes).toBeLessThan(DRIP_BYTES);
    expect(answer.statusCode).toBe(408);
    expectErrorBody(answer.body, 'request_timeout');
    expectSecurityHeaders(answer.headers, testApp.config.xXssProtection);
  }

  it('headers sent a byte at a time (slowloris): 408 and the connection closed', async () => {
    const answer = await rawExchange({
      port,
      head: `GET /api/v1/health HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-slow: `,
      drip: 'a'.repeat(DRIP_BYTES),
      dripIntervalMs: DRIP_INTERVAL_MS,
      giveUpAfterMs: DRIP_BYTES * DRIP_INTERVAL_MS + 5_000,
    });
    expectCutWith408(answer);
  });

  it('a body sent a byte at a time: 408 and the connection closed', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const answer = await rawExchange({
      port,
      head: `${postHead(port, QUICK_ANALYZE, csrf, { 'content-length': String(DRIP_BYTES + 20) })}{"codes":`,
      drip: ' '.repeat(DRIP_BYTES),
      dripIntervalMs: DRIP_INTERVAL_MS,
      giveUpAfterMs: DRIP_BYTES * DRIP_INTERVAL_MS + 5_000,
    });
    expectCutWith408(answer);
  });

  it('a body that never comes: 408 and the connection closed', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const answer = await rawExchange({ port, head: postHead(port, QUICK_ANALYZE, csrf, { 'content-length': '100' }), giveUpAfterMs: DRIP_BYTES * DRIP_INTERVAL_MS });
    expect(answer.closedByServer).toBe(true);
    expect(answer.statusCode).toBe(408);
    expectErrorBody(answer.body, 'request_timeout');
  });

  it('keeps serving others while 20 slow clients drip, and cuts every one of them', async () => {
    const slow = Array.from({ length: 20 }, () =>
      rawExchange({
        port,
        head: `GET /api/v1/health HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-slow: `,
        drip: 'a'.repeat(DRIP_BYTES),
        dripIntervalMs: DRIP_INTERVAL_MS,
        giveUpAfterMs: DRIP_BYTES * DRIP_INTERVAL_MS + 5_000,
      }),
    );
    const healthy = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(healthy.status).toBe(200);
    for (const answer of await Promise.all(slow)) expectCutWith408(answer);
  });

  it('a request line Node cannot parse: 400 malformed_request in the JSON shape, with the headers', async () => {
    const answer = await rawExchange({ port, head: 'GET /api/v1/health HTTP/9.9 extra\r\n\r\n', giveUpAfterMs: 5_000 });
    expect(answer.statusCode).toBe(400);
    expectErrorBody(answer.body, 'malformed_request');
    expectSecurityHeaders(answer.headers, testApp.config.xXssProtection);
  });
});
