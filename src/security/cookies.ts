import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IssuedTokens } from './sessions.js';

/** Where the refresh cookie is sent: only the auth endpoints ever see it. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

export interface SessionCookieNames {
  readonly access: string;
  readonly refresh: string;
}

/**
 * With secure cookies the names carry the browser-enforced prefixes:
 * `__Host-` (Secure, Path=/, no Domain) for the access token and `__Secure-`
 * for the refresh token, whose path is narrower than `/`.
 */
export function sessionCookieNames(secure: boolean): SessionCookieNames {
  return secure ? { access: '__Host-access_token', refresh: '__Secure-refresh_token' } : { access: 'access_token', refresh: 'refresh_token' };
}

export function setSessionCookies(reply: FastifyReply, secure: boolean, tokens: IssuedTokens): void {
  const names = sessionCookieNames(secure);
  const common = { httpOnly: true, secure, sameSite: 'strict' } as const;
  // The access cookie lives as long as the session: an expired token still arrives, so the answer is
  // `token_expired` (refresh) rather than `authentication_required` (sign in).
  reply.setCookie(names.access, tokens.accessToken, { ...common, path: '/', maxAge: tokens.refreshExpiresIn });
  reply.setCookie(names.refresh, tokens.refreshToken, { ...common, path: REFRESH_COOKIE_PATH, maxAge: tokens.refreshExpiresIn });
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  const names = sessionCookieNames(secure);
  const common = { httpOnly: true, secure, sameSite: 'strict' } as const;
  reply.clearCookie(names.access, { ...common, path: '/' });
  reply.clearCookie(names.refresh, { ...common, path: REFRESH_COOKIE_PATH });
}

/** A request's cookies by name, as the client sent them. */
export type RequestCookies = Readonly<Record<string, string | undefined>>;

/**
 * The request's cookies, parsed the first time a route or check asks for one.
 * @fastify/cookie is registered without its parsing hook (src/app.ts): most
 * requests (a bearer-token GET) never read a cookie, and parsing the header
 * of every request was ~1 % of a signed-in GET. Always read cookies here,
 * never `request.cookies` directly: it is null until the header is parsed
 * (the lint rule in eslint.config.js says so).
 */
export function cookiesOf(request: FastifyRequest): RequestCookies {
  // @fastify/cookie's typing says the field is always set; without its hook it starts as null.
  const parsed = request.cookies as RequestCookies | null;
  if (parsed !== null) return parsed;
  const header = request.headers.cookie;
  const cookies = header === undefined || header === '' ? {} : request.server.parseCookie(header);
  request.cookies = cookies;
  return cookies;
}
