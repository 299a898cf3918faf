import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/error-handler.js';
import { finiteNumbers } from '../../src/http/finite-numbers.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The app's plugins in the app's order (error handler, then the check), then routes of every kind. */
async function appWithRoutes(): Promise<FastifyInstance> {
  const built = Fastify({ ajv: { customOptions: { coerceTypes: 'array' } } });
  await built.register(errorHandler);
  await built.register(finiteNumbers);
  built.addSchema({ $id: 'page', type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } } });
  const echo = async (request: { query: unknown; body: unknown }) => ({ query: request.query, body: request.body ?? null });
  built.get('/plain', echo);
  built.get('/limited', { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } } } } }, echo);
  built.get('/referred', { schema: { querystring: { $ref: 'page#' } } }, echo);
  built.get('/years/:year', { schema: { params: { type: 'object', properties: { year: { type: 'integer' } } } } }, echo);
  built.post('/any-body', echo);
  built.delete('/any-body', echo);
  await built.ready();
  app = built;
  return built;
}

describe('finite numbers: a 422 where a request can hold a non-finite number', () => {
  it.each([
    ['GET', '/limited?limit=Infinity', undefined, 'limit'],
    ['GET', '/limited?limit=-1e999', undefined, 'limit'],
    ['GET', '/referred?limit=Infinity', undefined, 'limit'],
    ['GET', '/years/Infinity', undefined, 'year'],
    ['POST', '/any-body', '{"n":1e999}', 'n'],
    ['DELETE', '/any-body', '{"deep":{"n":-1e999}}', 'deep.n'],
  ] as const)('%s %s: 422 naming %s', async (method, url, body, field) => {
    const built = await appWithRoutes();
    const response = await built.inject({ method, url, ...(body === undefined ? {} : { payload: body, headers: { 'content-type': 'application/json' } }) });
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.json())).toContain(`"field":"${field}"`);
  });

  it('leaves finite numbers, and a schema-less GET (whose query stays text), alone', async () => {
    const built = await appWithRoutes();
    expect((await built.inject({ url: '/limited?limit=7' })).json()).toEqual({ query: { limit: 7 }, body: null });
    expect((await built.inject({ url: '/plain?limit=Infinity' })).json()).toEqual({ query: { limit: 'Infinity' }, body: null });
    const posted = await built.inject({ method: 'POST', url: '/any-body', payload: '{"n":1.5}', headers: { 'content-type': 'application/json' } });
    expect(posted.json()).toEqual({ query: {}, body: { n: 1.5 } });
  });
});
