import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { ERROR_CATALOG } from '../../src/errors.js';
import { TokenCodec, newTokenId } from '../../src/security/tokens.js';
import { startTestApp } from '../helpers/app.js';
import { bearer, csrfTokenFor, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { projectRoot } from '../helpers/process.js';
import { RAW_PATH_SEGMENTS, anyString, asText, headerValue, hostileString, schemaValue, wireBody, type JsonSchema, type WireBody } from './arbitraries.js';

/**
 * Issue 8: property-based fuzzing of every route's path, query, body and
 * headers, anonymous and signed in, with and without a CSRF token. Routes
 * come from the app's own OpenAPI document, so a new route is fuzzed without
 * touching this file. Invariants: never a 5xx; every 4xx is the JSON error
 * shape with a catalogued code whose status it has; never a stack trace or an
 * internal path; the security headers on every answer.
 *
 * CI (`npm test`): fixed seed, modest runs. `npm run fuzz`: FUZZ_RUNS=5000 and
 * a random seed, printed; reproduce with FUZZ_SEED=<seed> FUZZ_RUNS=<runs>.
 */

const CI_SEED = 20_260_808;
const CI_RUNS_PER_ROUTE = 150;

function positiveIntegerFromEnvironment(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

const configuredRuns = positiveIntegerFromEnvironment('FUZZ_RUNS');
const runsPerRoute = configuredRuns ?? CI_RUNS_PER_ROUTE;
const seed = positiveIntegerFromEnvironment('FUZZ_SEED') ?? (configuredRuns === undefined ? CI_SEED : randomInt(2 ** 31 - 1));
process.stdout.write(`\nfuzz: seed=${seed} runs per route=${runsPerRoute} (reproduce: FUZZ_SEED=${seed} FUZZ_RUNS=${runsPerRoute} npx vitest run test/fuzz)\n`);
/** Generous: a run is a few injects, but register/login runs hash passwords. */
const testTimeoutMs = 60_000 + runsPerRoute * 150;

interface OpenApiParameter {
  readonly in: string;
  readonly name: string;
  readonly schema?: JsonSchema;
}
interface OpenApiOperation {
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>> };
}
interface Route {
  readonly method: string;
  /** OpenAPI template, e.g. `/api/v1/garage/vehicles/{id}`. */
  readonly path: string;
  readonly pathParameters: readonly OpenApiParameter[];
  readonly queryParameters: readonly OpenApiParameter[];
  readonly bodySchema: JsonSchema | undefined;
  readonly hasBody: boolean;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes the document hides (docs, metrics, the front end), fuzzed for path, query and headers. */
const HIDDEN_ROUTES: readonly string[] = ['/api/v1/openapi.json', '/api/v1/docs', '/api/v1/docs/json', '/metrics', '/', '/index.html'];

const testApp = await startTestApp();
const { app } = testApp;
afterAll(async () => {
  await testApp.close();
});

function routesOf(document: { paths?: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content;
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParameters: parameters.filter((parameter) => parameter.in === 'path'),
        queryParameters: parameters.filter((parameter) => parameter.in === 'query'),
        bodySchema: content?.['application/json']?.schema,
        hasBody: content !== undefined,
      });
    }
  }
  for (const path of HIDDEN_ROUTES) routes.push({ method: 'GET', path, pathParameters: [], queryParameters: [], bodySchema: undefined, hasBody: false });
  return routes;
}

const routes = routesOf(app.swagger() as Parameters<typeof routesOf>[0]);

// A signed-in user with a vehicle and a note, so path values can hit real rows too.
const owner = await registerVerifiedAndLogin(testApp);
const vehicle = await request(app, { method: 'POST', url: '/api/v1/garage/vehicles', headers: bearer(owner.tokens.access_token), payload: { make: 'honda', model: 'civic', year: 2018 } });
const vehicleId = vehicle.json<{ id: string }>().id;
const note = await request(app, { method: 'POST', url: `/api/v1/garage/vehicles/${vehicleId}/notes`, headers: bearer(owner.tokens.access_token), payload: { codes: ['P0301'], symptoms: 'rough idle' } });
const noteId = note.json<{ id: string }>().id;

/**
 * Access tokens for the owner, minted per run with the app's own codec and
 * secret: a run that signs out (logout, logout-all) cannot starve later runs
 * of a valid session. Issued a few ms ahead, so a logout-all mark set in the
 * same millisecond does not cover it (it is within the codec's leeway).
 */
const codec = new TokenCodec(testApp.config.jwtSecretKey, systemClock);
function mintAccessToken(): string {
  const issuedAtMs = Date.now() + 5;
  return codec.encode({ sub: owner.id, jti: newTokenId(), type: 'access', family: newTokenId(), issuedAtMs, expiresAtSeconds: Math.floor(issuedAtMs / 1000) + 600 });
}

/** Values that reach real rows and real code paths, by parameter name. */
const KNOWN_PATH_VALUES: Readonly<Record<string, readonly string[]>> = {
  id: [vehicleId],
  noteId: [noteId],
  code: ['P0301', 'P1FFF', 'u0100'],
  make: ['HONDA', 'honda', 'F-150%2FF-250'],
  model: ['CIVIC', 'civic'],
  year: ['2018', '1899', '2101'],
  vin: ['1HGCM82633A004352', '1HGCM82643A004352', 'WVWZZZ1JZXW000001'],
};

type PathValue = { readonly raw: boolean; readonly value: string };
const pathValue = (parameter: OpenApiParameter): fc.Arbitrary<PathValue> =>
  fc.oneof(
    { arbitrary: schemaValue(parameter.schema).map((value) => ({ raw: false, value: asText(value) })), weight: 4 },
    { arbitrary: fc.constantFrom(...(KNOWN_PATH_VALUES[parameter.name] ?? ['x'])).map((value) => ({ raw: true, value })), weight: 3 },
    { arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map((value) => ({ raw: true, value })), weight: 1 },
    { arbitrary: hostileString.map((value) => ({ raw: false, value })), weight: 1 },
  );

/** A query string: the route's own parameters (fitting, hostile, repeated) and strangers. */
function queryString(route: Route): fc.Arbitrary<string> {
  const known = route.queryParameters.map((parameter) =>
    fc.tuple(fc.constant(parameter.name), fc.oneof(schemaValue(parameter.schema), anyString)).map(([name, value]) => `${name}=${encodeSegment(asText(value))}`),
  );
  const stranger = fc.oneof(
    fc.tuple(fc.string({ maxLength: 10 }), anyString).map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`),
    fc.constantFrom('__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '%zz=1', '&&&=', 'a[]=1&a[]=2', 'limit=1&limit=2', 'q', '=', `pad=${'x'.repeat(3000)}`),
  );
  const part = known.length === 0 ? stranger : fc.oneof({ arbitrary: fc.oneof(...known), weight: 4 }, { arbitrary: stranger, weight: 1 });
  return fc.array(part, { maxLength: 5 }).map((parts) => parts.join('&'));
}

const headerEntry: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  fc.tuple(fc.constant('accept'), fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml', 'garbage', '')),
  fc.tuple(fc.constant('origin'), fc.constantFrom('http://localhost', 'http://localhost:80', 'null', 'https://attacker.example', 'file://')),
  fc.tuple(fc.constant('sec-fetch-site'), fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'garbage')),
  fc.tuple(fc.constant('x-forwarded-for'), fc.oneof(fc.ipV4(), fc.ipV6(), headerValue)),
  fc.tuple(fc.constant('x-forwarded-proto'), fc.constantFrom('http', 'https', 'gopher', '')),
  fc.tuple(fc.constant('x-forwarded-host'), fc.constantFrom('attacker.example', 'localhost', '')),
  fc.tuple(fc.constant('accept-encoding'), fc.constantFrom('gzip', 'br', 'deflate', 'identity;q=0', '*;q=0')),
  fc.tuple(fc.constant('content-encoding'), fc.constantFrom('gzip', 'br', 'identity', 'garbage')),
  fc.tuple(fc.constant('range'), fc.constantFrom('bytes=0-1', 'bytes=-1', 'bytes=99999999-', 'garbage')),
  fc.tuple(fc.constant('if-none-match'), headerValue),
  fc.tuple(fc.constant('user-agent'), headerValue),
  fc.tuple(fc.constant('accept-language'), headerValue),
  fc.tuple(fc.constant('x-request-id'), headerValue),
  fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue),
);
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.array(headerEntry, { maxLength: 4 }).map((entries) => Object.fromEntries(entries));

type AuthMode = 'anonymous' | 'bearer' | 'cookie' | 'junk-bearer' | 'junk-cookie' | 'junk-authorization';
type CsrfMode = 'valid' | 'none' | 'header-only' | 'mismatch';

interface FuzzCase {
  readonly method: string;
  readonly pathValues: readonly PathValue[];
  readonly query: string;
  readonly body: WireBody;
  readonly headers: Record<string, string>;
  readonly auth: AuthMode;
  readonly junk: string;
  readonly csrf: CsrfMode;
  readonly remoteAddress: string;
}

function fuzzCase(route: Route): fc.Arbitrary<FuzzCase> {
  const methods = route.method === 'GET' ? fc.constantFrom('GET', 'GET', 'HEAD') : fc.constant(route.method);
  const noBody = fc.constant<WireBody>({ contentType: undefined, payload: undefined });
  return fc.record({
    method: methods,
    pathValues: fc.tuple(...route.pathParameters.map(pathValue)),
    query: route.queryParameters.length > 0 ? queryString(route) : fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary: queryString(route), weight: 1 }),
    body: route.hasBody || UNSAFE_METHODS.has(route.method) ? wireBody(route.bodySchema) : fc.oneof({ arbitrary: noBody, weight: 9 }, { arbitrary: wireBody(undefined), weight: 1 }),
    headers: extraHeaders,
    auth: fc.constantFrom<AuthMode>('anonymous', 'bearer', 'bearer', 'cookie', 'junk-bearer', 'junk-cookie', 'junk-authorization'),
    junk: fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((text) => text.replaceAll(';', '')), fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '..', 'null')),
    csrf: fc.constantFrom<CsrfMode>('valid', 'valid', 'none', 'header-only', 'mismatch'),
    remoteAddress: fc.oneof(fc.ipV4(), fc.ipV6()),
  });
}

/** encodeURIComponent, with lone surrogates (which it cannot encode) replaced first. */
function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

function urlOf(route: Route, values: readonly PathValue[]): string {
  let index = 0;
  return route.path.replace(/\{[^}]+\}/g, () => {
    const value = values[index++] ?? { raw: true, value: 'x' };
    return value.raw ? value.value : encodeSegment(value.value);
  });
}

async function send(route: Route, fuzz: FuzzCase): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...fuzz.headers };
  const cookies: Record<string, string> = {};
  if (fuzz.auth === 'bearer') headers.authorization = `Bearer ${mintAccessToken()}`;
  if (fuzz.auth === 'cookie') cookies.access_token = mintAccessToken();
  if (fuzz.auth === 'junk-bearer') headers.authorization = `Bearer ${fuzz.junk}`;
  if (fuzz.auth === 'junk-authorization') headers.authorization = fuzz.junk;
  if (fuzz.auth === 'junk-cookie') cookies.access_token = fuzz.junk;
  if (UNSAFE_METHODS.has(fuzz.method)) {
    const session = { headers: headers.authorization === undefined ? {} : { authorization: headers.authorization }, cookies };
    if (fuzz.csrf === 'valid' || fuzz.csrf === 'mismatch') {
      const issued = await csrfTokenFor(app, session);
      Object.assign(cookies, issued.cookies);
      headers['x-csrf-token'] = fuzz.csrf === 'valid' ? issued.token : (await csrfTokenFor(app, session)).token;
    } else if (fuzz.csrf === 'header-only') {
      headers['x-csrf-token'] = fuzz.junk;
    }
  }
  const cookieHeader = Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
  if (cookieHeader !== '') headers.cookie = cookieHeader;
  if (fuzz.body.contentType !== undefined) headers['content-type'] = fuzz.body.contentType;
  const url = `${urlOf(route, fuzz.pathValues)}${fuzz.query === '' ? '' : `?${fuzz.query}`}`;
  return app.inject({
    method: fuzz.method as 'GET',
    url,
    headers,
    remoteAddress: fuzz.remoteAddress,
    ...(fuzz.body.payload === undefined ? {} : { payload: fuzz.body.payload }),
  });
}

/** Stack frames, source locations, dependency folders and this machine's paths. */
const LEAK_PATTERNS: readonly RegExp[] = [
  /\n\s+at \S/,
  /\bat [\w.<>$]+ \([^)]*:\d+:\d+\)/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /\/work\//,
  /\/srv\//,
  /\bsrc\//,
  /\b(?:Type|Reference|Syntax|Range)Error\b/,
  new RegExp(projectRoot.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')),
];

const ALLOWED_ERROR_KEYS = new Set(['code', 'message', 'details', 'decoded']);

/** Throws (with the request and response) when an invariant does not hold. */
function checkInvariants(route: Route, fuzz: FuzzCase, response: LightMyRequestResponse): void {
  const context = (): string => `${fuzz.method} ${route.path} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  if (response.statusCode >= 500) throw new Error(`5xx: ${context()}`);
  if (response.headers['x-content-type-options'] !== 'nosniff' || response.headers['content-security-policy'] === undefined) {
    throw new Error(`security headers missing: ${context()}`);
  }
  const contentType = String(response.headers['content-type'] ?? '');
  const isJson = contentType.startsWith('application/json');
  if (response.statusCode >= 400 || isJson) {
    const leak = LEAK_PATTERNS.find((pattern) => pattern.test(response.body));
    if (leak !== undefined) throw new Error(`leak (${String(leak)}): ${context()}`);
  }
  if (response.statusCode < 400 || fuzz.method === 'HEAD') return;
  if (!isJson) throw new Error(`4xx without JSON: ${context()}`);
  const parsed = JSON.parse(response.body) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Object.keys(parsed).join() !== 'error') throw new Error(`not { error }: ${context()}`);
  const { error } = parsed as { error: Record<string, unknown> };
  const code = error.code;
  if (typeof code !== 'string' || !(code in ERROR_CATALOG)) throw new Error(`unknown error code: ${context()}`);
  if (ERROR_CATALOG[code as keyof typeof ERROR_CATALOG].status !== response.statusCode) throw new Error(`code ${code} with another status: ${context()}`);
  if (typeof error.message !== 'string' || error.message === '') throw new Error(`no message: ${context()}`);
  const unexpected = Object.keys(error).filter((key) => !ALLOWED_ERROR_KEYS.has(key));
  if (unexpected.length > 0) throw new Error(`unexpected error keys ${unexpected.join(',')}: ${context()}`);
}

describe('issue 8: fuzzing every route (fast-check)', () => {
  it('finds the routes in the OpenAPI document', () => {
    const names = routes.map((route) => `${route.method} ${route.path}`);
    expect(names).toEqual(expect.arrayContaining(['POST /api/v1/auth/login', 'GET /api/v1/dtc/{code}', 'PUT /api/v1/garage/vehicles/{id}', 'POST /api/v1/diagnosis/quick-analyze']));
    expect(routes.length).toBeGreaterThan(25);
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: no 5xx, the JSON error shape, no leaks',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(fuzzCase(route), async (fuzz) => {
          checkInvariants(route, fuzz, await send(route, fuzz));
        }),
        { seed, numRuns: runsPerRoute },
      );
    },
    testTimeoutMs,
  );

  it(
    'unknown paths and methods: JSON 404/405, never 5xx',
    async () => {
      const templates = routes.map((route) => route.path);
      const unknownRoute = fc.record({
        method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        path: fc.oneof(
          fc.constantFrom(...templates).map((path) => path.replace(/\{[^}]+\}/g, 'x')),
          fc.tuple(fc.constantFrom(...templates), fc.constantFrom(...RAW_PATH_SEGMENTS, 'extra', '')).map(([path, suffix]) => `${path.replace(/\{[^}]+\}/g, 'x')}/${suffix}`),
          fc.array(fc.oneof(fc.constantFrom(...RAW_PATH_SEGMENTS), fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeSegment)), { maxLength: 6 }).map((segments) => `/api/v1/${segments.join('/')}`),
        ),
      });
      await fc.assert(
        fc.asyncProperty(unknownRoute, fc.oneof(fc.ipV4(), fc.ipV6()), async ({ method, path }, remoteAddress) => {
          const route: Route = { method, path, pathParameters: [], queryParameters: [], bodySchema: undefined, hasBody: false };
          const fuzz: FuzzCase = { method, pathValues: [], query: '', body: { contentType: undefined, payload: undefined }, headers: {}, auth: 'anonymous', junk: '', csrf: 'none', remoteAddress };
          checkInvariants(route, fuzz, await send(route, fuzz));
        }),
        { seed, numRuns: runsPerRoute * 5 },
      );
    },
    testTimeoutMs,
  );

  // Regression, found by this suite: Ajv 8.20 with coerceTypes (ajv-validator/ajv#2212,
  // fastify/fastify#4613) coerces a query or path string "Infinity", "-Infinity" or "1e999" to a
  // non-finite number that passes `type: integer` and skips minimum/maximum; it reached the handlers
  // and the reply failed to serialise: 500. src/http/finite-numbers.ts refuses it: 422.
  it.each([
    '/api/v1/vehicles/makes?limit=Infinity',
    '/api/v1/vehicles/models?make=HONDA&offset=1e999',
    '/api/v1/dtc/search?limit=-Infinity',
    '/api/v1/vehicles/HONDA/CIVIC/Infinity/recalls',
    '/api/v1/vehicles/HONDA/CIVIC/2018/complaints?offset=Infinity',
  ])('GET %s: a non-finite number is 422, not 500', async (url) => {
    const response = await app.inject({ method: 'GET', url, remoteAddress: '192.0.2.99' });
    expect(response.statusCode).toBe(422);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
  });

  // Found by wapiti on PostgreSQL: a NUL character in any text that reaches PostgreSQL ("invalid byte
  // sequence for encoding UTF8: 0x00", SQLSTATE 22021) was a 500. It is a client error (422).
  it.each([
    ['the search text', 'GET', '/api/v1/dtc/search?q=misfire%00', undefined],
    ['a query make', 'GET', '/api/v1/vehicles/models?make=honda%00', undefined],
    ['a path make', 'GET', '/api/v1/vehicles/honda%00/civic/2018/recalls', undefined],
    ['a garage vehicle', 'POST', '/api/v1/garage/vehicles', { make: 'honda\u0000', model: 'civic', year: 2018 }],
    ['a garage note', 'POST', '/api/v1/garage/vehicles/{id}/notes', { codes: [], symptoms: 'rough\u0000idle' }],
  ] as const)('a NUL character in %s: never 500', async (_name, method, url, payload) => {
    const headers = bearer(mintAccessToken());
    // A vehicle of its own: the fuzz runs above may have deleted the shared one.
    const fresh = await request(app, { method: 'POST', url: '/api/v1/garage/vehicles', headers, payload: { make: 'ford', model: 'focus', year: 2015 } });
    const target = url.replace('{id}', fresh.json<{ id: string }>().id);
    const response = await request(app, { method, url: target, headers, remoteAddress: '192.0.2.98', ...(payload === undefined ? {} : { payload }) });
    expect(response.statusCode).toBeLessThan(500);
    if (response.statusCode >= 400) expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
  });

  it('left the prototypes clean and the server healthy', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
  });
});
