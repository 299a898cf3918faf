import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError } from './errors.js';

/** Load balancers probe these over plain HTTP; they carry no credentials and no cookies. */
export const HTTPS_REDIRECT_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/api/v1/health']);

/** A DNS name or an IPv4 address (labels of letters, digits and hyphens), or a bracketed IPv6 literal. */
const SANE_HOSTNAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])$/i;
const MAX_HOSTNAME_LENGTH = 253;

export interface HttpsRedirectOptions {
  /** On in production behind a trusted proxy (TRUST_PROXY set); off adds no hook at all. */
  readonly enabled: boolean;
}

/**
 * Sends plain-HTTP requests to the same URL on HTTPS: 301 for GET and HEAD,
 * 308 for other methods so a client repeats its method and body rather than
 * turning a POST into a GET. The protocol comes from `X-Forwarded-Proto` only
 * when the peer is a trusted proxy (Fastify's `trustProxy`), and the host from
 * `X-Forwarded-Host`/`Host`, which must be a plain host name: the port is
 * dropped (HTTPS is on 443), and anything odd gets 400 rather than a redirect
 * to an attacker's choice.
 */
async function httpsRedirectPlugin(app: FastifyInstance, options: HttpsRedirectOptions): Promise<void> {
  if (!options.enabled) return;
  app.addHook('onRequest', async (request, reply) => {
    // Proxies differ in case ("HTTPS"); a case-sensitive test would redirect forever.
    if (request.protocol.toLowerCase() === 'https') return;
    const url = request.url;
    if (HTTPS_REDIRECT_EXEMPT_PATHS.has(url.split('?', 1)[0] ?? url)) return;
    // Origin-form only: an absolute-form target ("http://elsewhere/") must not be glued onto our host.
    if (!url.startsWith('/')) throw new HttpError('invalid_url');
    const hostname = request.hostname;
    if (hostname.length === 0 || hostname.length > MAX_HOSTNAME_LENGTH || !SANE_HOSTNAME.test(hostname)) throw new HttpError('invalid_host');
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308;
    return reply.redirect(`https://${hostname}${url}`, status);
  });
}

export const httpsRedirect = fastifyPlugin(httpsRedirectPlugin, { name: 'autocognitix-https-redirect', fastify: '5.x' });
