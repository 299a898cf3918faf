import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError } from '../errors.js';
import { securityMetrics } from '../observability/metrics.js';
import { recordOperationDuration } from '../observability/slow-operations.js';
import { sessionCookieNames } from './cookies.js';
import type { Revocation } from './revocation.js';
import type { TokenClaims, TokenCodec } from './tokens.js';

/** Who is calling, once the access token has passed every check. */
export interface Authentication {
  readonly userId: string;
  /** The session (refresh family) the token belongs to. */
  readonly sessionId: string;
  readonly claims: TokenClaims;
}

const BEARER = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i;

/** The access token from `Authorization: Bearer` (preferred) or the access cookie. */
export function accessTokenOf(request: FastifyRequest, secureCookies: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return BEARER.exec(header)?.[1] ?? '';
  return request.cookies[sessionCookieNames(secureCookies).access];
}

export interface AuthenticationOptions {
  readonly codec: TokenCodec;
  readonly revocation: Revocation;
  readonly secureCookies: boolean;
}

/**
 * Decodes and checks an access token: signature, claims, expiry, denylist and
 * user-wide revocation. A store that cannot answer is an error (503), never a pass.
 */
export async function authenticateToken(token: string | undefined, options: AuthenticationOptions): Promise<Authentication> {
  if (token === undefined) throw new HttpError('authentication_required');
  const started = performance.now();
  try {
    const claims = options.codec.decode(token, 'access');
    if (await options.revocation.isRevoked(claims)) throw new HttpError('token_revoked');
    return { userId: claims.sub, sessionId: claims.family, claims };
  } finally {
    const elapsedMs = performance.now() - started;
    securityMetrics.tokenDecodeLatency.observe(elapsedMs);
    recordOperationDuration('token_decode', elapsedMs);
  }
}

async function authenticationPlugin(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  app.decorateRequest('auth', null);
  const requireAuth: preHandlerAsyncHookHandler = async (request) => {
    request.auth = await authenticateToken(accessTokenOf(request, options.secureCookies), options);
  };
  app.decorate('requireAuth', requireAuth);
}

export const authentication = fastifyPlugin(authenticationPlugin, { name: 'autocognitix-authentication', fastify: '5.x' });

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth`; null on routes that do not require it. */
    auth: Authentication | null;
  }
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a valid, unrevoked access token. */
    requireAuth: preHandlerAsyncHookHandler;
  }
}
