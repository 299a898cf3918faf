import { createHash, randomBytes } from 'node:crypto';
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
const ALLOWED_HEADER_PARAMETERS = new Set(['alg', 'typ', 'kid']);

/**
 * The keys tokens are signed and verified with (JWT_SECRET_KEY and
 * JWT_PREVIOUS_SECRET_KEYS): new tokens are signed with `current` only;
 * tokens signed with a `previous` key are accepted until they expire.
 */
export interface SigningKeys {
  readonly current: string;
  readonly previous?: readonly string[];
}

/** Fixed label hashed with the key, so a key id is never a plain SHA-256 of the key that could be met elsewhere. */
const KEY_ID_LABEL = 'autocognitix jwt key id v1\0';
/** 16 base64url characters: 96 bits, ample to tell a handful of keys apart. */
const KEY_ID_LENGTH = 16;

/**
 * A key's public id, the `kid` of the tokens it signs: the first 16 base64url
 * characters of SHA-256 over a fixed label and the key. Safe to print and log:
 * a one-way hash of a random key tells nothing of the key.
 */
export function keyIdOf(secret: string): string {
  return createHash('sha256').update(KEY_ID_LABEL).update(secret).digest('base64url').slice(0, KEY_ID_LENGTH);
}

/** One verification key: its id and a verifier bound to it. */
interface VerificationKey {
  readonly kid: string;
  readonly verify: (token: string) => VerifiedToken;
}

/** 128 random bits, base64url: token ids and session (family) ids. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

function verifierFor(secret: string): VerificationKey {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: TOKEN_ISSUER,
    allowedAud: TOKEN_AUDIENCE,
    requiredClaims: ['sub', 'jti', 'type', 'family', 'iat', 'iat_ms', 'exp', 'iss', 'aud'],
    ignoreExpiration: true,
    ignoreNotBefore: true,
    complete: true,
  }) as (token: string) => VerifiedToken;
  return { kid: keyIdOf(secret), verify };
}

/**
 * Signs and verifies the service's JWTs: HS256 only, fixed issuer and
 * audience, every claim required. Time is checked here with the injected
 * clock (fast-jwt's own checks are off) so expiry is testable to the second.
 * Each token names its key (`kid`); see {@link SigningKeys} for rotation.
 */
export class TokenCodec {
  /** The `kid` new tokens carry. */
  readonly currentKeyId: string;
  private readonly signers: Readonly<Record<TokenType, (payload: Record<string, unknown>) => string>>;
  /** Current key first, then the previous keys in the order configured. */
  private readonly keys: readonly VerificationKey[];
  private readonly keysById: ReadonlyMap<string, VerificationKey>;
  /** Verified tokens by their signature segment; the whole token is compared on every hit. */
  private readonly verified = new Map<string, { readonly token: string; readonly verified: VerifiedToken }>();

  constructor(
    signingKeys: string | SigningKeys,
    private readonly clock: Clock,
    private readonly lifetimes: TokenLifetimes = DEFAULT_TOKEN_LIFETIMES,
  ) {
    const { current, previous = [] } = typeof signingKeys === 'string' ? { current: signingKeys } : signingKeys;
    const secrets = [...new Set([current, ...previous])];
    this.keys = secrets.map(verifierFor);
    this.keysById = new Map(this.keys.map((key) => [key.kid, key]));
    // Two keys with one id would make a token's kid ambiguous (96 bits: never by chance).
    if (this.keysById.size !== this.keys.length) throw new Error('two signing keys share a key id');
    this.currentKeyId = keyIdOf(current);
    // iat and exp come from the payload (our clock), so fast-jwt adds no time of its own.
    const signer = (type: TokenType): ((payload: Record<string, unknown>) => string) =>
      createSigner({ key: current, algorithm: 'HS256', kid: this.currentKeyId, header: { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type] } });
    this.signers = { access: signer('access'), refresh: signer('refresh') };
  }

  /**
   * The signature check for a token: by its `kid` against the key with that
   * id, never against the others; an id we do not hold is refused. Tokens
   * issued before tokens carried a kid have none: those alone are tried
   * against each configured key in turn (at most six HMACs, and such tokens
   * are at most REFRESH_TOKEN_EXPIRE_DAYS old, so the fallback dies out by
   * itself once every token issued before the upgrade has expired).
   */
  private verifySignature(token: string): VerifiedToken {
    const kid = headerOf(token)?.kid;
    if (kid !== undefined) {
      const key = typeof kid === 'string' ? this.keysById.get(kid) : undefined;
      if (key === undefined) throw new HttpError('token_invalid', { cause: 'unknown_kid' });
      return sameKeyId(key.verify(token), kid);
    }
    let failure: unknown;
    for (const key of this.keys) {
      try {
        return sameKeyId(key.verify(token), undefined);
      } catch (error) {
        failure ??= error;
      }
    }
    throw failure;
  }

  /**
   * Signature, algorithm, issuer, audience and required claims of a token,
   * remembered per token so a client's repeated token is verified once. Only
   * successes are kept, compared as whole tokens: fast-jwt's own cache keys
   * by a SHA-256 of the token, which costs as much as the HMAC it saves.
   * Time and revocation are checked on every call, after this.
   */
  private verifyOnce(token: string): VerifiedToken {
    // Looked up by the signature (43 characters to hash, not the whole token), then the whole token must match.
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const known = this.verified.get(signature);
    if (known !== undefined && known.token === token) return known.verified;
    const decoded = this.verifySignature(token);
    const entry: VerifiedToken = Object.freeze({ header: Object.freeze(decoded.header), payload: Object.freeze(decoded.payload) });
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(signature, { token, verified: entry });
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
      if (error instanceof HttpError) throw error;
      throw new HttpError('token_invalid', { cause: error instanceof TokenError ? error.code : undefined });
    }
    // We never issue jku/x5u/jwk/crit: a token that has them was not made here.
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

/**
 * The token's JOSE header, read before its signature is checked only to
 * pick the key; undefined when the first segment is not a JSON object (the
 * verifier then refuses the token).
 */
function headerOf(token: string): Readonly<Record<string, unknown>> | undefined {
  const end = token.indexOf('.');
  if (end <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The verifier's own reading of the header must name the key we chose by (defence in depth: both parse the same bytes). */
function sameKeyId(verified: VerifiedToken, kid: unknown): VerifiedToken {
  if (verified.header.kid !== kid) throw new HttpError('token_invalid', { cause: 'kid_mismatch' });
  return verified;
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
