import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBearerToken } from '../../src/security/authenticate.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { csrfTokenFor, registerAndLogin } from '../helpers/auth-client.js';

/** Shaped like a JWT (three base64url parts), made for this run; no server would accept it. */
const TOKEN = ['{"alg":"HS256"}', '{}', randomBytes(12).toString('hex')].map((part) => Buffer.from(part).toString('base64url')).join('.');

/** Authorization values and the token each carries (undefined: none). */
const HEADERS: readonly [string, string | undefined][] = [
  [`Bearer ${TOKEN}`, TOKEN],
  [`Bearer ${TOKEN} `, TOKEN],
  [`bearer ${TOKEN}`, TOKEN],
  [`BEARER ${TOKEN}`, TOKEN],
  [`Bearer  ${TOKEN}`, TOKEN],
  [`Bearer\t${TOKEN}`, TOKEN],
  [`Bearer \t ${TOKEN}\t`, TOKEN],
  ['', undefined],
  ['Bearer', undefined],
  ['Bearer ', undefined],
  [`Bearer${TOKEN}`, undefined],
  [`Basic ${TOKEN}`, undefined],
  [`Bearer ${TOKEN} extra`, undefined],
];

describe('the one bearer-token parser', () => {
  it.each(HEADERS)('%j → %s', (header, token) => {
    expect(parseBearerToken(header)).toBe(token);
  });

  it('says nothing when there is no header', () => {
    expect(parseBearerToken(undefined)).toBeUndefined();
  });
});

describe('authentication and the CSRF binding read the same token from the same header', () => {
  let testApp: TestApp;
  let accessToken: string;
  let csrf: { token: string; cookies: Record<string, string> };

  beforeAll(async () => {
    testApp = await startTestApp();
    const account = await registerAndLogin(testApp.app);
    accessToken = account.tokens.access_token;
    // A CSRF token bound to the signed-in session, fetched with the plain header.
    csrf = await csrfTokenFor(testApp.app, { headers: { authorization: `Bearer ${accessToken}` } });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it.each(HEADERS.map(([header, token]) => [header.replace(TOKEN, '<token>'), header.replace(TOKEN, () => '\u0000'), token !== undefined] as const))(
    '%j: signed in for both or for neither',
    async (_shown, template, carriesToken) => {
      const authorization = template.replace('\u0000', accessToken);
      const read = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization } });
      const write = await testApp.app.inject({
        method: 'PUT',
        url: '/api/v1/auth/me',
        headers: { authorization, 'x-csrf-token': csrf.token },
        cookies: csrf.cookies,
        payload: { full_name: 'Bearer Parser' },
      });
      expect(read.statusCode).toBe(carriesToken ? 200 : 401);
      // Refused by CSRF (the token binds the session the header does not name) or by authentication: never a pass.
      expect(write.statusCode).toBe(carriesToken ? 200 : 403);
    },
  );
});
