import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, login, me, registerAndLogin, request, strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';

/**
 * Issue 14 item 2: an access token alone cannot move an account to another
 * address. The change needs the password, happens only when the link mailed
 * to the new address is followed (once, within an hour), tells the old
 * address with a way to undo it, voids pending reset links and ends the
 * other sessions.
 */
describe('issue 14 item 2: changing the sign-in address', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  const clock = manualClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url }), clock });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const linkToken = (body: string, path: string): string => {
    const token = new RegExp(`${path}#token=([A-Za-z0-9_-]+)`).exec(body)?.[1];
    if (token === undefined) throw new Error(`no ${path} link in the mail`);
    return token;
  };
  const post = (url: string, payload: Record<string, unknown>, accessToken?: string) =>
    request(testApp.app, { method: 'POST', url, payload, ...(accessToken === undefined ? {} : { headers: bearer(accessToken) }) });
  const signIn = (email: string, password: string) => request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  it('PUT /me with an e-mail and the access token alone changes nothing', async () => {
    const account = await registerAndLogin(testApp.app);
    const response = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/me', headers: bearer(account.tokens.access_token), payload: { email: uniqueEmail('thief') } });
    expect(response.statusCode).toBe(422);
    expect((await me(testApp.app, account.tokens.access_token)).json<{ email: string }>().email).toBe(account.email);
    expect((await signIn(account.email, account.password)).statusCode).toBe(200);
  });

  it('needs the current password: a wrong one is 401 and nothing is mailed', async () => {
    const account = await registerAndLogin(testApp.app);
    const target = uniqueEmail('new');
    const response = await post('/api/v1/auth/me/email', { new_email: target, password: strongPassword() }, account.tokens.access_token);
    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('invalid_credentials');
    // A mail the refused request had started would arrive before a later request's (it has a whole request's head start).
    expect((await post('/api/v1/auth/forgot-password', { email: account.email })).statusCode).toBe(202);
    await smtp.waitForMail(account.email, undefined, 'reset-password');
    expect(smtp.messages.some((message) => message.to.includes(target))).toBe(false);
  });

  it('takes effect only through the link to the new address; the old address can undo it; resets die; other sessions end', async () => {
    const account = await registerAndLogin(testApp.app);
    const otherDevice = await login(testApp.app, account.email, account.password);
    // A reset link the owner asked for earlier: it must not survive the change.
    expect((await post('/api/v1/auth/forgot-password', { email: account.email })).statusCode).toBe(202);
    const resetToken = linkToken((await smtp.waitForMail(account.email, undefined, 'reset-password')).body, 'reset-password');
    smtp.messages.length = 0;

    const target = uniqueEmail('new');
    const asked = await post('/api/v1/auth/me/email', { new_email: target, password: account.password }, account.tokens.access_token);
    expect(asked.statusCode).toBe(202);
    // Nothing has changed yet: the old address still signs in, the new one does not.
    expect((await me(testApp.app, account.tokens.access_token)).json<{ email: string }>().email).toBe(account.email);
    expect((await signIn(target, account.password)).statusCode).toBe(401);

    const confirmToken = linkToken((await smtp.waitForMail(target)).body, 'confirm-email');
    expect((await post('/api/v1/auth/email/confirm', { token: confirmToken })).statusCode).toBe(204);
    // Single use.
    const again = await post('/api/v1/auth/email/confirm', { token: confirmToken });
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('email_token_invalid');

    expect((await me(testApp.app, account.tokens.access_token)).json<{ email: string }>().email).toBe(target);
    expect((await me(testApp.app, otherDevice.access_token)).statusCode).toBe(401);
    const staleReset = await post('/api/v1/auth/reset-password', { token: resetToken, new_password: strongPassword() });
    expect(errorCode(staleReset)).toBe('reset_token_invalid');
    expect((await signIn(target, account.password)).statusCode).toBe(200);

    // The old address hears of it, with a link that puts everything back and signs everyone out.
    const notice = await smtp.waitForMail(account.email, undefined, 'undo-email-change');
    expect(notice.body).toContain(target);
    const undoToken = linkToken(notice.body, 'undo-email-change');
    expect((await post('/api/v1/auth/email/undo', { token: undoToken })).statusCode).toBe(204);
    expect((await me(testApp.app, account.tokens.access_token)).statusCode).toBe(401);
    expect((await signIn(account.email, account.password)).statusCode).toBe(200);
    expect((await signIn(target, account.password)).statusCode).toBe(401);
    expect(errorCode(await post('/api/v1/auth/email/undo', { token: undoToken }))).toBe('email_token_invalid');
  });

  it('a confirmation link dies after an hour, and a newer request voids the older link', async () => {
    const account = await registerAndLogin(testApp.app);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    expect((await post('/api/v1/auth/me/email', { new_email: first, password: account.password }, account.tokens.access_token)).statusCode).toBe(202);
    const firstToken = linkToken((await smtp.waitForMail(first)).body, 'confirm-email');
    expect((await post('/api/v1/auth/me/email', { new_email: second, password: account.password }, account.tokens.access_token)).statusCode).toBe(202);
    expect(errorCode(await post('/api/v1/auth/email/confirm', { token: firstToken }))).toBe('email_token_invalid');

    const secondToken = linkToken((await smtp.waitForMail(second)).body, 'confirm-email');
    clock.advance(3_600_000);
    expect(errorCode(await post('/api/v1/auth/email/confirm', { token: secondToken }))).toBe('email_token_invalid');
    clock.advance(-3_600_000);
    expect((await me(testApp.app, account.tokens.access_token)).json<{ email: string }>().email).toBe(account.email);
  });

  it('an address that belongs to another account is refused with 409', async () => {
    const account = await registerAndLogin(testApp.app);
    const other = await registerAndLogin(testApp.app);
    const response = await post('/api/v1/auth/me/email', { new_email: other.email, password: account.password }, account.tokens.access_token);
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('email_taken');
  });
});
