import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError } from '../errors.js';

/** Load balancers probe these over plain HTTP; they carry no credentials and no cookies. */
export const HTTPS_REDIRECT_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/api/v1/health']);

export interface HttpsRedirectOptions {
  /** On in production behind a trusted proxy (TRUST_PROXY set); off adds no hook at all. */
  readonly enabled: boolean;
  /** PUBLIC_URL: the only host a redirect ever points at. */
  readonly publicUrl: string;
}

/** `https://<public host>`: the configured host, with its port only when PUBLIC_URL itself is HTTPS on a non-default port. */
export function httpsOriginOf(publicUrl: string): string {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' ? url.origin : `https://${url.hostname}`;
}

/**
 * Sends plain-HTTP requests to the same path on HTTPS: 301 for GET and HEAD,
 * 308 for other methods so a client repeats its method and body rather than
 * turning a POST into a GET. The protocol comes from `X-Forwarded-Proto` only
 * when the peer is a trusted proxy (Fastify's `trustProxy`). The host is
 * always the configured PUBLIC_URL's, never `Host` or `X-Forwarded-Host`: a
 * request can choose the path it is sent back to, never the site.
 */
async function httpsRedirectPlugin(app: FastifyInstance, options: HttpsRedirectOptions): Promise<void> {
  if (!options.enabled) return;
  const origin = httpsOriginOf(options.publicUrl);
  app.addHook('onRequest', async (request, reply) => {
    // Proxies differ in case ("HTTPS"); a case-sensitive test would redirect forever.
    if (request.protocol.toLowerCase() === 'https') return;
    const url = request.url;
    if (HTTPS_REDIRECT_EXEMPT_PATHS.has(url.split('?', 1)[0] ?? url)) return;
    // Origin-form only: an absolute-form target ("http://elsewhere/") must not be glued onto our host, nor "//elsewhere".
    if (!url.startsWith('/') || url.startsWith('//')) throw new HttpError('invalid_url');
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308;
    return reply.redirect(`${origin}${url}`, status);
  });
}

export const httpsRedirect = fastifyPlugin(httpsRedirectPlugin, { name: 'autocognitix-https-redirect', fastify: '5.x' });
