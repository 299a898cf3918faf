import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors.js';
import { sessionCookieNames } from '../../src/security/cookies.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { csrfTokenFor, errorCode } from '../helpers/auth-client.js';
import { projectRoot } from '../helpers/process.js';

/** The `error.code` schemas of every documented JSON response (`{ error: { code } }`). */
function errorCodeSchemas(document: OpenApiDocument): { enum?: unknown[]; const?: unknown; type?: string }[] {
  const responses = Object.values(document.paths).flatMap((operations) => Object.values(operations).flatMap((operation) => Object.values(operation.responses ?? {})));
  return responses.flatMap((response) => {
    const schema = (response as { content?: Record<string, { schema?: { properties?: { error?: { properties?: { code?: object } } } } }> }).content?.['application/json']?.schema;
    const code = schema?.properties?.error?.properties?.code;
    return code === undefined ? [] : [code];
  });
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown>; security?: Record<string, string[]>[] }>>;
  components: { securitySchemes: Record<string, Record<string, string>> };
}

describe('the OpenAPI document and the docs', () => {
  let testApp: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    testApp = await startTestApp();
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json<OpenApiDocument>();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('is OpenAPI 3 named after the product, versioned like package.json', () => {
    const packageVersion = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('AutoCognitix API');
    expect(document.info.version).toBe(packageVersion);
  });

  it('declares bearer JWT, cookie and CSRF-header schemes, and explains X-CSRF-Token', () => {
    const schemes = document.components.securitySchemes;
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.cookieAuth).toMatchObject({ type: 'apiKey', in: 'cookie', name: sessionCookieNames(false).access });
    expect(schemes.csrfToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(document.info.description).toContain('X-CSRF-Token');
  });

  it('documents routes from their schemas, and hides its own plumbing', () => {
    expect(document.paths['/api/v1/health']?.get?.tags).toEqual(['health']);
    expect(Object.keys(document.paths['/api/v1/health']?.get?.responses ?? {}).sort()).toEqual(['200', '503']);
    const hidden = Object.keys(document.paths).filter((route) => route.startsWith('/api/v1/docs') || route === '/api/v1/openapi.json' || route === '/*');
    expect(hidden).toEqual([]);
  });

  it('issue 14 item 10: every route that needs a signed-in caller declares its security, and no public one does', async () => {
    const signedIn = [
      ['post', '/api/v1/auth/logout-all'],
      ['get', '/api/v1/auth/me'],
      ['put', '/api/v1/auth/me'],
      ['delete', '/api/v1/auth/me'],
      ['post', '/api/v1/auth/me/email'],
      ['get', '/api/v1/auth/me/export'],
      ['put', '/api/v1/auth/password'],
      ['get', '/api/v1/auth/sessions'],
      ['delete', '/api/v1/auth/sessions/{id}'],
      ['post', '/api/v1/admin/users/{id}/deactivate'],
      ['post', '/api/v1/admin/users/{id}/activate'],
    ] as const;
    for (const [method, route] of signedIn) expect(document.paths[route]?.[method]?.security, `${method} ${route}`).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
    for (const [route, operations] of Object.entries(document.paths)) {
      if (route.startsWith('/api/v1/garage/')) for (const operation of Object.values(operations)) expect(operation.security, route).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
    }
    for (const route of ['/api/v1/auth/login', '/api/v1/auth/register', '/api/v1/auth/session', '/api/v1/dtc/search']) {
      for (const operation of Object.values(document.paths[route] ?? {})) expect(operation.security, route).toBeUndefined();
    }
  });

  it('issue 17: the trouble-code routes document make (query, response field) and the look-up’s variants', () => {
    interface Operation {
      parameters?: { name: string; in: string }[];
      responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
    }
    const operation = (route: string, method: string): Operation => (document.paths[route]?.[method] ?? {}) as Operation;
    const okProperties = (value: Operation): string[] => Object.keys(value.responses?.['200']?.content?.['application/json']?.schema?.properties ?? {});
    const lookup = operation('/api/v1/dtc/{code}', 'get');
    expect(lookup.parameters?.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name)).toEqual(['make']);
    expect(okProperties(lookup)).toEqual(expect.arrayContaining(['make', 'variants', 'related', 'decoded']));
    const search = operation('/api/v1/dtc/search', 'get');
    expect(search.parameters?.map((parameter) => parameter.name)).toContain('make');
    const items = (search.responses?.['200']?.content?.['application/json']?.schema?.properties?.items ?? {}) as { items?: { properties?: Record<string, unknown> } };
    expect(Object.keys(items.items?.properties ?? {})).toContain('make');
  });

  it('issue 14 item 10: routes that answer 204 document 204', () => {
    const noContent = [
      ['post', '/api/v1/auth/logout'],
      ['post', '/api/v1/auth/logout-all'],
      ['post', '/api/v1/auth/reset-password'],
      ['put', '/api/v1/auth/password'],
      ['delete', '/api/v1/auth/me'],
      ['delete', '/api/v1/auth/sessions/{id}'],
      ['post', '/api/v1/auth/email/confirm'],
      ['post', '/api/v1/auth/email/undo'],
      ['delete', '/api/v1/garage/vehicles/{id}'],
      ['delete', '/api/v1/garage/vehicles/{id}/notes/{noteId}'],
      ['post', '/api/v1/admin/users/{id}/deactivate'],
      ['post', '/api/v1/admin/users/{id}/activate'],
    ] as const;
    for (const [method, route] of noContent) expect(Object.keys(document.paths[route]?.[method]?.responses ?? {}), `${method} ${route}`).toContain('204');
  });

  it('issue 14 item 10: /api/v1/docs/static/index.html with a query string leads to the UI, not to itself', async () => {
    for (const url of ['/api/v1/docs/static/index.html?x=1', '/api/v1/docs/static/index.html']) {
      const response = await testApp.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe('/api/v1/docs/');
    }
    expect((await testApp.app.inject({ method: 'GET', url: '/api/v1/docs/' })).statusCode).toBe(200);
  });

  it('issue 14 item 10: a method a route lacks and an over-long path parameter get what docs/API.md says (404 not_found)', async () => {
    const csrf = await csrfTokenFor(testApp.app);
    const wrongMethod = await testApp.app.inject({ method: 'PATCH', url: '/api/v1/dtc/search', headers: { 'x-csrf-token': csrf.token }, cookies: csrf.cookies });
    expect(wrongMethod.statusCode).toBe(404);
    expect(errorCode(wrongMethod)).toBe('not_found');
    for (const url of [`/api/v1/dtc/${'P'.repeat(101)}`, `/api/v1/garage/vehicles/${'x'.repeat(101)}`]) {
      const response = await testApp.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(errorCode(response)).toBe('not_found');
    }
    const apiDocs = readFileSync(path.join(projectRoot, 'docs/API.md'), 'utf8');
    expect(apiDocs).toContain('A method a route does not have is `404 not_found`');
    expect(apiDocs).toContain('longer than 100 characters is `404 not_found`');
  });

  it('issue 16: error.code is documented as the enum of the error catalog, never a bare string', () => {
    const catalogCodes = Object.keys(ERROR_CATALOG);
    const schemas = errorCodeSchemas(document);
    expect(schemas.length).toBeGreaterThan(0);
    expect(schemas.filter((schema) => schema.type === 'string' && schema.enum === undefined)).toEqual([]);
    for (const schema of schemas) for (const code of schema.enum ?? [schema.const]) expect(catalogCodes).toContain(code);
    expect(schemas.some((schema) => JSON.stringify(schema.enum) === JSON.stringify(catalogCodes))).toBe(true);
  });

  it('serves the same document to Swagger UI', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/docs/json' });
    expect(response.json()).toEqual(document);
  });

  it('serves Swagger UI at /api/v1/docs', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<div id="swagger-ui">');
  });

  it('names the secure cookie (with its prefix) when cookies are secure', async () => {
    const secure = await startTestApp({ config: testConfig({ COOKIE_SECURE: 'true' }) });
    try {
      const secureDocument = (await secure.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<OpenApiDocument>();
      expect(secureDocument.components.securitySchemes.cookieAuth?.name).toBe(sessionCookieNames(true).access);
    } finally {
      await secure.close();
    }
  });
});
