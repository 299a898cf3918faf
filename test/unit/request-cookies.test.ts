import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { cookiesOf } from '../../src/security/cookies.js';

/** The app's registration: @fastify/cookie without its parsing hook. */
async function appWithLazyCookies() {
  const app = Fastify();
  await app.register(fastifyCookie, { hook: false });
  app.get('/read', async (request) => {
    const first = cookiesOf(request);
    return { cookies: first, sameObject: cookiesOf(request) === first };
  });
  app.get('/untouched', async (request) => ({ parsed: (request.cookies as unknown) !== null }));
  app.get('/set-then-read', async (request, reply) => {
    reply.setCookie('fresh', 'value', { path: '/' });
    return { cookies: cookiesOf(request) };
  });
  return app;
}

describe('cookiesOf (cookies parsed when first asked for)', () => {
  it('parses the header once, decoding values, and hands out the same object again', async () => {
    const app = await appWithLazyCookies();
    const response = await app.inject({ url: '/read', headers: { cookie: 'a=1; b=two%20words; a=ignored' } });
    expect(response.json()).toEqual({ cookies: { a: '1', b: 'two words' }, sameObject: true });
  });

  it('gives no cookies for no header or an empty one', async () => {
    const app = await appWithLazyCookies();
    expect((await app.inject({ url: '/read' })).json()).toEqual({ cookies: {}, sameObject: true });
    expect((await app.inject({ url: '/read', headers: { cookie: '' } })).json()).toEqual({ cookies: {}, sameObject: true });
  });

  it('leaves the header unparsed on a request that never asks', async () => {
    const app = await appWithLazyCookies();
    expect((await app.inject({ url: '/untouched', headers: { cookie: 'a=1' } })).json()).toEqual({ parsed: false });
  });

  it('still reads the request cookies after the reply set one (setCookie parses the header itself)', async () => {
    const app = await appWithLazyCookies();
    const response = await app.inject({ url: '/set-then-read', headers: { cookie: 'a=1' } });
    expect(response.json()).toEqual({ cookies: { a: '1' } });
    expect(response.cookies.map((cookie) => cookie.name)).toEqual(['fresh']);
  });
});
