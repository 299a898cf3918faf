import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieNames } from '../../src/security/cookies.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { projectRoot } from '../helpers/process.js';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown> }>>;
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
