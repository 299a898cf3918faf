import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, login, me, register, request, strongPassword, uniqueEmail, TOKENS_IN_BODY } from '../helpers/auth-client.js';

describe('accounts: register, login, me', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('registers a user and never returns the hash', async () => {
    const email = uniqueEmail();
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email, password: strongPassword(), full_name: 'Nagy Péter' } });
    expect(response.statusCode).toBe(201);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({ email, full_name: 'Nagy Péter', role: 'user', is_active: true });
    expect(JSON.stringify(body)).not.toMatch(/argon2|hash/i);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('refuses a taken email, case-insensitively, with 409', async () => {
    const { email } = await register(testApp.app);
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: email.toUpperCase(), password: strongPassword() } });
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('email_taken');
  });

  it.each([
    ['a short password', 'short-pw', 'at least 12'],
    ['a common password', 'qwerty123456', 'most commonly used'],
    ['a common password in other case', 'QWERTY123456', 'most commonly used'],
    ['a password over 128 characters', 'x'.repeat(129), 'at most 128'],
  ])('refuses %s with 422', async (_name, password, message) => {
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(), password } });
    expect(response.statusCode).toBe(422);
    expect(response.json<{ error: { details: { field: string; message: string }[] } }>().error.details[0]).toMatchObject({ field: 'password', message: expect.stringContaining(message) as unknown });
  });

  it('refuses a password equal to the email', async () => {
    const email = uniqueEmail('long-enough-address');
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email, password: email.toUpperCase() } });
    expect(response.statusCode).toBe(422);
  });

  it('refuses an invalid email with 422', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email', password: strongPassword() } });
    expect(response.statusCode).toBe(422);
    expect(errorCode(response)).toBe('validation_failed');
  });

  it('issue 14 item 7: a browser sign-in (cookie mode, the default) sets both tokens as httpOnly, SameSite=Strict cookies and puts no token in the body', async () => {
    const { email, password } = await register(testApp.app);
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['csrf_token', 'expires_in']);
    expect(body.expires_in).toBe(testApp.config.accessTokenExpireMinutes * 60);
    const cookies = response.cookies;
    const access = cookies.find((cookie) => cookie.name === 'access_token');
    const refreshCookie = cookies.find((cookie) => cookie.name === 'refresh_token');
    expect(access).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(refreshCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    for (const cookie of [access, refreshCookie]) {
      expect(cookie?.value).toMatch(/^eyJ/);
      expect(response.body).not.toContain(cookie?.value ?? 'missing');
    }
    expect(response.headers['cache-control']).toBe('no-store');

    // A cookie refresh rotates the cookies and still puts no token in the body.
    const refreshed = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', cookies: { refresh_token: refreshCookie?.value ?? '', access_token: access?.value ?? '' } });
    expect(refreshed.statusCode).toBe(200);
    expect(Object.keys(refreshed.json<Record<string, unknown>>())).toEqual(['expires_in']);
    const rotated = refreshed.cookies.find((cookie) => cookie.name === 'refresh_token')?.value ?? '';
    expect(rotated).toMatch(/^eyJ/);
    expect(refreshed.body).not.toContain(rotated);
    expect(refreshed.body).not.toMatch(/eyJ/);
  });

  it('issue 14 item 7: an API client that asks (X-Token-Delivery: body) gets the tokens in the body, and so does a body refresh', async () => {
    const { email, password } = await register(testApp.app);
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', headers: TOKENS_IN_BODY, payload: { email, password } });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ access_token: string; refresh_token: string; token_type: string; expires_in: number }>();
    expect(body.token_type).toBe('bearer');
    expect(body.access_token).toBe(response.cookies.find((cookie) => cookie.name === 'access_token')?.value);
    const refreshed = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: body.refresh_token } });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json<{ token_type: string; refresh_token: string }>()).toMatchObject({ token_type: 'bearer', refresh_token: expect.stringMatching(/^eyJ/) as unknown });
  });

  it('logs in with an OAuth2 password form (username/password)', async () => {
    const { email, password } = await register(testApp.app);
    const response = await request(testApp.app, {
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'password', username: email, password }).toString(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ token_type: string }>().token_type).toBe('bearer');
  });

  it('answers an unknown email and a wrong password identically (no enumeration)', async () => {
    const { email } = await register(testApp.app);
    const unknown = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: uniqueEmail(), password: strongPassword() } });
    const wrong = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password: strongPassword() } });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(errorCode(unknown)).toBe('invalid_credentials');
  });

  it('serves /me with the bearer header and with the access cookie alone', async () => {
    const { email, password } = await register(testApp.app);
    const tokens = await login(testApp.app, email, password);
    const viaHeader = await me(testApp.app, tokens.access_token);
    expect(viaHeader.statusCode).toBe(200);
    expect(viaHeader.json<{ email: string }>().email).toBe(email);
    const viaCookie = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me', cookies: { access_token: tokens.access_token } });
    expect(viaCookie.statusCode).toBe(200);
  });

  it('requires authentication for /me', async () => {
    const response = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me' });
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('authentication_required');
  });

  it('updates the profile with PUT /me and validates it', async () => {
    const { email, password } = await register(testApp.app);
    const tokens = await login(testApp.app, email, password);
    const updated = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/me', headers: bearer(tokens.access_token), payload: { full_name: 'Szabó Anna' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json<{ full_name: string }>().full_name).toBe('Szabó Anna');
    const cleared = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/me', headers: bearer(tokens.access_token), payload: { full_name: null } });
    expect(cleared.json<{ full_name: string | null }>().full_name).toBeNull();
    const invalid = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/me', headers: bearer(tokens.access_token), payload: { role: 'admin' } });
    expect(invalid.statusCode).toBe(422);
    expect((await me(testApp.app, tokens.access_token)).json<{ role: string }>().role).toBe('user');
  });

  it('refuses a refresh token used as an access token, and an access token used as a refresh token', async () => {
    const { email, password } = await register(testApp.app);
    const tokens = await login(testApp.app, email, password);
    const refreshAsAccess = await me(testApp.app, tokens.refresh_token);
    expect(refreshAsAccess.statusCode).toBe(401);
    expect(errorCode(refreshAsAccess)).toBe('token_invalid');
    const accessAsRefresh = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: tokens.access_token } });
    expect(accessAsRefresh.statusCode).toBe(401);
    expect(errorCode(accessAsRefresh)).toBe('token_invalid');
  });

  it('upgrades a hash made with older parameters at the next successful login', async () => {
    const { email, password, id } = await register(testApp.app);
    const weaker = await hash(password, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await testApp.runtime.database.db.updateTable('users').set({ password_hash: weaker }).where('id', '=', id).execute();
    await login(testApp.app, email, password);
    const row = await testApp.runtime.database.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login(testApp.app, email, password)).token_type).toBe('bearer');
  });

  it('refuses an inactive account at login (after the password check) and at refresh', async () => {
    const { email, password, id } = await register(testApp.app);
    const tokens = await login(testApp.app, email, password);
    await testApp.runtime.database.db.updateTable('users').set({ is_active: false }).where('id', '=', id).execute();
    const loginResponse = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(loginResponse.statusCode).toBe(403);
    expect(errorCode(loginResponse)).toBe('account_disabled');
    const refreshResponse = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: tokens.refresh_token } });
    expect(refreshResponse.statusCode).toBe(403);
    // The session was ended too: the refresh token stays dead after reactivation.
    await testApp.runtime.database.db.updateTable('users').set({ is_active: true }).where('id', '=', id).execute();
    const again = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: tokens.refresh_token } });
    expect(errorCode(again)).toBe('token_revoked');
  });
});
