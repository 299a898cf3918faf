import { createHash } from 'node:crypto';
import { IncomingMessage, STATUS_CODES, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { ERROR_CATALOG, errorBody, type ErrorCode } from '../errors.js';
import { recordOperationDuration } from '../observability/slow-operations.js';

/** The two values `X_XSS_PROTECTION` accepts: the seed's `1; mode=block`, or `0` as OWASP now advises. */
export type XssProtectionValue = '1; mode=block' | '0';

export interface SecurityHeaderOptions {
  readonly xXssProtection: XssProtectionValue;
}

/** Header name (lower case) → value. Frozen: every response shares the same object. */
export type HeaderSet = Readonly<Record<string, string>>;

/** The precomputed headers: one set for API responses (never cached), one for everything else. */
export interface SecurityHeaderSet {
  /** Under `/api/` and `/health`: the security headers plus `Cache-Control: no-store`. */
  readonly api: HeaderSet;
  /** Everything else (static assets may be cached later): the security headers only. */
  readonly other: HeaderSet;
}

/**
 * Content-Security-Policy. No `'unsafe-inline'` or `'unsafe-eval'` anywhere
 * (OWASP ASVS 5.0 3.4.3): the web app loads every script and stylesheet from
 * files; Swagger UI's docs get one hash more ({@link docsContentSecurityPolicy}).
 * `upgrade-insecure-requests` is left out
 * because it breaks the docs page on a plain-HTTP development server, and HSTS
 * already keeps browsers on HTTPS in production.
 */
export const CONTENT_SECURITY_POLICY_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  // Swagger UI draws its icons as data: SVGs.
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const satisfies Record<string, readonly string[]>;

/** Powerful browser features, all denied: an API and its docs need none of them. Helmet does not set this header. */
export const DENIED_BROWSER_FEATURES: readonly string[] = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'usb',
  'xr-spatial-tracking',
];

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY_DIRECTIVES },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: false },
  xFrameOptions: { action: 'deny' },
  // Helmet only knows `0`; the configured value is added below instead.
  xXssProtection: false,
};

/**
 * Runs helmet's middleware once against a real, unsent `ServerResponse` and
 * returns the headers it set. Helmet validates its options and builds each
 * value when constructed; only static values are allowed here, so the result
 * is the same for every request.
 */
export function headersFromHelmet(options: Readonly<HelmetOptions>): HeaderSet {
  const csp = options.contentSecurityPolicy;
  for (const [directive, value] of Object.entries(typeof csp === 'object' ? (csp.directives ?? {}) : {})) {
    // A function would be evaluated once here, against an empty request, and its answer reused for everyone.
    if (value !== null && typeof value === 'object' && [...value].some((entry) => typeof entry === 'function')) {
      throw new Error(`Content-Security-Policy directive ${directive} must be static: computed values are not supported`);
    }
  }
  const socket = new Socket();
  const response = new ServerResponse(new IncomingMessage(socket));
  let finished = false as boolean; // set inside the callback
  try {
    helmet(options)(response.req, response, (error?: unknown) => {
      if (error !== undefined) throw error instanceof Error ? error : new Error('helmet rejected its configuration');
      finished = true;
    });
  } finally {
    socket.destroy();
  }
  if (!finished) throw new Error('helmet did not finish synchronously: security headers must not depend on the request');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.getHeaders())) {
    if (typeof value !== 'string') throw new Error(`helmet produced a non-string value for ${name}`);
    headers[name] = value;
  }
  return headers;
}

/**
 * Computes every security header once, at start-up. The per-request work is
 * only choosing between the two frozen sets.
 *
 * @example
 * const headers = buildSecurityHeaders({ xXssProtection: '1; mode=block' });
 * headers.api['x-frame-options']; // 'DENY'
 */
export function buildSecurityHeaders(options: SecurityHeaderOptions): SecurityHeaderSet {
  const other: HeaderSet = Object.freeze({
    ...headersFromHelmet(HELMET_OPTIONS),
    'permissions-policy': DENIED_BROWSER_FEATURES.map((feature) => `${feature}=()`).join(', '),
    'x-xss-protection': options.xXssProtection,
  });
  const api: HeaderSet = Object.freeze({ ...other, 'cache-control': 'no-store' });
  return Object.freeze({ api, other });
}

/**
 * The one inline stylesheet Swagger UI injects: the classes of the SVG logo in
 * its top bar. Chromium reports it as a `style-src` violation under the app's
 * policy. The docs path alone allows exactly this text by its hash (no
 * `'unsafe-inline'`); an upgrade that changes it shows up as a CSP violation
 * in the browser test of the docs page.
 */
export const SWAGGER_UI_INLINE_STYLE = '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}';

/**
 * Content-Security-Policy for `/api/v1/docs` only: the app's policy with the
 * hash of {@link SWAGGER_UI_INLINE_STYLE} added to `style-src`. Every other
 * path keeps {@link CONTENT_SECURITY_POLICY_DIRECTIVES} unchanged.
 */
export function docsContentSecurityPolicy(): string {
  const styleHash = `'sha256-${createHash('sha256').update(SWAGGER_UI_INLINE_STYLE, 'utf8').digest('base64')}'`;
  const directives = { ...CONTENT_SECURITY_POLICY_DIRECTIVES, 'style-src': [...CONTENT_SECURITY_POLICY_DIRECTIVES['style-src'], styleHash] };
  const policy = headersFromHelmet({ ...HELMET_OPTIONS, contentSecurityPolicy: { useDefaults: false, directives } })['content-security-policy'];
  if (policy === undefined) throw new Error('helmet produced no Content-Security-Policy for the docs');
  return policy;
}

const NO_STORE_PATH = /^\/(?:api|health)(?:[/?]|$)/;

/** True for paths whose responses must never be cached: everything under `/api/` and `/health`. */
export function isNoStorePath(url: string): boolean {
  return NO_STORE_PATH.test(url);
}

export interface SecurityHeadersPluginOptions {
  readonly headers: SecurityHeaderSet;
}

/**
 * Sets the precomputed headers in the first `onRequest` hook. Headers set on
 * the reply there survive everything after it: route handlers, the error
 * handler (which only drops content-type and content-length), the 404 handler,
 * body-parser errors (400, 413, 415) and errors thrown by later hooks. Register
 * it before any plugin that adds an `onRequest` hook.
 */
async function securityHeadersPlugin(app: FastifyInstance, options: SecurityHeadersPluginOptions): Promise<void> {
  const { api, other } = options.headers;
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.headers(isNoStorePath(request.url) ? api : other);
    recordOperationDuration('header_injection', performance.now() - started);
    done();
  });
}

/** Applies {@link buildSecurityHeaders} to every response; see the plugin's comment for why `onRequest`. */
export const securityHeaders = fastifyPlugin(securityHeadersPlugin, { name: 'autocognitix-security-headers', fastify: '5.x' });

/**
 * Fastify's `frameworkErrors` option: a URL the router cannot decode (bad
 * percent-encoding, an over-long parameter) is answered before any hook runs,
 * so this handler adds the headers itself and answers in the usual error shape.
 */
export function answerFrameworkError(headers: SecurityHeaderSet): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const code: ErrorCode = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'invalid_url' : 'internal_error';
    request.log.info({ code, frameworkError: error.code }, 'request rejected by the router');
    void reply
      .headers(headers.api)
      .code(ERROR_CATALOG[code].status)
      .send(errorBody(code));
  };
}

/**
 * Fastify's `clientErrorHandler`: what Node refuses before any hook can run (a
 * request line or header it cannot parse: 400; headers over its 16 KB limit:
 * 431; a request not complete within REQUEST_TIMEOUT_MS: 408) is answered in
 * the usual error shape with the same headers, written to the socket as it
 * is, and the connection is closed. Fastify's default would answer a JSON of
 * another shape and without the security headers.
 */
export function answerClientError(headers: SecurityHeaderSet): (error: ConnectionError, socket: Socket) => void {
  const head = Object.entries(headers.api).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (error, socket) => {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ErrorCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'malformed_request';
    const { status } = ERROR_CATALOG[code];
    const body = JSON.stringify(errorBody(code));
    // As Node itself does: never write into a response that has already started on this connection.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
