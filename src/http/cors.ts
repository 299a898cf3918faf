import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/** Methods a cross-origin caller may use. */
export const CORS_ALLOWED_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Request headers a cross-origin caller may send: JSON bodies, bearer tokens and the CSRF token. */
export const CORS_ALLOWED_HEADERS: readonly string[] = ['Content-Type', 'Authorization', 'X-CSRF-Token'];
/** Response headers a cross-origin caller may read besides the safelisted ones: 429 and 503 carry Retry-After. */
export const CORS_EXPOSED_HEADERS: readonly string[] = ['Retry-After'];
/** How long a browser may cache a preflight answer. */
export const CORS_PREFLIGHT_MAX_AGE_SECONDS = 600;

export interface CorsPluginOptions {
  /** Exact origins (scheme://host[:port]) from CORS_ORIGINS; never `*`, because credentials are allowed. */
  readonly origins: readonly string[];
}

/**
 * CORS for an explicit origin list, with credentials. An origin is allowed
 * only by exact match; any other origin (and a request without one) gets no
 * CORS header at all, and its preflight falls through to the 404 handler. The
 * origin is always listed in `Vary`, so a shared cache never serves one
 * origin's answer to another.
 */
async function corsPlugin(app: FastifyInstance, options: CorsPluginOptions): Promise<void> {
  const allowedOrigins = new Set(options.origins.filter((origin) => origin !== '*'));
  await app.register(fastifyCors, {
    // A function, not the list: with a list @fastify/cors still sends Allow-Credentials and the preflight headers to a refused origin.
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowedOrigins.has(origin));
    },
    credentials: true,
    methods: [...CORS_ALLOWED_METHODS],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_PREFLIGHT_MAX_AGE_SECONDS,
    // A malformed preflight from an allowed origin gets the preflight answer instead of a plain-text 400.
    strictPreflight: false,
  });
}

export const cors = fastifyPlugin(corsPlugin, { name: 'autocognitix-cors', fastify: '5.x' });
