import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../src/errors.js';
import { MAX_TOKEN_BYTES, TOKEN_AUDIENCE, TOKEN_ISSUER, TOKEN_TYPE_HEADERS, newTokenId } from '../../src/security/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { generatedSecret } from '../helpers/backends.js';
import { bearer, registerAndLogin, request, type TokenPair } from '../helpers/auth-client.js';

/**
 * Issue 8, attack tests: every forged, confused or malformed JWT is refused
 * through HTTP (not only by the codec, see test/unit/tokens.test.ts) with 401
 * and the JSON error shape, on an authenticated route, on a garage route and
 * on the refresh endpoint; never a 500. Secrets and keys are made per run.
 */

type Json = Record<string, unknown>;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** HS256 over `header.payload` with any key (the server's, another one, an RSA public key PEM…). */
function hs256(header: Json, payload: Json, key: string | Buffer): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

function payloadOf(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublicKeyPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });

function rs256(payload: Json): string {
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(rsa.privateKey).toString('base64url')}`;
}

function expectError(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: ErrorCode): void {
  expect({ status: response.statusCode, body: JSON.parse(response.body) as unknown }).toEqual({
    status,
    body: { error: { code, message: ERROR_CATALOG[code].message } },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
}

describe('issue 8: JWT attacks through HTTP', () => {
  let testApp: TestApp;
  let secret: string;
  let tokens: TokenPair;
  /** A second user: their id goes into tampered payloads. */
  let victimId: string;
  /** Claims every forged token starts from: those of a real session, so only the one attack differs. */
  let base: { sub: string; family: string };

  /** A payload the server would accept if it were signed with its own secret. */
  const claims = (type: 'access' | 'refresh', overrides: Json = {}): Json => {
    const payload: Json = {
      sub: base.sub,
      jti: newTokenId(),
      type,
      family: base.family,
      iat: nowSeconds(),
      iat_ms: Date.now(),
      exp: nowSeconds() + 600,
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      ...overrides,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) Reflect.deleteProperty(payload, name);
    return payload;
  };
  const ours = (payload: Json, header: Json = { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[payload.type === 'refresh' ? 'refresh' : 'access'] }): string => hs256(header, payload, secret);

  /** Every attack, for a token of `type` (what the endpoint expects). The expected code is the same through every transport. */
  const attacks = (type: 'access' | 'refresh'): [string, () => string, ErrorCode][] => {
    const other = type === 'access' ? 'refresh' : 'access';
    const real = type === 'access' ? (): string => tokens.access_token : (): string => tokens.refresh_token;
    return [
      ['alg none, empty signature', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(type))}.`, 'token_invalid'],
      ['alg none, no signature segment', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(type))}`, 'token_invalid'],
      ['alg "None" with a random signature', () => `${b64({ alg: 'None' })}.${b64(claims(type))}.${randomBytes(32).toString('base64url')}`, 'token_invalid'],
      ['alg "NONE" with our real signature', () => `${b64({ alg: 'NONE', typ: 'JWT' })}.${b64(claims(type))}.${real().split('.')[2] ?? ''}`, 'token_invalid'],
      ['RS256 signed with a generated RSA key (algorithm confusion)', () => rs256(claims(type)), 'token_invalid'],
      ['HS256 with the RSA public key PEM as the HMAC secret', () => hs256({ alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type] }, claims(type), rsaPublicKeyPem), 'token_invalid'],
      ['HS512 with our own secret (not on the allow-list)', () => {
        const unsigned = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(claims(type))}`;
        return `${unsigned}.${createHmac('sha512', secret).update(unsigned).digest('base64url')}`;
      }, 'token_invalid'],
      ['a tampered payload (another user) with the original signature', () => {
        const [header, payload, signature] = real().split('.');
        return `${header}.${b64({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')), sub: victimId })}.${signature}`;
      }, 'token_invalid'],
      ['a tampered payload (later exp) with the original signature', () => {
        const [header, , signature] = real().split('.');
        return `${header}.${b64({ ...payloadOf(real()), exp: nowSeconds() + 86_400 * 365 })}.${signature}`;
      }, 'token_invalid'],
      ['a signature from another key', () => hs256({ alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type] }, claims(type), generatedSecret()), 'token_invalid'],
      ['the signature stripped', () => `${real().split('.').slice(0, 2).join('.')}.`, 'token_invalid'],
      ['expired an hour ago', () => ours(claims(type, { iat: nowSeconds() - 4200, iat_ms: (nowSeconds() - 4200) * 1000, exp: nowSeconds() - 3600 })), 'token_expired'],
      ['nbf an hour in the future', () => ours(claims(type, { nbf: nowSeconds() + 3600 })), 'token_invalid'],
      ['issued an hour in the future', () => ours(claims(type, { iat: nowSeconds() + 3600, iat_ms: Date.now() + 3_600_000 })), 'token_invalid'],
      ['a wrong issuer', () => ours(claims(type, { iss: 'https://attacker.example' })), 'token_invalid'],
      ['a wrong audience', () => ours(claims(type, { aud: 'another-service' })), 'token_invalid'],
      ['an audience list that includes ours', () => ours(claims(type, { aud: [TOKEN_AUDIENCE, 'another-service'] })), 'token_invalid'],
      [`a ${other} token where a ${type} token belongs (real, issued by us)`, () => (other === 'access' ? tokens.access_token : tokens.refresh_token), 'token_invalid'],
      [`a forged ${other} token where a ${type} token belongs`, () => ours(claims(other)), 'token_invalid'],
      ['a missing jti', () => ours(claims(type, { jti: undefined })), 'token_invalid'],
      ['a missing sub', () => ours(claims(type, { sub: undefined })), 'token_invalid'],
      ['a missing exp', () => ours(claims(type, { exp: undefined })), 'token_invalid'],
      ['a missing type', () => ours(claims(type, { type: undefined })), 'token_invalid'],
      ['a plain "JWT" typ header', () => ours(claims(type), { alg: 'HS256', typ: 'JWT' }), 'token_invalid'],
      ['no typ header', () => ours(claims(type), { alg: 'HS256' }), 'token_invalid'],
      [`the typ header of a ${other} token`, () => ours(claims(type), { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[other] }), 'token_invalid'],
      ['iat (seconds) an hour in the future while iat_ms is now', () => ours(claims(type, { iat: nowSeconds() + 3600 })), 'token_invalid'],
      [
        'a lifetime (exp − iat) one second longer than configured',
        () => ours(claims(type, { exp: nowSeconds() + (type === 'access' ? testApp.config.accessTokenExpireMinutes * 60 : testApp.config.refreshTokenExpireDays * 86_400) + 1 })),
        'token_invalid',
      ],
      [`an oversized token (> ${MAX_TOKEN_BYTES} bytes)`, () => ours(claims(type, { pad: 'x'.repeat(MAX_TOKEN_BYTES) })), 'token_invalid'],
      ['malformed base64 in every segment', () => '!!!.@@@.###', 'token_invalid'],
      ['a header that is not JSON', () => `${Buffer.from('{"alg":"HS256"').toString('base64url')}.${b64(claims(type))}.${randomBytes(32).toString('base64url')}`, 'token_invalid'],
      ['a payload that is a JSON array', () => hs256({ alg: 'HS256', typ: 'JWT' }, [1, 2, 3] as unknown as Json, secret), 'token_invalid'],
      ['four segments', () => `${real()}.${randomBytes(8).toString('base64url')}`, 'token_invalid'],
      ['an unknown kid header (path traversal)', () => ours(claims(type), { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type], kid: '../../../../dev/null' }), 'token_invalid'],
      ['a jku header pointing at an attacker key set', () => ours(claims(type), { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type], jku: 'https://attacker.example/jwks.json' }), 'token_invalid'],
      ['an x5u header pointing at an attacker certificate', () => ours(claims(type), { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type], x5u: 'https://attacker.example/cert.pem' }), 'token_invalid'],
      ['an embedded jwk header', () => ours(claims(type), { alg: 'HS256', typ: TOKEN_TYPE_HEADERS[type], jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } }), 'token_invalid'],
    ];
  };

  beforeAll(async () => {
    testApp = await startTestApp();
    secret = testApp.config.jwtSecretKey;
    const account = await registerAndLogin(testApp.app);
    tokens = account.tokens;
    victimId = (await registerAndLogin(testApp.app)).id;
    const payload = payloadOf(tokens.access_token);
    base = { sub: String(payload.sub), family: String(payload.family) };
    expect(base.sub).toBe(account.id);
  });
  afterAll(async () => {
    await testApp.close();
  });

  describe('controls: the forging is right, so each refusal is down to the one attack', () => {
    it.each(['/api/v1/auth/me', '/api/v1/garage/vehicles'])('GET %s accepts the real access token and one forged with the server secret', async (url) => {
      expect((await testApp.app.inject({ method: 'GET', url, headers: bearer(tokens.access_token) })).statusCode).toBe(200);
      expect((await testApp.app.inject({ method: 'GET', url, headers: bearer(ours(claims('access'))) })).statusCode).toBe(200);
      expect((await testApp.app.inject({ method: 'GET', url, cookies: { access_token: ours(claims('access')) } })).statusCode).toBe(200);
    });
  });

  type Transport = 'bearer header' | 'access cookie';
  const routes = ['/api/v1/auth/me', '/api/v1/garage/vehicles'] as const;
  const transports: readonly Transport[] = ['bearer header', 'access cookie'];

  describe.each(routes.flatMap((url) => transports.map((transport) => ({ url, transport }))))('GET $url with the token in the $transport', ({ url, transport }) => {
    it.each(attacks('access'))('refuses %s', async (_name, makeToken, code) => {
      const token = makeToken();
      const response =
        transport === 'bearer header'
          ? await testApp.app.inject({ method: 'GET', url, headers: bearer(token) })
          : await testApp.app.inject({ method: 'GET', url, cookies: { access_token: token } });
      expectError(response, 401, code);
    });
  });

  it.each([
    ['no token at all', {}, 'authentication_required'],
    ['an empty bearer', { authorization: 'Bearer ' }, 'token_invalid'],
    ['a Basic authorization', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }, 'token_invalid'],
    ['two bearer tokens', { authorization: 'Bearer a.b.c Bearer d.e.f' }, 'token_invalid'],
  ] as const)('GET /api/v1/auth/me refuses %s with 401', async (_name, headers, code) => {
    expectError(await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers }), 401, code);
  });

  describe('POST /api/v1/auth/refresh', () => {
    const refreshWithBody = (token: string): Promise<LightMyRequestResponse> =>
      request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } });
    const refreshWithCookie = (token: string): Promise<LightMyRequestResponse> =>
      request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', cookies: { refresh_token: token }, payload: {} });

    // The body schema caps refresh_token at 8192 characters, so an oversized token in the body is a 422 before it is ever decoded.
    const bodyAttacks = attacks('refresh').filter(([name]) => !name.startsWith('an oversized token'));
    it.each(bodyAttacks)('refuses %s (token in the body)', async (_name, makeToken, code) => {
      expectError(await refreshWithBody(makeToken()), 401, code);
    });

    it.each(attacks('refresh'))('refuses %s (token in the refresh cookie)', async (_name, makeToken, code) => {
      expectError(await refreshWithCookie(makeToken()), 401, code);
    });

    it('refuses an oversized refresh token in the body by the schema (422), never 500', async () => {
      const response = await refreshWithBody(ours(claims('refresh', { pad: 'x'.repeat(MAX_TOKEN_BYTES) })));
      expect(response.statusCode).toBe(422);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
    });

    it('still rotates the real refresh token afterwards: every refusal above was the attack, not a dead session', async () => {
      const response = await refreshWithBody(tokens.refresh_token);
      expect(response.statusCode).toBe(200);
      const rotated = response.json<TokenPair>();
      expect((await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(rotated.access_token) })).statusCode).toBe(200);
      tokens = rotated;
    });
  });

  describe('oversized tokens on a real listening server (Node parses the headers)', () => {
    let port: number;

    beforeAll(async () => {
      await testApp.app.listen({ host: '127.0.0.1', port: 0 });
      port = (testApp.app.server.address() as AddressInfo).port;
    });

    /**
     * A raw GET over a plain socket (Node's client cannot read an answer the
     * server sends while closing); reads until the server closes, 10 s at most.
     */
    const get = (path: string, headers: Record<string, string>): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = '';
        const timer = setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000);
        socket.setEncoding('utf8');
        socket.on('connect', () => {
          const lines = Object.entries({ host: `127.0.0.1:${port}`, connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
          socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
        });
        socket.on('data', (chunk: string) => (received += chunk));
        socket.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        socket.on('close', () => {
          clearTimeout(timer);
          const [head = '', ...body] = received.split('\r\n\r\n');
          const [statusLine = '', ...headerLines] = head.split('\r\n');
          const parsed: Record<string, string> = {};
          for (const line of headerLines) {
            const colon = line.indexOf(':');
            parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
          }
          resolve({ statusCode: Number(statusLine.split(' ')[1]), headers: parsed, body: body.join('\r\n\r\n') });
        });
      });

    const sized = (bytes: number): string => {
      const token = ours(claims('access', { pad: 'x'.repeat(bytes) }));
      expect(Buffer.byteLength(token)).toBeGreaterThan(bytes);
      return token;
    };

    it.each([
      ['the bearer header', (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })],
      ['the access cookie', (token: string): Record<string, string> => ({ cookie: `access_token=${token}` })],
    ])('a 9 KB token in %s: 401 token_invalid with the JSON error', async (_name, carry) => {
      const response = await get('/api/v1/auth/me', carry(sized(9 * 1024)));
      expectError(response, 401, 'token_invalid');
      expect(response.headers['x-frame-options']).toBe('DENY');
    });

    it.each([
      ['the bearer header', (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })],
      ['the access cookie', (token: string): Record<string, string> => ({ cookie: `access_token=${token}` })],
    ])('a 20 KB token in %s: 431 headers_too_large (over Node\'s 16 KB header limit), never 500, and the server keeps serving', async (_name, carry) => {
      const response = await get('/api/v1/auth/me', carry(sized(20 * 1024)));
      expectError(response, 431, 'headers_too_large');
      expect(response.headers['x-frame-options']).toBe('DENY');
      const health = await get('/api/v1/health', {});
      expect(health.statusCode).toBe(200);
    });
  });
});
