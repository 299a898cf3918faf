import { createHash } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
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
  /**
   * CORS (src/http/cors.ts), run in the same hook right after the headers:
   * one hook per request instead of two. True when it answered the request.
   */
  readonly cors?: (request: FastifyRequest, reply: FastifyReply) => boolean;
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
  const { cors } = options;
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.headers(isNoStorePath(request.url) ? api : other);
    recordOperationDuration('header_injection', performance.now() - started);
    // An answered preflight ends here: no later hook runs.
    if (cors?.(request, reply) !== true) done();
  });
}

/** Applies {@link buildSecurityHeaders} to every response; see the plugin's comment for why `onRequest`. */
export const securityHeaders = fastifyPlugin(securityHeadersPlugin, { name: 'autocognitix-security-headers', fastify: '5.x' });
