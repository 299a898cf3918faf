import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST_DIRECTORY, webApp } from '../../src/http/web-app.js';
import { createLogger } from '../../src/observability/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** How the server hands out the built front end (web/dist, built by the test run's global setup). */
describe('serving the web front end', () => {
  let testApp: TestApp;
  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  // Vite's modulepreload polyfill would be an inline script: web/vite.config.ts switches it off.
  it('builds an index.html with no inline script, style, event handler or javascript: URL', () => {
    const index = readFileSync(path.join(WEB_DIST_DIRECTORY, 'index.html'), 'utf8');
    const scripts = [...index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(index).not.toMatch(/<style\b/i);
    expect(index).not.toMatch(/\sstyle\s*=/i);
    expect(index).not.toMatch(/\son[a-z]+\s*=/i);
    expect(index).not.toMatch(/javascript:/i);
  });

  // The web app takes the error codes from src/errors.ts as a type only: none of the server's code is bundled.
  it('bundles the error codes as texts of its own, not the server catalog', () => {
    const assets = path.join(WEB_DIST_DIRECTORY, 'assets');
    const bundle = readdirSync(assets)
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(path.join(assets, name), 'utf8'))
      .join('\n');
    expect(bundle).toContain('Néhány adat nem megfelelő. Javítsa a megjelölt mezőket.');
    for (const serverOnly of ['The request body could not be parsed', 'The X-CSRF-Token header or the CSRF cookie is missing', 'HttpError']) {
      expect(bundle).not.toContain(serverOnly);
    }
  });

  it('serves index.html at / and, for history routing, at any page path that asks for HTML', async () => {
    const index = readFileSync(path.join(WEB_DIST_DIRECTORY, 'index.html'), 'utf8');
    for (const url of ['/', '/garage', '/garage/3f2a', '/dtc/P0301?x=1', '/signin?next=%2Fgarage']) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toMatch(/^text\/html/);
      expect(response.body, url).toBe(index);
      expect(response.headers['cache-control'], url).toBe('no-cache');
      expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
      expect(response.headers['x-frame-options'], url).toBe('DENY');
    }
  });

  it('serves the hashed assets with long caching and the security headers', async () => {
    const [script] = readdirSync(path.join(WEB_DIST_DIRECTORY, 'assets')).filter((file) => file.endsWith('.js'));
    expect(script).toBeDefined();
    const response = await testApp.app.inject({ method: 'GET', url: `/assets/${script ?? ''}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['an unknown API path, even asking for HTML', '/api/v1/no-such-route', html],
    ['the bare /api prefix', '/api', html],
    ['a missing asset', '/assets/missing-1234.js', html],
    ['a page path asked for as JSON', '/garage', { accept: 'application/json' }],
    ['a page path with no Accept header', '/garage', {}],
  ])('answers %s with the JSON 404', async (_name, url, headers) => {
    const response = await testApp.app.inject({ method: 'GET', url, headers });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
  });

  it('never answers an unsafe method with the page', async () => {
    const response = await testApp.app.inject({ method: 'POST', url: '/garage', headers: html });
    expect(response.statusCode).toBe(403);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('csrf_missing');
  });

  it('never serves a file from outside web/dist', async () => {
    for (const url of ['/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/%2e%2e/index.html/..%2f..%2f..%2fpackage.json']) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: { accept: '*/*' } });
      expect(response.statusCode, url).not.toBe(200);
      expect(response.body, url).not.toContain('"devDependencies"');
    }
  });

  it('runs API-only, with a warning, when the front end is not built', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-web-'));
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const app = Fastify({ loggerInstance: createLogger({ level: 'warn', destination }) });
    await app.register(webApp, { root: empty });
    const response = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(response.statusCode).toBe(404);
    expect(lines.join('')).toMatch(/the web front end is not built/);
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
