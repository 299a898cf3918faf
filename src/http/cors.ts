import type { FastifyReply, FastifyRequest } from 'fastify';

/** Methods a cross-origin caller may use. */
export const CORS_ALLOWED_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Request headers a cross-origin caller may send: JSON bodies, bearer tokens and the CSRF token. */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['Content-Type', 'Authorization', 'X-CSRF-Token'];
/** Response headers a cross-origin caller may read besides the safelisted ones: 429 and 503 carry Retry-After. */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['Retry-After'];
/** How long a browser may cache a preflight answer. */
export const CORS_PREFLIGHT_MAX_AGE_SECONDS = 600;

export interface CorsOptions {
  /** Exact origins (scheme://host[:port]) from CORS_ORIGINS; never `*`, because credentials are allowed. */
  readonly origins: readonly string[];
}

/**
 * CORS for an explicit origin list, with credentials. An origin is allowed
 * only by exact match; any other origin (and a request without one) gets no
 * CORS header at all, and its preflight falls through to the 404 handler. The
 * origin is always listed in `Vary`, so a shared cache never serves one
 * origin's answer to another.
 *
 * Written out rather than @fastify/cors: this policy is a set lookup and a few
 * constant headers, and the general plugin's per-request option merging cost
 * 4 % of an authenticated GET (docs/PERFORMANCE.md). A step of the security
 * headers' onRequest hook (src/security/headers.ts), not a hook of its own:
 * every hook costs each request a run through Fastify's hook machinery. True
 * when it answered the request (an allowed preflight).
 */
export function corsStep(options: CorsOptions): (request: FastifyRequest, reply: FastifyReply) => boolean {
  const allowedOrigins = new Set(options.origins.filter((origin) => origin !== '*'));
  const simpleHeaders = { 'access-control-allow-credentials': 'true', 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', ') };
  const preflightHeaders = {
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': CORS_ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
    'access-control-max-age': String(CORS_PREFLIGHT_MAX_AGE_SECONDS),
  };
  return (request, reply) => {
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowedOrigins.has(origin)) return false;
    reply.header('access-control-allow-origin', origin);
    if (request.method !== 'OPTIONS') {
      reply.headers(simpleHeaders);
      return false;
    }
    // The preflight is answered here, before authentication, which a browser's preflight never carries.
    void reply.headers(preflightHeaders).code(204).send();
    return true;
  };
}
