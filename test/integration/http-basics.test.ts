import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { request } from '../helpers/auth-client.js';

describe('HTTP basics: health and the JSON error shape', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      beforeReady: (app) => {
        // Test-only routes: a validated body and a handler that throws.
        app.post('/test/echo', { schema: { body: Type.Object({ email: Type.String({ format: 'email' }), age: Type.Integer({ minimum: 0 }) }) } }, async (request) => request.body);
        app.get('/test/explode', async () => {
          throw new Error('internal detail /srv/secret/path should not leak');
        });
      },
    });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it.each(['/health', '/api/v1/health'])('GET %s reports every dependency ok', async (url) => {
    const response = await testApp.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: ERROR_CATALOG.not_found.message } });
  });

  it('answers a schema violation with 422 naming each field but not its value', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/test/echo', payload: { email: 'not-an-email-CANARY', age: -4 } });
    expect(response.statusCode).toBe(422);
    const body = response.json<{ error: { code: string; details: { field: string }[] } }>();
    expect(body.error.code).toBe('validation_failed');
    // Each with the kind of problem and the numbers it quotes, for clients that word it themselves.
    expect(body.error.details.sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { field: 'age', message: 'must be >= 0', problem: 'too_small', params: { limit: 0 } },
      { field: 'email', message: 'must match format "email"', problem: 'email_format' },
    ]);
    expect(response.body).not.toContain('CANARY');
  });

  it('names a missing required field', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/test/echo', payload: { age: 3 } });
    expect(response.statusCode).toBe(422);
    expect(response.json<{ error: { details: { field: string }[] } }>().error.details).toEqual([
      { field: 'email', message: "must have required property 'email'", problem: 'required' },
    ]);
  });

  it('answers malformed JSON with 400 invalid_body', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('invalid_body');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(response.statusCode).toBe(415);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/test/echo', payload: { email: 'a@b.co', age: 1, pad: 'x'.repeat(70_000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('payload_too_large');
  });

  it('answers an unexpected exception with a bare 500: no stack, no message, no path', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/test/explode' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal_error', message: ERROR_CATALOG.internal_error.message } });
    expect(response.body).not.toMatch(/srv|stack|Error:/);
  });
});
