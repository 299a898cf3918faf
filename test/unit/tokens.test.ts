import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.js';
import { CLOCK_LEEWAY_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenCodec, keyIdOf, newTokenId, type TokenSpec } from '../../src/security/tokens.js';
import { generatedSecret } from '../helpers/backends.js';
import { manualClock } from '../helpers/time.js';

const secret = generatedSecret();
const clock = manualClock(Date.UTC(2026, 10, 28, 12, 0, 0));
const codec = new TokenCodec(secret, clock);
const nowSeconds = (): number => Math.floor(clock.now() / 1000);

function spec(overrides: Partial<TokenSpec> = {}): TokenSpec {
  return { sub: 'user-1', jti: newTokenId(), type: 'access', family: newTokenId(), issuedAtMs: clock.now(), expiresAtSeconds: nowSeconds() + 900, ...overrides };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, signed (HS256) with `key`. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key: string = secret): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

function validPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'user-1',
    jti: newTokenId(),
    type: 'access',
    family: newTokenId(),
    iat: nowSeconds(),
    iat_ms: clock.now(),
    exp: nowSeconds() + 900,
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    ...overrides,
  };
}

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof HttpError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('TokenCodec', () => {
  it('round-trips every claim', () => {
    const tokenSpec = spec();
    const claims = codec.decode(codec.encode(tokenSpec), 'access');
    expect(claims).toMatchObject({ sub: 'user-1', jti: tokenSpec.jti, family: tokenSpec.family, type: 'access', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: tokenSpec.expiresAtSeconds });
    expect(claims.iat_ms).toBe(tokenSpec.issuedAtMs);
  });

  it('is deterministic: the same spec signs to the same token (grace-window replays rely on it)', () => {
    const tokenSpec = spec();
    expect(codec.encode(tokenSpec)).toBe(codec.encode(tokenSpec));
  });

  it('makes 128-bit random ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newTokenId));
    expect(ids.size).toBe(1000);
    expect(Buffer.from([...ids][0] ?? '', 'base64url')).toHaveLength(16);
  });

  describe('expiry at the boundary (10 s leeway)', () => {
    it('accepts a token 1 ms before exp + leeway', () => {
      const token = codec.encode(spec({ expiresAtSeconds: nowSeconds() }));
      const saved = clock.now();
      clock.set(nowSeconds() * 1000 + CLOCK_LEEWAY_SECONDS * 1000 - 1);
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('accepted');
      clock.set(saved);
    });

    it('rejects a token exactly at exp + leeway as token_expired', () => {
      const token = codec.encode(spec({ expiresAtSeconds: nowSeconds() }));
      const saved = clock.now();
      clock.set(nowSeconds() * 1000 + CLOCK_LEEWAY_SECONDS * 1000);
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('token_expired');
      clock.set(saved);
    });
  });

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaSigned = (() => {
    const header = b64({ alg: 'RS256', typ: 'JWT' });
    const payload = b64(validPayload());
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  })();

  it.each<[string, () => string, string]>([
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(validPayload())}.`, 'token_invalid'],
    ['alg none with a signature', () => `${b64({ alg: 'none' })}.${b64(validPayload())}.${randomBytes(32).toString('base64url')}`, 'token_invalid'],
    ['RS256 (algorithm confusion)', () => rsaSigned, 'token_invalid'],
    ['HS512 with our own secret', () => {
      const unsigned = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(validPayload())}`;
      return `${unsigned}.${createHmac('sha512', secret).update(unsigned).digest('base64url')}`;
    }, 'token_invalid'],
    ['another key', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload(), generatedSecret()), 'token_invalid'],
    ['a tampered payload with the original signature', () => {
      const [header, , signature] = codec.encode(spec()).split('.');
      return `${header}.${b64(validPayload({ sub: 'admin' }))}.${signature}`;
    }, 'token_invalid'],
    ['expired long ago', () => codec.encode(spec({ expiresAtSeconds: nowSeconds() - 3600 })), 'token_expired'],
    ['nbf in the future', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ nbf: nowSeconds() + 3600 })), 'token_invalid'],
    ['issued in the future', () => codec.encode(spec({ issuedAtMs: clock.now() + 60_000 })), 'token_invalid'],
    ['a wrong issuer', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ iss: 'someone-else' })), 'token_invalid'],
    ['a wrong audience', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ aud: 'other-app' })), 'token_invalid'],
    ['a refresh token used as access token', () => codec.encode(spec({ type: 'refresh' })), 'token_invalid'],
    ['a missing jti', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ jti: undefined })), 'token_invalid'],
    ['a short jti', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ jti: 'abc' })), 'token_invalid'],
    ['an unknown kid header', () => forge({ alg: 'HS256', typ: 'at+jwt', kid: '../../etc/passwd' }, validPayload()), 'token_invalid'],
    ['a crit header', () => forge({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(secret), crit: ['exp'] }, validPayload()), 'token_invalid'],
    ['an embedded jwk header', () => forge({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(secret), jwk: { kty: 'oct', k: 'AA' } }, validPayload()), 'token_invalid'],
    ['a jku header', () => forge({ alg: 'HS256', typ: 'at+jwt', jku: 'http://attacker.example/keys' }, validPayload()), 'token_invalid'],
    ['an x5u header', () => forge({ alg: 'HS256', typ: 'at+jwt', x5u: 'http://attacker.example/cert' }, validPayload()), 'token_invalid'],
    ['an oversized token (> 8 KB)', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ pad: 'x'.repeat(9000) })), 'token_invalid'],
    ['malformed base64', () => '!!!.@@@.###', 'token_invalid'],
    ['two segments', () => `${b64({ alg: 'HS256' })}.${b64(validPayload())}`, 'token_invalid'],
    ['an empty string', () => '', 'token_invalid'],
    ['a string claim for exp', () => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ exp: String(nowSeconds() + 900) })), 'token_invalid'],
  ])('rejects %s', (_name, makeToken, expected) => {
    expect(codeOf(() => codec.decode(makeToken(), 'access'))).toBe(expected);
  });

  describe('token kinds and lifetimes (RFC 9068 typ)', () => {
    const headerOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

    it('signs access tokens as at+jwt and refresh tokens as refresh+jwt', () => {
      expect(headerOf(codec.encode(spec()))).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(secret) });
      expect(headerOf(codec.encode(spec({ type: 'refresh', expiresAtSeconds: nowSeconds() + 3600 })))).toEqual({ alg: 'HS256', typ: 'refresh+jwt', kid: keyIdOf(secret) });
    });

    it.each([
      ['typ JWT', { alg: 'HS256', typ: 'JWT' }, 'token_invalid'],
      ['no typ', { alg: 'HS256' }, 'token_invalid'],
      ['the refresh typ on access claims', { alg: 'HS256', typ: 'refresh+jwt' }, 'token_invalid'],
      ['at+jwt', { alg: 'HS256', typ: 'at+jwt' }, 'accepted'],
      ['application/at+jwt (RFC 9068 long form)', { alg: 'HS256', typ: 'application/at+jwt' }, 'accepted'],
    ])('an access token with %s: %s', (_name, header, expected) => {
      expect(codeOf(() => codec.decode(forge(header, validPayload()), 'access'))).toBe(expected);
    });

    it('checks iat in seconds with the same leeway as iat_ms', () => {
      const ahead = (seconds: number): string => forge({ alg: 'HS256', typ: 'at+jwt' }, validPayload({ iat: nowSeconds() + seconds, iat_ms: clock.now() }));
      expect(codeOf(() => codec.decode(ahead(CLOCK_LEEWAY_SECONDS + 1), 'access'))).toBe('token_invalid');
      expect(codeOf(() => codec.decode(ahead(3600), 'access'))).toBe('token_invalid');
    });

    it('refuses a signed token whose exp − iat is longer than the configured lifetime', () => {
      const shortLived = new TokenCodec(secret, clock, { accessSeconds: 300, refreshSeconds: 3600 });
      const token = (lifetime: number, type: 'access' | 'refresh' = 'access'): string => codec.encode(spec({ type, expiresAtSeconds: nowSeconds() + lifetime }));
      expect(codeOf(() => shortLived.decode(token(300), 'access'))).toBe('accepted');
      expect(codeOf(() => shortLived.decode(token(301), 'access'))).toBe('token_invalid');
      expect(codeOf(() => shortLived.decode(token(3600, 'refresh'), 'refresh'))).toBe('accepted');
      expect(codeOf(() => shortLived.decode(token(3601, 'refresh'), 'refresh'))).toBe('token_invalid');
      // The default codec (15 min, 7 days) refuses a ten-year token signed with its own key.
      expect(codeOf(() => codec.decode(token(10 * 365 * 86_400), 'access'))).toBe('token_invalid');
    });
  });

  it('rejects an access token used as a refresh token', () => {
    expect(codeOf(() => codec.decode(codec.encode(spec()), 'refresh'))).toBe('token_invalid');
  });

  describe('a token seen before (verified once, then remembered)', () => {
    it('is still checked for expiry, type and time on every decode', () => {
      const token = codec.encode(spec({ expiresAtSeconds: nowSeconds() + 60 }));
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('accepted');
      expect(codeOf(() => codec.decode(token, 'refresh'))).toBe('token_invalid');
      const saved = clock.now();
      clock.advance(60_000 + CLOCK_LEEWAY_SECONDS * 1000);
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('token_expired');
      expect(codec.decode(token, 'access', { allowExpired: true }).sub).toBe('user-1');
      clock.set(saved);
    });

    it('does not vouch for a token that differs in any one character', () => {
      const token = codec.encode(spec());
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('accepted');
      for (const index of [0, Math.floor(token.length / 2), token.length - 2]) {
        const changed = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
        expect(codeOf(() => codec.decode(changed, 'access'))).toBe('token_invalid');
      }
      expect(codeOf(() => codec.decode(`${token} `, 'access'))).toBe('token_invalid');
    });

    it('does not vouch for another genuine payload under a remembered signature, and keeps the genuine token', () => {
      const token = codec.encode(spec());
      const other = codec.encode(spec({ sub: 'user-2' }));
      expect(codeOf(() => codec.decode(token, 'access'))).toBe('accepted');
      expect(codeOf(() => codec.decode(other, 'access'))).toBe('accepted');
      const [, otherPayload] = other.split('.');
      const [header, , signature] = token.split('.');
      // Signed header and payload of one token, remembered signature of the other.
      expect(codeOf(() => codec.decode(`${header ?? ''}.${otherPayload ?? ''}.${signature ?? ''}`, 'access'))).toBe('token_invalid');
      expect(codec.decode(token, 'access').sub).toBe('user-1');
      expect(codec.decode(other, 'access').sub).toBe('user-2');
    });

    it('keeps working past its size bound: the first tokens decode again after thousands of others', () => {
      const first = spec();
      const firstToken = codec.encode(first);
      expect(codec.decode(firstToken, 'access').jti).toBe(first.jti);
      for (let index = 0; index < 5000; index++) codec.decode(codec.encode(spec()), 'access');
      expect(codec.decode(firstToken, 'access').jti).toBe(first.jti);
      const at = firstToken.length - 5;
      const forged = firstToken.slice(0, at) + (firstToken[at] === 'A' ? 'B' : 'A') + firstToken.slice(at + 1);
      expect(codeOf(() => codec.decode(forged, 'access'))).toBe('token_invalid');
    });
  });

  describe('signing-key rotation (kid)', () => {
    const keyA = generatedSecret();
    const keyB = generatedSecret();
    const onlyA = new TokenCodec(keyA, clock);
    const rotated = new TokenCodec({ current: keyB, previous: [keyA] }, clock);
    const onlyB = new TokenCodec({ current: keyB }, clock);
    const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>).kid;
    const refreshSpec = (): TokenSpec => spec({ type: 'refresh', expiresAtSeconds: nowSeconds() + 7 * 86_400 });

    it('a key id is 16 base64url characters, stable per key, different between keys, and not the key', () => {
      expect(keyIdOf(keyA)).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(keyIdOf(keyA)).toBe(keyIdOf(keyA));
      expect(keyIdOf(keyA)).not.toBe(keyIdOf(keyB));
      expect(keyA).not.toContain(keyIdOf(keyA));
      expect(Buffer.from(keyA).toString('base64url')).not.toContain(keyIdOf(keyA));
    });

    it('signs new tokens with the current key only, naming it in kid', () => {
      expect(rotated.currentKeyId).toBe(keyIdOf(keyB));
      const token = rotated.encode(spec());
      expect(kidOf(token)).toBe(keyIdOf(keyB));
      expect(codeOf(() => onlyB.decode(token, 'access'))).toBe('accepted');
      // The key that is now previous never signs: a codec holding only A cannot verify it.
      expect(codeOf(() => onlyA.decode(token, 'access'))).toBe('token_invalid');
    });

    it('accepts access and refresh tokens signed with a previous key', () => {
      const access = spec();
      const refresh = refreshSpec();
      expect(rotated.decode(onlyA.encode(access), 'access').jti).toBe(access.jti);
      expect(rotated.decode(onlyA.encode(refresh), 'refresh').jti).toBe(refresh.jti);
    });

    it('a token signed with a previous key dies at its own expiry', () => {
      const token = onlyA.encode(spec({ expiresAtSeconds: nowSeconds() + 60 }));
      const saved = clock.now();
      clock.advance(60_000 + CLOCK_LEEWAY_SECONDS * 1000 - 1);
      expect(codeOf(() => rotated.decode(token, 'access'))).toBe('accepted');
      clock.advance(1);
      expect(codeOf(() => rotated.decode(token, 'access'))).toBe('token_expired');
      clock.set(saved);
    });

    it('refuses a token signed with a key that has been removed', () => {
      expect(codeOf(() => onlyB.decode(onlyA.encode(spec()), 'access'))).toBe('token_invalid');
      expect(codeOf(() => onlyB.decode(onlyA.encode(refreshSpec()), 'refresh'))).toBe('token_invalid');
    });

    it('checks a token only against the key its kid names: kid of A signed with B is refused although B is held', () => {
      expect(codeOf(() => rotated.decode(forge({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(keyA) }, validPayload(), keyB), 'access'))).toBe('token_invalid');
      expect(codeOf(() => rotated.decode(forge({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(keyB) }, validPayload(), keyA), 'access'))).toBe('token_invalid');
      expect(codeOf(() => rotated.decode(forge({ alg: 'HS256', typ: 'at+jwt', kid: keyIdOf(keyA) }, validPayload(), keyA), 'access'))).toBe('accepted');
    });

    it.each<[string, unknown]>([
      ['an unknown kid', keyIdOf(generatedSecret())],
      ['an empty kid', ''],
      ['a numeric kid', 1],
      ['an object kid', { id: 'x' }],
      ['a null kid', null],
    ])('refuses %s even on a token signed with the current key', (_name, kid) => {
      expect(codeOf(() => rotated.decode(forge({ alg: 'HS256', typ: 'at+jwt', kid }, validPayload(), keyB), 'access'))).toBe('token_invalid');
    });

    describe('tokens issued before tokens carried a kid', () => {
      const legacy = (key: string, type: 'access' | 'refresh' = 'access'): string =>
        forge({ alg: 'HS256', typ: type === 'access' ? 'at+jwt' : 'refresh+jwt' }, validPayload(type === 'access' ? {} : { type, exp: nowSeconds() + 86_400 }), key);

      it('are accepted when signed with the current key or a previous one', () => {
        expect(codeOf(() => rotated.decode(legacy(keyB), 'access'))).toBe('accepted');
        expect(codeOf(() => rotated.decode(legacy(keyA), 'access'))).toBe('accepted');
        expect(codeOf(() => rotated.decode(legacy(keyA, 'refresh'), 'refresh'))).toBe('accepted');
      });

      it('are refused when signed with any other key, or with a key since removed', () => {
        expect(codeOf(() => rotated.decode(legacy(generatedSecret()), 'access'))).toBe('token_invalid');
        expect(codeOf(() => onlyB.decode(legacy(keyA), 'access'))).toBe('token_invalid');
      });
    });

    it('holds a key given twice once, and the current key in the previous list changes nothing', () => {
      const doubled = new TokenCodec({ current: keyB, previous: [keyA, keyA, keyB] }, clock);
      expect(doubled.currentKeyId).toBe(keyIdOf(keyB));
      expect(codeOf(() => doubled.decode(onlyA.encode(spec()), 'access'))).toBe('accepted');
      expect(kidOf(doubled.encode(spec()))).toBe(keyIdOf(keyB));
    });
  });
});
