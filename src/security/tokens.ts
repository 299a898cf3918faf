import { randomBytes } from 'node:crypto';
import { TokenError, createSigner, createVerifier } from 'fast-jwt';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';

export const TOKEN_ISSUER = 'autocognitix-api';
export const TOKEN_AUDIENCE = 'autocognitix';
/** Clock skew accepted on every time claim. */
export const CLOCK_LEEWAY_SECONDS = 10;
/** Larger tokens are refused before any parsing. */
export const MAX_TOKEN_BYTES = 8192;

export type TokenType = 'access' | 'refresh';

/**
 * The JOSE `typ` header of each kind: RFC 9068's `at+jwt` for access tokens
 * and our own for refresh tokens, so a token says what it is before any claim
 * is read, and one kind is never accepted where the other is expected.
 */
export const TOKEN_TYPE_HEADERS: Readonly<Record<TokenType, string>> = Object.freeze({ access: 'at+jwt', refresh: 'refresh+jwt' });

/** How long each kind lives, in seconds: a signed token claiming a longer life (exp − iat) is refused. */
export interface TokenLifetimes {
  readonly accessSeconds: number;
  readonly refreshSeconds: number;
}

/** The configuration defaults (ACCESS_TOKEN_EXPIRE_MINUTES=15, REFRESH_TOKEN_EXPIRE_DAYS=7). */
export const DEFAULT_TOKEN_LIFETIMES: TokenLifetimes = Object.freeze({ accessSeconds: 15 * 60, refreshSeconds: 7 * 86_400 });

/** The claims every token carries. `family` is the session: one login, all its rotations. */
export interface TokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly type: TokenType;
  readonly family: string;
  /** Seconds (RFC 7519). */
  readonly iat: number;
  /** Milliseconds: compared with per-user "not before" marks, which need sub-second precision. */
  readonly iat_ms: number;
  /** Seconds (RFC 7519). */
  readonly exp: number;
  readonly iss: string;
  readonly aud: string;
}

/** What it takes to (re)create one token: signing is deterministic, so the same claims give the same token. */
export interface TokenSpec {
  readonly sub: string;
  readonly jti: string;
  readonly type: TokenType;
  readonly family: string;
  readonly issuedAtMs: number;
  readonly expiresAtSeconds: number;
}

/** Verified tokens remembered per process (a few hundred bytes each). */
const VERIFIED_TOKEN_CACHE_SIZE = 4096;

/** What fast-jwt returns for a token whose signature and claims verified. */
interface VerifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
}

const JTI_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const ALLOWED_HEADER_PARAMETERS = new Set(['alg', 'typ']);

/** 128 random bits, base64url: token ids and session (family) ids. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Signs and verifies the service's JWTs: HS256 only, fixed issuer and
 * audience, every claim required. Time is checked here with the injected
 * clock (fast-jwt's own checks are off) so expiry is testable to the second.
 */
export class TokenCodec {
  private readonly signers: Readonly<Record<TokenType, (payload: Record<string, unknown>) => string>>;
  private readonly verify: (token: string) => VerifiedToken;
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly lifetimes: TokenLifetimes = DEFAULT_TOKEN_LIFETIMES,
  ) {
    // iat and exp come from the payload (our clock), so fast-jwt adds no time of its own.
    this.signers = {
      access: createSigner({ key: secret, algorithm: 'HS256', header: { alg: 'HS256', typ: TOKEN_TYPE_HEADERS.access } }),
      refresh: createSigner({ key: secret, algorithm: 'HS256', header: { alg: 'HS256', typ: TOKEN_TYPE_HEADERS.refresh } }),
    };
    this.verify = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      allowedIss: TOKEN_ISSUER,
      allowedAud: TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'jti', 'type', 'family', 'iat', 'iat_ms', 'exp', 'iss', 'aud'],
      ignoreExpiration: true,
      ignoreNotBefore: true,
      complete: true,
    }) as (token: string) => VerifiedToken;
  }

  /**
   * Signature, algorithm, issuer, audience and required claims of a token,
   * remembered per token so a client's repeated token is verified once. Only
   * successes are kept, keyed by the token itself: fast-jwt's own cache keys
   * by a SHA-256 of the token, which costs as much as the HMAC it saves.
   * Time and revocation are checked on every call, after this.
   */
  private verifyOnce(token: string): VerifiedToken {
    const known = this.verified.get(token);
    if (known !== undefined) return known;
    const decoded = this.verify(token);
    const entry: VerifiedToken = Object.freeze({ header: Object.freeze(decoded.header), payload: Object.freeze(decoded.payload) });
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(token, entry);
    return entry;
  }

  /** Signs a token. The payload is built in one fixed key order so re-signing a spec reproduces the token. */
  encode(spec: TokenSpec): string {
    return this.signers[spec.type]({
      sub: spec.sub,
      jti: spec.jti,
      type: spec.type,
      family: spec.family,
      iat: Math.floor(spec.issuedAtMs / 1000),
      iat_ms: spec.issuedAtMs,
      exp: spec.expiresAtSeconds,
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
    });
  }

  /**
   * Verifies signature, algorithm, issuer, audience, type and times. Throws
   * HttpError `token_expired` for an expired token and `token_invalid` for
   * everything else (malformed, forged, wrong kind), so a client only learns
   * whether refreshing can help. `allowExpired` is for identifying the
   * session a request belongs to (CSRF binding), never for authorising it.
   */
  decode(token: string, expectedType: TokenType, options: { allowExpired?: boolean } = {}): TokenClaims {
    if (token.length === 0 || Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw new HttpError('token_invalid');
    let decoded: VerifiedToken;
    try {
      decoded = this.verifyOnce(token);
    } catch (error) {
      throw new HttpError('token_invalid', { cause: error instanceof TokenError ? error.code : undefined });
    }
    // We never issue kid/jku/x5u/jwk/crit: a token that has them was not made here.
    if (Object.keys(decoded.header).some((name) => !ALLOWED_HEADER_PARAMETERS.has(name))) throw new HttpError('token_invalid');
    if (!hasTypeHeader(decoded.header, expectedType)) throw new HttpError('token_invalid');
    const claims = parseClaims(decoded.payload);
    if (claims?.type !== expectedType) throw new HttpError('token_invalid');
    // iat (s) and iat_ms must tell the same time, and no token may claim a longer life than we give.
    if (Math.floor(claims.iat_ms / 1000) !== claims.iat) throw new HttpError('token_invalid');
    const lifetimeSeconds = expectedType === 'access' ? this.lifetimes.accessSeconds : this.lifetimes.refreshSeconds;
    if (claims.exp - claims.iat > lifetimeSeconds) throw new HttpError('token_invalid');

    const nowMs = this.clock.now();
    const leewayMs = CLOCK_LEEWAY_SECONDS * 1000;
    const notBefore = decoded.payload.nbf;
    if (notBefore !== undefined && (typeof notBefore !== 'number' || notBefore * 1000 - leewayMs > nowMs)) throw new HttpError('token_invalid');
    if (claims.iat_ms - leewayMs > nowMs || claims.iat * 1000 - leewayMs > nowMs) throw new HttpError('token_invalid');
    // At exp + leeway the token is dead (boundary included).
    if (options.allowExpired !== true && claims.exp * 1000 + leewayMs <= nowMs) throw new HttpError('token_expired');
    return claims;
  }
}

/** `typ` as RFC 9068 allows it: the short form or with `application/`, in any case. */
function hasTypeHeader(header: Readonly<Record<string, unknown>>, expectedType: TokenType): boolean {
  const typ = header.typ;
  if (typeof typ !== 'string') return false;
  const lowered = typ.toLowerCase();
  const expected = TOKEN_TYPE_HEADERS[expectedType];
  return lowered === expected || lowered === `application/${expected}`;
}

function parseClaims(payload: Record<string, unknown>): TokenClaims | undefined {
  const { sub, jti, type, family, iat, iat_ms: iatMs, exp, iss, aud } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > 64) return undefined;
  if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) return undefined;
  if (typeof family !== 'string' || !JTI_PATTERN.test(family)) return undefined;
  if (type !== 'access' && type !== 'refresh') return undefined;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(iatMs) || !Number.isSafeInteger(exp)) return undefined;
  if (typeof iss !== 'string' || typeof aud !== 'string') return undefined;
  return { sub, jti, type, family, iat: iat as number, iat_ms: iatMs as number, exp: exp as number, iss, aud };
}
