import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityMetrics } from '../../src/observability/metrics.js';
import { passwordResetKey } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, login, me, refresh, register, registerAndLogin, registerVerified, registerVerifiedAndLogin, request, strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { eventually, shiftedClock } from '../helpers/time.js';

const tokenIn = (body: string): string => {
  const match = /reset-password#token=([A-Za-z0-9_-]+)/.exec(body);
  if (match?.[1] === undefined) throw new Error('no reset link in the mail');
  return match[1];
};

/** Reset requests are counted per account and hour (docs/API.md). */
const RESET_REQUEST_WINDOW_MS = 3_600_000;

async function issuedResetTokens(): Promise<number> {
  return (await securityMetrics.passwordResetTokensIssued.get()).values[0]?.value ?? 0;
}

describe('password reset by e-mail', () => {
  let smtp: LocalSmtpServer;
  let testApp: TestApp;
  const clock = shiftedClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.autocognitix.example' }), clock });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const forgot = (email: string, remoteAddress = '198.51.100.1') =>
    request(testApp.app, { method: 'POST', url: '/api/v1/auth/forgot-password', payload: { email }, remoteAddress });
  const reset = (token: string, newPassword: string) =>
    request(testApp.app, { method: 'POST', url: '/api/v1/auth/reset-password', payload: { token, new_password: newPassword } });

  it('happy path: a link by mail, a new password, every old session dead', async () => {
    const account = await registerAndLogin(testApp.app);
    const issuedBefore = await issuedResetTokens();
    const response = await forgot(account.email);
    expect(response.statusCode).toBe(202);
    const mail = await smtp.waitForMail(account.email, undefined, 'reset-password');
    expect(mail.body).toContain('https://app.autocognitix.example/reset-password#token=');
    const token = tokenIn(mail.body);
    expect(await issuedResetTokens()).toBe(issuedBefore + 1);
    // Only the hash is stored.
    expect(await testApp.runtime.store.exists(passwordResetKey(token))).toBe(true);
    expect((await testApp.runtime.store.keysWithPrefix('password_reset:')).some((key) => key.includes(token))).toBe(false);

    const newPassword = strongPassword();
    expect((await reset(token, newPassword)).statusCode).toBe(204);
    expect(errorCode(await me(testApp.app, account.tokens.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, account.tokens.refresh_token))).toBe('token_revoked');
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: account.email, password: account.password } })).statusCode).toBe(401);
    expect((await login(testApp.app, account.email, newPassword)).token_type).toBe('bearer');
  });

  it('a token works once (400 reset_token_invalid the second time)', async () => {
    const { email } = await register(testApp.app);
    await forgot(email);
    const token = tokenIn((await smtp.waitForMail(email, undefined, 'reset-password')).body);
    expect((await reset(token, strongPassword())).statusCode).toBe(204);
    const again = await reset(token, strongPassword());
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('reset_token_invalid');
  });

  it('an expired token (over an hour, by the clock) is refused', async () => {
    const { email } = await register(testApp.app);
    await forgot(email);
    const token = tokenIn((await smtp.waitForMail(email, undefined, 'reset-password')).body);
    clock.shift(3_600_000 + 1000);
    try {
      expect(errorCode(await reset(token, strongPassword()))).toBe('reset_token_invalid');
    } finally {
      clock.shift(-(3_600_000 + 1000));
    }
  });

  it('a new request voids the older link', async () => {
    // Verified: an unverified address gets one reset mail an hour (test/integration/email-verification.test.ts).
    const { email } = await registerVerified(testApp);
    await forgot(email);
    const first = tokenIn((await smtp.waitForMail(email, undefined, 'reset-password')).body);
    const countBefore = smtp.messages.filter((message) => message.to.includes(email) && message.body.includes('reset-password')).length;
    await forgot(email);
    await eventually(() => smtp.messages.filter((message) => message.to.includes(email) && message.body.includes('reset-password')).length > countBefore, { what: 'the second reset mail' });
    const second = tokenIn(smtp.messages.filter((message) => message.to.includes(email) && message.body.includes('reset-password')).at(-1)?.body ?? '');
    expect(second).not.toBe(first);
    expect(errorCode(await reset(first, strongPassword()))).toBe('reset_token_invalid');
    expect((await reset(second, strongPassword())).statusCode).toBe(204);
  });

  it('a weak new password is refused without using the token up', async () => {
    const { email } = await register(testApp.app);
    await forgot(email);
    const token = tokenIn((await smtp.waitForMail(email, undefined, 'reset-password')).body);
    expect((await reset(token, 'short')).statusCode).toBe(422);
    expect((await reset(token, strongPassword())).statusCode).toBe(204);
  });

  it('answers an unknown address exactly like a known one, and sends nothing', async () => {
    const { email } = await register(testApp.app);
    const unknown = uniqueEmail('nobody');
    const known = await forgot(email, '198.51.100.20');
    const missing = await forgot(unknown, '198.51.100.21');
    expect(missing.statusCode).toBe(known.statusCode);
    expect(missing.body).toBe(known.body);
    await smtp.waitForMail(email, undefined, 'reset-password');
    // A mail the unknown address's request had started would arrive before a later request's (a whole request's head start).
    const later = (await register(testApp.app)).email;
    await forgot(later, '198.51.100.22');
    await smtp.waitForMail(later, undefined, 'reset-password');
    expect(smtp.messages.some((message) => message.to.includes(unknown))).toBe(false);
  });

  it('throttles requests per account and per address', async () => {
    const { email } = await register(testApp.app);
    for (let attempt = 0; attempt < 3; attempt++) expect((await forgot(email, `198.51.100.${30 + attempt}`)).statusCode).toBe(202);
    const fourth = await forgot(email, '198.51.100.40');
    expect(fourth.statusCode).toBe(429);
    // The rest of the account's window, which the first request opened a moment ago.
    const retryAfter = Number(fourth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(RESET_REQUEST_WINDOW_MS / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(RESET_REQUEST_WINDOW_MS / 1000);
    for (let attempt = 0; attempt < 10; attempt++) await forgot(uniqueEmail(), '198.51.100.99');
    expect((await forgot(uniqueEmail(), '198.51.100.99')).statusCode).toBe(429);
  });
});

describe('data rights: export and erasure', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('exports profile, garage, notes and sessions, never hashes or tokens', async () => {
    const account = await registerVerifiedAndLogin(testApp);
    const headers = bearer(account.tokens.access_token);
    const vehicle = (await request(testApp.app, { method: 'POST', url: '/api/v1/garage/vehicles', headers, payload: { make: 'Lada', model: 'Niva', year: 1995, nickname: 'Öreg' } })).json<{ id: string }>();
    await request(testApp.app, { method: 'POST', url: `/api/v1/garage/vehicles/${vehicle.id}/notes`, headers, payload: { codes: ['P0171'], symptoms: 'szegény keverék' } });
    const response = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me/export', headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toContain('attachment');
    const exported = response.json<{ profile: { email: string }; garage: { nickname: string; notes: { symptoms: string }[] }[]; sessions: unknown[] }>();
    expect(exported.profile.email).toBe(account.email);
    expect(exported.garage[0]?.nickname).toBe('Öreg');
    expect(exported.garage[0]?.notes[0]?.symptoms).toBe('szegény keverék');
    expect(exported.sessions).toHaveLength(1);
    expect(response.body).not.toMatch(/argon2|password|refreshJti|accessJti|"state"/);
    expect(response.body).not.toContain(account.tokens.access_token);
  });

  it('erases the user and every row of theirs, and every token dies', async () => {
    const account = await registerVerifiedAndLogin(testApp);
    const headers = bearer(account.tokens.access_token);
    const vehicle = (await request(testApp.app, { method: 'POST', url: '/api/v1/garage/vehicles', headers, payload: { make: 'Trabant', model: '601', year: 1988 } })).json<{ id: string }>();
    await request(testApp.app, { method: 'POST', url: `/api/v1/garage/vehicles/${vehicle.id}/notes`, headers, payload: { codes: [], symptoms: 'füstöl' } });
    await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout-all', headers });
    const fresh = await login(testApp.app, account.email, account.password);

    const wrong = await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: bearer(fresh.access_token), payload: { password: strongPassword() } });
    expect(wrong.statusCode).toBe(401);
    const erased = await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: bearer(fresh.access_token), payload: { password: account.password } });
    expect(erased.statusCode).toBe(204);

    expect(errorCode(await me(testApp.app, fresh.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, fresh.refresh_token))).toBe('token_revoked');
    const garage = await request(testApp.app, { method: 'GET', url: '/api/v1/garage/vehicles', headers: bearer(fresh.access_token) });
    expect(garage.statusCode).toBe(401);

    // Every table: nothing with this user's id or email remains.
    const db = testApp.runtime.database.db;
    expect(await db.selectFrom('users').select('id').where('id', '=', account.id).execute()).toEqual([]);
    expect(await db.selectFrom('users').select('id').where('email', '=', account.email).execute()).toEqual([]);
    for (const table of ['garage_vehicles', 'diagnosis_notes', 'auth_sessions', 'user_token_cutoffs'] as const) {
      expect(await db.selectFrom(table).select('user_id').where('user_id', '=', account.id).execute()).toEqual([]);
    }
    expect(await db.selectFrom('diagnosis_notes').select('id').where('vehicle_id', '=', vehicle.id).execute()).toEqual([]);
    // The email can sign up again as a new person.
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: account.email, password: strongPassword() } })).statusCode).toBe(201);
  });
});

describe('admin: deactivating a user ends all their sessions', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('only admins may; the user is out at once and cannot sign in until reactivated', async () => {
    const admin = await registerAndLogin(testApp.app);
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const user = await registerAndLogin(testApp.app);

    const notAdmin = await request(testApp.app, { method: 'POST', url: `/api/v1/admin/users/${admin.id}/deactivate`, headers: bearer(user.tokens.access_token) });
    expect(notAdmin.statusCode).toBe(403);
    expect(errorCode(notAdmin)).toBe('forbidden');

    const deactivated = await request(testApp.app, { method: 'POST', url: `/api/v1/admin/users/${user.id}/deactivate`, headers: bearer(admin.tokens.access_token) });
    expect(deactivated.statusCode).toBe(204);
    expect(errorCode(await me(testApp.app, user.tokens.access_token))).toBe('token_revoked');
    expect(errorCode(await refresh(testApp.app, user.tokens.refresh_token))).toBe('token_revoked');
    const signIn = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: user.password } });
    expect(errorCode(signIn)).toBe('account_disabled');

    await request(testApp.app, { method: 'POST', url: `/api/v1/admin/users/${user.id}/activate`, headers: bearer(admin.tokens.access_token) });
    expect((await login(testApp.app, user.email, user.password)).token_type).toBe('bearer');
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/admin/users/no-such-user/deactivate', headers: bearer(admin.tokens.access_token) })).statusCode).toBe(404);
  });

  it('issue 14 item 10: an admin cannot deactivate their own account', async () => {
    const admin = await registerAndLogin(testApp.app);
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const own = await request(testApp.app, { method: 'POST', url: `/api/v1/admin/users/${admin.id}/deactivate`, headers: bearer(admin.tokens.access_token) });
    expect(own.statusCode).toBe(403);
    expect(errorCode(own)).toBe('forbidden');
    expect((await me(testApp.app, admin.tokens.access_token)).statusCode).toBe(200);
  });
});
