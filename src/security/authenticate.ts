import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { User, UsersRepository } from '../db/repositories/users.js';
import fastifyPlugin from 'fastify-plugin';
import { HttpError } from '../errors.js';
import { securityMetrics } from '../observability/metrics.js';
import { recordOperationDuration } from '../observability/slow-operations.js';
import { cookiesOf, sessionCookieNames } from './cookies.js';
import type { RevocationRead } from './csrf.js';
import type { Revocation } from './revocation.js';
import type { TokenClaims, TokenCodec } from './tokens.js';

/** Who is calling, once the access token has passed every check. */
export interface Authentication {
  readonly userId: string;
  /** The session (refresh family) the token belongs to. */
  readonly sessionId: string;
  readonly claims: TokenClaims;
}

/** RFC 6750 credentials: the scheme in any case, spaces or tabs around one token (surrounding whitespace is not part of it). */
const BEARER = /^[ \t]*Bearer[ \t]+([^ \t]+)[ \t]*$/i;

/** The token of an `Authorization: Bearer …` header; undefined for no header, another scheme or a malformed value. */
export function parseBearerToken(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/**
 * The access token of a request: from `Authorization: Bearer` (preferred) or
 * the access cookie. A present but unusable Authorization header is `''` (a
 * token that fails), never a fall-back to the cookie. Authentication and the
 * CSRF binding both read the token here, so they never disagree.
 */
export function accessTokenOf(request: FastifyRequest, secureCookies: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return parseBearerToken(header) ?? '';
  return cookiesOf(request)[sessionCookieNames(secureCookies).access];
}

export interface AuthenticationOptions {
  readonly codec: TokenCodec;
  readonly revocation: Revocation;
  readonly secureCookies: boolean;
}

export interface AuthenticationPluginOptions extends AuthenticationOptions {
  /** Where {@link requireRole} reads the caller's current role and state (a token carries neither). */
  readonly users: Pick<UsersRepository, 'findById'>;
}

/**
 * Decodes and checks an access token: signature, claims, expiry, denylist and
 * user-wide revocation. A store that cannot answer is an error (503), never a pass.
 */
export async function authenticateToken(token: string | undefined, options: AuthenticationOptions, alreadyRead?: RevocationRead | null): Promise<Authentication> {
  if (token === undefined) throw new HttpError('authentication_required');
  const started = performance.now();
  try {
    const claims = options.codec.decode(token, 'access');
    // The CSRF check's read is used only for the very token it read it for.
    if (await options.revocation.isRevoked(claims, alreadyRead?.token === token ? alreadyRead.values : undefined)) throw new HttpError('token_revoked');
    return { userId: claims.sub, sessionId: claims.family, claims };
  } finally {
    const elapsedMs = performance.now() - started;
    securityMetrics.tokenDecodeLatency.observe(elapsedMs);
    recordOperationDuration('token_decode', elapsedMs);
  }
}

async function authenticationPlugin(app: FastifyInstance, options: AuthenticationPluginOptions): Promise<void> {
  app.decorateRequest('auth', null);
  const requireAuth: preHandlerAsyncHookHandler = async (request) => {
    request.auth = await authenticateToken(accessTokenOf(request, options.secureCookies), options, request.revocationRead);
  };
  app.decorate('requireAuth', requireAuth);
  app.decorate('requireRole', (role: User['role']): preHandlerAsyncHookHandler => async (request) => {
    request.auth ??= await authenticateToken(accessTokenOf(request, options.secureCookies), options, request.revocationRead);
    // Read now, not from the token: a demoted or deactivated admin loses the right at once.
    const caller = await options.users.findById(request.auth.userId);
    if (caller?.role !== role || !caller.isActive) throw new HttpError('forbidden');
  });
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
    /** preHandler: like `requireAuth`, then 403 unless the caller's account is active and has this role. */
    requireRole: (role: User['role']) => preHandlerAsyncHookHandler;
  }
}
