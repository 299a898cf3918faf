import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError, type CsrfFailure } from '../errors.js';
import { countStoreFailure, securityMetrics } from '../observability/metrics.js';
import { recordOperationDuration } from '../observability/slow-operations.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { accessTokenOf } from './authenticate.js';
import { cookiesOf, REFRESH_COOKIE_PATH, sessionCookieNames, type SessionCookieNames } from './cookies.js';
import { csrfIssueCounterKey, csrfTokenKey, storedDigest } from './store-keys.js';
import type { TokenClaims, TokenCodec, TokenType } from './tokens.js';

/** Seed SEC-003: a CSRF token lives one hour. */
export const CSRF_TOKEN_TTL_MS = 3_600_000;
export const CSRF_HEADER = 'x-csrf-token';
export const DEFAULT_SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];
/** Exact paths, and prefixes ending in `/`, that need no CSRF token (ops endpoints and the docs). */
export const DEFAULT_EXCLUDE_PATHS: readonly string[] = ['/health', '/api/v1/health', '/metrics', '/api/v1/docs', '/api/v1/docs/', '/api/v1/openapi.json'];

/** The window of the per-address limit on new anonymous tokens. */
export const CSRF_ISSUE_WINDOW_MS = 600_000;
const DEFAULT_ANONYMOUS_ISSUE_LIMIT = 100;

/**
 * Equal in time independent of where the strings differ: every code unit is
 * compared, the differences are OR-ed together, and only the total decides.
 * A length mismatch returns at once: tokens and bindings have fixed, public
 * lengths, so the length says nothing secret (hashing both sides first cost
 * four SHA-256 per request, and two Buffers per side for timingSafeEqual
 * cost more than the loop, docs/PERFORMANCE.md).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

export interface CsrfCookieNames {
  readonly token: string;
  readonly anonymousSession: string;
}

export function csrfCookieNames(secure: boolean): CsrfCookieNames {
  return secure ? { token: '__Host-csrf_token', anonymousSession: '__Host-anon_session' } : { token: 'csrf_token', anonymousSession: 'anon_session' };
}

export interface CsrfOptions {
  readonly store: KeyValueStore;
  readonly codec: TokenCodec;
  readonly secureCookies: boolean;
  /** Origins (besides our own) whose requests may change state: CORS_ORIGINS. */
  readonly allowedOrigins: readonly string[];
  readonly excludePaths?: readonly string[];
  /** New anonymous tokens one client address may be issued per {@link CSRF_ISSUE_WINDOW_MS}; default 100. */
  readonly anonymousIssueLimit?: number;
  readonly safeMethods?: readonly string[];
  /**
   * The store keys of an access token's revocation check ({@link Revocation.keysOf}):
   * read with the CSRF token's key in one call, and handed to authentication
   * on the request (`revocationRead`), so a protected request costs one store
   * round trip, not two.
   */
  readonly revocationKeys?: (claims: TokenClaims) => readonly string[];
}

/** What the CSRF check read of a request's access token's revocation state, for authentication to use. */
export interface RevocationRead {
  /** The token the values belong to: authentication uses them only for this very token. */
  readonly token: string;
  readonly values: readonly (string | null)[];
}

/**
 * Double-submit CSRF protection (seed SEC-003) bound to the client's session,
 * as OWASP recommends: the `X-CSRF-Token` header must equal the CSRF cookie,
 * the token's hash must still be in the store, and it must have been issued
 * to this session (the signed-in session, or an anonymous session cookie
 * before sign-in). Cross-site requests are refused first, by Fetch Metadata
 * and, for older browsers, by Origin.
 */
export class CsrfProtection {
  readonly cookieNames: CsrfCookieNames;
  private readonly sessionCookies: SessionCookieNames;
  private readonly safeMethods: ReadonlySet<string>;
  private readonly exactExemptions: ReadonlySet<string>;
  private readonly prefixExemptions: readonly string[];
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(private readonly options: CsrfOptions) {
    this.cookieNames = csrfCookieNames(options.secureCookies);
    this.sessionCookies = sessionCookieNames(options.secureCookies);
    this.safeMethods = new Set((options.safeMethods ?? DEFAULT_SAFE_METHODS).map((method) => method.toUpperCase()));
    const exclusions = options.excludePaths ?? DEFAULT_EXCLUDE_PATHS;
    this.exactExemptions = new Set(exclusions.filter((path) => !path.endsWith('/')));
    this.prefixExemptions = exclusions.filter((path) => path.endsWith('/'));
    this.allowedOrigins = new Set(options.allowedOrigins);
  }

  /** Whether requests of this method can change state (everything but the safe methods). */
  isUnsafeMethod(method: string): boolean {
    return !this.safeMethods.has(method);
  }

  /** Whether this request must carry a valid CSRF token. */
  isProtected(method: string, path: string): boolean {
    if (!this.isUnsafeMethod(method)) return false;
    if (this.exactExemptions.has(path)) return false;
    return !this.prefixExemptions.some((prefix) => path.startsWith(prefix));
  }

  /** Throws HttpError (403 csrf_*) unless the request passes every check. Store errors propagate: 503, never a pass. */
  async validate(request: FastifyRequest): Promise<void> {
    const started = performance.now();
    try {
      this.assertSameSite(request);
      const header = request.headers[CSRF_HEADER];
      const fromHeader = typeof header === 'string' ? header : undefined;
      const fromCookie = cookiesOf(request)[this.cookieNames.token];
      if (fromHeader === undefined || fromHeader === '' || fromCookie === undefined || fromCookie === '') fail('csrf_missing');
      if (!constantTimeEqual(fromHeader, fromCookie)) fail('csrf_mismatch');
      const accessToken = accessTokenOf(request, this.options.secureCookies);
      const accessClaims = this.claimsOf(accessToken, 'access');
      const revocationKeys = accessClaims === undefined ? [] : (this.options.revocationKeys?.(accessClaims) ?? []);
      const [boundTo = null, ...revocationValues] = await this.options.store.getMany([csrfTokenKey(fromHeader), ...revocationKeys]).catch((error: unknown) => {
        countStoreFailure('csrf_validate', error);
        throw error;
      });
      if (accessToken !== undefined && revocationKeys.length > 0) request.revocationRead = { token: accessToken, values: revocationValues };
      if (boundTo === null) fail('csrf_expired');
      if (!constantTimeEqual(boundTo, this.bindingOf(request, { accessClaims }).binding)) fail('csrf_mismatch');
    } finally {
      const elapsedMs = performance.now() - started;
      securityMetrics.csrfValidationLatency.observe(elapsedMs);
      recordOperationDuration('csrf_validate', elapsedMs);
    }
  }

  /**
   * Issues a token bound to the request's session (creating an anonymous
   * session cookie when there is none), stores its hash for an hour and sets
   * the cookie — or returns the request's own token while it is still valid
   * for this session. The caller returns the value in the body: the cookie is
   * HttpOnly. With `sessionFamily` (sign-in) a new token is always issued.
   */
  async issue(request: FastifyRequest, reply: FastifyReply, sessionFamily?: string): Promise<string> {
    const started = performance.now();
    // A still-valid token of this very session is handed back, so several tabs share one token.
    if (sessionFamily === undefined) {
      const presented = cookiesOf(request)[this.cookieNames.token];
      if (presented !== undefined && presented !== '') {
        const boundTo = await this.options.store.get(csrfTokenKey(presented));
        if (boundTo !== null && constantTimeEqual(boundTo, this.bindingOf(request).binding)) return presented;
      }
    }
    const { binding, newAnonymousSession } =
      sessionFamily === undefined ? this.bindingOf(request, { createAnonymous: true }) : { binding: sessionBinding(sessionFamily), newAnonymousSession: undefined };
    // Every anonymous token is a store entry for an hour: bound how fast one address can add them (issue 13.3).
    if (binding.startsWith(ANONYMOUS_BINDING_PREFIX)) await this.admitAnonymousIssue(request);
    const token = randomBytes(32).toString('base64url');
    await this.options.store.set(csrfTokenKey(token), binding, CSRF_TOKEN_TTL_MS);
    securityMetrics.csrfTokensGenerated.inc();
    const cookie = { path: '/', httpOnly: true, sameSite: 'strict', secure: this.options.secureCookies } as const;
    if (newAnonymousSession !== undefined) reply.setCookie(this.cookieNames.anonymousSession, newAnonymousSession, cookie);
    reply.setCookie(this.cookieNames.token, token, { ...cookie, maxAge: CSRF_TOKEN_TTL_MS / 1000 });
    const elapsedMs = performance.now() - started;
    securityMetrics.csrfGenerationLatency.observe(elapsedMs);
    recordOperationDuration('csrf_generate', elapsedMs);
    return token;
  }

  private async admitAnonymousIssue(request: FastifyRequest): Promise<void> {
    const limit = this.options.anonymousIssueLimit ?? DEFAULT_ANONYMOUS_ISSUE_LIMIT;
    const { count, ttlMs } = await this.options.store.increment(csrfIssueCounterKey(request.ip), CSRF_ISSUE_WINDOW_MS).catch((error: unknown) => {
      countStoreFailure('ip_rate_limit', error);
      throw error;
    });
    if (count > limit) throw new HttpError('rate_limited', { message: 'Too many CSRF tokens requested from this address; reuse the one you have', headers: { 'retry-after': String(Math.max(1, Math.ceil(ttlMs / 1000))) } });
  }

  /** Deletes the token the request carried (login and logout replace it). */
  async revokePresented(request: FastifyRequest): Promise<void> {
    const presented = cookiesOf(request)[this.cookieNames.token];
    if (presented !== undefined && presented !== '') await this.options.store.delete(csrfTokenKey(presented));
  }

  /** A new anonymous session after logout, so nothing links the next visitor of this browser to the last. */
  async rotateAfterLogout(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    await this.revokePresented(request);
    const anonymousSession = randomBytes(32).toString('base64url');
    reply.setCookie(this.cookieNames.anonymousSession, anonymousSession, { path: '/', httpOnly: true, sameSite: 'strict', secure: this.options.secureCookies });
    const token = randomBytes(32).toString('base64url');
    await this.options.store.set(csrfTokenKey(token), anonymousBinding(anonymousSession), CSRF_TOKEN_TTL_MS);
    securityMetrics.csrfTokensGenerated.inc();
    reply.setCookie(this.cookieNames.token, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: this.options.secureCookies, maxAge: CSRF_TOKEN_TTL_MS / 1000 });
    return token;
  }

  /** Fetch Metadata first; Origin as the fallback for browsers without it. */
  private assertSameSite(request: FastifyRequest): void {
    const origin = request.headers.origin;
    const allowedOrigin = origin !== undefined && (this.allowedOrigins.has(origin) || origin === ownOrigin(request));
    if (request.headers['sec-fetch-site'] === 'cross-site' && !allowedOrigin) fail('csrf_origin');
    if (origin !== undefined && !allowedOrigin) fail('csrf_origin');
  }

  /**
   * The session a request belongs to: the signed-in session (from the access
   * token, even an expired one, or the refresh cookie), else the anonymous
   * session cookie. Identification only; authorisation happens elsewhere.
   */
  private bindingOf(
    request: FastifyRequest,
    options: { createAnonymous?: boolean; accessClaims?: TokenClaims | undefined } = {},
  ): { binding: string; newAnonymousSession: string | undefined } {
    const accessClaims = 'accessClaims' in options ? options.accessClaims : this.claimsOf(accessTokenOf(request, this.options.secureCookies), 'access');
    const family =
      accessClaims?.family ?? (request.url.startsWith(REFRESH_COOKIE_PATH) ? this.claimsOf(cookiesOf(request)[this.sessionCookies.refresh], 'refresh')?.family : undefined);
    if (family !== undefined) return { binding: sessionBinding(family), newAnonymousSession: undefined };
    const anonymous = cookiesOf(request)[this.cookieNames.anonymousSession];
    if (anonymous !== undefined && /^[A-Za-z0-9_-]{43}$/.test(anonymous)) return { binding: anonymousBinding(anonymous), newAnonymousSession: undefined };
    if (options.createAnonymous !== true) return { binding: 'none', newAnonymousSession: undefined };
    const created = randomBytes(32).toString('base64url');
    return { binding: anonymousBinding(created), newAnonymousSession: created };
  }

  /** A token's claims for identifying its session (expired included), or undefined for none or an invalid one. */
  private claimsOf(token: string | undefined, type: TokenType): TokenClaims | undefined {
    if (token === undefined || token === '') return undefined;
    try {
      return this.options.codec.decode(token, type, { allowExpired: true });
    } catch {
      return undefined;
    }
  }
}

const sessionBinding = (family: string): string => `session:${family}`;
const ANONYMOUS_BINDING_PREFIX = 'anon:';
const anonymousBinding = (anonymousSession: string): string => `${ANONYMOUS_BINDING_PREFIX}${storedDigest(anonymousSession)}`;

function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function fail(reason: CsrfFailure): never {
  securityMetrics.csrfValidationsFailed.inc({ reason });
  throw new HttpError(reason);
}

async function csrfPlugin(app: FastifyInstance, options: { protection: CsrfProtection }): Promise<void> {
  const { protection } = options;
  app.decorate('csrf', protection);
  app.decorateRequest('revocationRead', null);
  // A callback hook, so the exempt majority (GET, HEAD, OPTIONS) costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    // Safe methods first: Fastify builds request.routeOptions anew on every read.
    if (!protection.isUnsafeMethod(request.method)) {
      done();
      return;
    }
    // The matched route pattern, not the raw URL: `/api/v1/docs/../auth/login` must not pass as a docs path.
    const path = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
    if (!protection.isProtected(request.method, path)) {
      done();
      return;
    }
    reply.header('vary', 'Origin, Sec-Fetch-Site');
    protection.validate(request).then(() => {
      done();
    }, done);
  });
}

/** Registers the CSRF check on every unsafe request of the app (not encapsulated). */
export const csrf = fastifyPlugin(csrfPlugin, { name: 'autocognitix-csrf', fastify: '5.x', dependencies: ['@fastify/cookie'] });

declare module 'fastify' {
  interface FastifyInstance {
    csrf: CsrfProtection;
  }
  interface FastifyRequest {
    /** Set by the CSRF check of a signed-in request: the revocation state it read, for `requireAuth`. */
    revocationRead: RevocationRead | null;
  }
}
