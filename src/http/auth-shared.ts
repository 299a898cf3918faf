import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { User } from '../db/repositories/users.js';
import type { Security } from '../security/index.js';
import { CREDENTIAL_RATE_LIMITS, ipRateLimit, type CredentialRouteGroup } from '../security/ip-rate-limit.js';
import type { RequestOrigin } from '../security/security-events.js';
import { HttpError } from '../errors.js';
import { Nullable } from './schemas.js';

/** What the sign-in, account and session routes share: schemas, the user's public shape, small reply helpers. */

/** What each `/api/v1/auth` route plugin is registered with. */
export interface AuthRouteOptions {
  readonly security: Security;
}

/**
 * OAuth2 password-grant clients post forms. Every `/api/v1/auth` plugin
 * accepts them (as the routes always have), and nothing outside it does.
 */
export function acceptOAuth2Forms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

export const Email = Type.String({ format: 'email', maxLength: 320 });
export const FullName = Nullable(Type.String({ maxLength: 200 }));
/** The language the user reads: their mail is written in it (the web app sends its UI language). */
export const Language = Type.Union([Type.Literal('hu'), Type.Literal('en')], { description: 'the language of the mail the user gets' });

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  full_name: FullName,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  is_active: Type.Boolean(),
  language: Language,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  email_verified: Type.Boolean({ description: 'whether the account proved it receives mail at `email`' }),
  email_verified_at: Nullable(Type.String({ format: 'date-time' })),
});

export function userResponse(user: User): Static<typeof UserSchema> {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    is_active: user.isActive,
    language: user.language,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    email_verified: user.emailVerifiedAt !== null,
    email_verified_at: user.emailVerifiedAt,
  };
}

/** OpenAPI `security` of a route that needs a signed-in caller: the access token as bearer header or cookie. */
export const SIGNED_IN_SECURITY: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

/** A per-address limit for one group of credential routes (429 `rate_limited` + Retry-After); `per: 'account'` counts the signed-in account instead. */
export function credentialRateLimit(security: Security, group: CredentialRouteGroup, per: 'address' | 'account' = 'address'): ReturnType<typeof ipRateLimit> {
  return ipRateLimit({ store: security.store, group: `auth_${group}`, per, ...CREDENTIAL_RATE_LIMITS[group] });
}

export function authOf(request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  if (request.auth === null) throw new HttpError('authentication_required');
  return request.auth;
}

/** Where a request came from, for the security activity log. */
export function requestOrigin(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return { address: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null };
}
