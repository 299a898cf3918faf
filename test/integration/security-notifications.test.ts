import { randomBytes, randomUUID } from 'node:crypto';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deviceLabel } from '../../src/security/device-label.js';
import { NOTIFICATION_MAILS_PER_HOUR } from '../../src/security/notifications.js';
import { REFRESH_GRACE_WINDOW_MS } from '../../src/security/sessions.js';
import type { SecurityEvent } from '../../src/security/security-events.js';
import { notificationMailsKey } from '../../src/security/store-keys.js';
import { totpCodeAt, TOTP_PERIOD_SECONDS } from '../../src/security/totp.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, request, strongPassword, TOKENS_IN_BODY, uniqueEmail, type TokenPair } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer, type ReceivedMail } from '../helpers/smtp.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { eventually, manualClock } from '../helpers/time.js';

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const DAY_MS = 86_400_000;
const PUBLIC_URL = 'https://app.autocognitix.example';
const SECURITY_PAGE = `${PUBLIC_URL}/account/security`;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const FIREFOX_UPDATED = 'Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

interface Account {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  /** The address the owner signs in from: their sign-ins are never news to them. */
  readonly home: string;
}

/**
 * Issue 19: every security-relevant call site announces its event (code,
 * user, session, reason), and the owner is mailed about the ones that matter
 * to them — in their language, as text and escaped HTML, linked to the
 * security page, at most NOTIFICATION_MAILS_PER_HOUR an hour — through the
 * real HTTP flows on this run's backends and a local SMTP server.
 */
describe('issue 19: security events and notification mails', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  // On a TOTP step boundary plus a little, so "the next step" is exactly one STEP_MS away.
  const clock = manualClock(Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000);
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC_URL }), clock, captureLogs: 'info' });
    testApp.app.securityEvents.subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });
  beforeEach(() => {
    events.length = 0;
  });

  const address = (): string => `10.${randomBytes(3).join('.')}`;
  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options: { token?: string; payload?: Record<string, unknown>; remoteAddress?: string; userAgent?: string; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> =>
    request(testApp.app, {
      method,
      url,
      ...(options.payload === undefined ? {} : { payload: options.payload }),
      headers: {
        ...TOKENS_IN_BODY,
        ...(options.token === undefined ? {} : bearer(options.token)),
        ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
        ...options.headers,
      },
      remoteAddress: options.remoteAddress ?? address(),
    });

  async function registered(payload: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Account> {
    const email = uniqueEmail();
    const password = strongPassword();
    const response = await call('POST', '/api/v1/auth/register', { payload: { email, password, ...payload }, headers });
    expect(response.statusCode, response.body).toBe(201);
    return { id: response.json<{ id: string }>().id, email, password, home: address() };
  }
  const signIn = (account: Account, remoteAddress = account.home, userAgent = FIREFOX) =>
    call('POST', '/api/v1/auth/login', { payload: { email: account.email, password: account.password }, remoteAddress, userAgent });
  const tokensOf = (response: LightMyRequestResponse): TokenPair => {
    expect(response.statusCode, response.body).toBe(200);
    return response.json<TokenPair>();
  };
  const familyOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { family: string }).family;

  /** Every notification taken so far is sent (or given up): "no mail" is then a fact, not a wait. */
  const settled = () => testApp.app.securityNotifications.settled();
  /** The notifications to `email` (registration's verification link is another matter: test/integration/email-verification.test.ts). */
  const mailsTo = (email: string): ReceivedMail[] => smtp.messages.filter((message) => message.to.includes(email) && !message.body.includes('verify-email#token='));
  const mailTo = (email: string, text: string) =>
    eventually(() => smtp.messages.find((message) => message.to.includes(email) && message.body.includes(text)), { what: `a mail to ${email} saying "${text}"` });
  const eventsOf = (userId: string | null, code: SecurityEvent['code']) => events.filter((event) => event.userId === userId && event.code === code);

  /** An earlier sign-in in the activity log (the log's writer is not what this file tests). */
  async function seedSignIn(userId: string, at: { agoMs: number; userAgent: string; address: string }): Promise<void> {
    await testApp.runtime.database.db
      .insertInto('security_events')
      .values({
        id: randomUUID(),
        occurred_at: new Date(clock.now() - at.agoMs).toISOString(),
        user_id: userId,
        event: 'sign_in_succeeded',
        reason: 'password',
        address: at.address,
        device: deviceLabel(at.userAgent),
        session_id: null,
        actor_id: null,
      })
      .execute();
  }

  /** Mail in the given language: the text part, the HTML part (same link, escaped), the link to the security page. */
  function expectMailIn(mail: ReceivedMail, language: 'hu' | 'en'): void {
    expect(mail.body).toContain('Content-Type: text/plain');
    expect(mail.body).toContain('Content-Type: text/html');
    expect(mail.body).toContain(`<html lang="${language}">`);
    expect(mail.body).toContain(`<a href="${SECURITY_PAGE}">${SECURITY_PAGE}</a>`);
    // The text part carries the link too, as it is (no rewriting, no tracking).
    expect(mail.body.split(SECURITY_PAGE).length - 1).toBe(3);
    expect(mail.body).not.toMatch(/<img|<script|https?:\/\/(?!app\.autocognitix\.example)/i);
  }

  describe('the user language', () => {
    it('comes from the body at registration, else from Accept-Language, else Hungarian; PUT /me changes it', async () => {
      const languageOf = async (account: Account): Promise<string> => {
        const token = tokensOf(await signIn(account)).access_token;
        return (await call('GET', '/api/v1/auth/me', { token })).json<{ language: string }>().language;
      };
      expect(await languageOf(await registered({ language: 'en' }, { 'accept-language': 'hu' }))).toBe('en');
      expect(await languageOf(await registered({}, { 'accept-language': 'de-DE, en-GB;q=0.8, hu;q=0.5' }))).toBe('en');
      expect(await languageOf(await registered({}, { 'accept-language': 'en;q=0.2, hu;q=0.9' }))).toBe('hu');
      expect(await languageOf(await registered({}, { 'accept-language': 'de' }))).toBe('hu');
      const plain = await registered();
      expect(await languageOf(plain)).toBe('hu');

      const token = tokensOf(await signIn(plain)).access_token;
      const changed = await call('PUT', '/api/v1/auth/me', { token, payload: { language: 'en' } });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json()).toMatchObject({ language: 'en', full_name: null });
      for (const payload of [{ language: 'de' }, {}]) {
        const refused = await call('PUT', '/api/v1/auth/me', { token, payload });
        expect(refused.statusCode, JSON.stringify(payload)).toBe(422);
        expect(errorCode(refused)).toBe('validation_failed');
      }
      expect((await call('PUT', '/api/v1/auth/me', { token, payload: { full_name: 'Kiss Éva' } })).json()).toMatchObject({ language: 'en', full_name: 'Kiss Éva' });
      const exported = await call('GET', '/api/v1/auth/me/export', { token });
      expect(exported.json<{ profile: { language: string } }>().profile.language).toBe('en');
    });
  });

  describe('sign-in from a new device or network', () => {
    it("a new account's first sign-in mails nothing, and records the event with its session", async () => {
      const account = await registered();
      const pair = tokensOf(await signIn(account, '198.51.100.7'));
      expect(eventsOf(account.id, 'sign_in_succeeded')).toEqual([
        expect.objectContaining({ reason: 'password', sessionId: familyOf(pair.access_token), address: '198.51.100.7', userAgent: FIREFOX }),
      ]);
      await settled();
      expect(mailsTo(account.email)).toEqual([]);
    });

    it('a known device on a known network (a browser update included) mails nothing; a new one mails in Hungarian, escaped', async () => {
      const account = await registered();
      await seedSignIn(account.id, { agoMs: 30 * DAY_MS, userAgent: FIREFOX, address: '203.0.113.9' });
      // The same /24 network, the same browser one version on.
      tokensOf(await signIn(account, '203.0.113.200', FIREFOX_UPDATED));
      await settled();
      expect(mailsTo(account.email)).toEqual([]);

      tokensOf(await signIn(account, '192.0.2.44', CHROME));
      const mail = await mailTo(account.email, 'Új eszközről vagy hálózatról jelentkeztek be az AutoCognitix fiókodba.');
      expectMailIn(mail, 'hu');
      expect(mail.body).toContain('Hálózat: 192.0.2.0/24');
      expect(mail.body).toContain('Eszköz: Chrome 120 on Windows');
      expect(mail.body).not.toContain('192.0.2.44');

      // A User-Agent is the client's to choose: nothing of it reaches the mail as markup or as a link.
      tokensOf(await signIn(account, '192.0.2.45', '<img src=https://evil.example/x onerror=alert(1)>'));
      await settled();
      const hostile = mailsTo(account.email).at(-1);
      expect(hostile?.body).toContain('Hálózat: 192.0.2.0/24');
      expect(hostile?.body).toMatch(/Eszköz: img\b/);
      expect(hostile?.body).not.toMatch(/<img|evil\.example/);
    });

    it('a sign-in seen only longer than 90 days ago is new again; the mail follows a change of language', async () => {
      const account = await registered();
      await seedSignIn(account.id, { agoMs: 91 * DAY_MS, userAgent: FIREFOX, address: '203.0.113.9' });
      const token = tokensOf(await signIn(account, '203.0.113.10')).access_token;
      await mailTo(account.email, 'Új eszközről vagy hálózatról');
      expect((await call('PUT', '/api/v1/auth/me', { token, payload: { language: 'en' } })).statusCode).toBe(200);
      tokensOf(await signIn(account, '2001:db8:1234:5678::1', CHROME));
      const mail = await mailTo(account.email, 'Your AutoCognitix account was signed in to from a new device or network.');
      expectMailIn(mail, 'en');
      expect(mail.body).toContain('Network: 2001:db8:1234::/48');
    });

    it('failed sign-ins are recorded with a reason (never the password) and mail nothing', async () => {
      const account = await registered();
      await seedSignIn(account.id, { agoMs: DAY_MS, userAgent: FIREFOX, address: '203.0.113.9' });
      const unknown = uniqueEmail('nobody');
      expect((await call('POST', '/api/v1/auth/login', { payload: { email: unknown, password: randomBytes(12).toString('hex') } })).statusCode).toBe(401);
      expect(eventsOf(null, 'sign_in_failed')).toEqual([expect.objectContaining({ reason: 'unknown_account', sessionId: null })]);
      const attacker = '198.51.100.66';
      for (let attempt = 0; attempt < 11; attempt++) {
        await call('POST', '/api/v1/auth/login', { payload: { email: account.email, password: ['wrong', String(attempt), 'password'].join('-') }, remoteAddress: attacker });
      }
      const failures = eventsOf(account.id, 'sign_in_failed');
      expect(failures.filter((event) => event.reason === 'wrong_password')).toHaveLength(10);
      expect(failures.at(-1)).toMatchObject({ reason: 'rate_limited', address: attacker });
      expect(JSON.stringify(events)).not.toContain('wrong-1-password');
      await settled();
      expect(mailsTo(account.email)).toEqual([]);
    });

    it(`mails at most ${String(NOTIFICATION_MAILS_PER_HOUR)} an hour to one user, then skips and logs`, async () => {
      const account = await registered();
      await seedSignIn(account.id, { agoMs: DAY_MS, userAgent: FIREFOX, address: '203.0.113.9' });
      for (let network = 1; network <= NOTIFICATION_MAILS_PER_HOUR + 3; network++) tokensOf(await signIn(account, `172.16.${String(network)}.1`, CHROME));
      await settled();
      expect(mailsTo(account.email)).toHaveLength(NOTIFICATION_MAILS_PER_HOUR);
      expect(testApp.logs()).toContain('a security notification was not sent');
      expect(testApp.logs()).toContain('cap_reached');
      // The counter in the store is what holds them back: without it (a new hour) mail flows again.
      await testApp.runtime.store.delete(notificationMailsKey(account.id));
      tokensOf(await signIn(account, '172.17.0.1', CHROME));
      await settled();
      expect(mailsTo(account.email)).toHaveLength(NOTIFICATION_MAILS_PER_HOUR + 1);
    });
  });

  describe('credentials', () => {
    it('a password change is recorded for the session that made it and mailed', async () => {
      const account = await registered();
      const token = tokensOf(await signIn(account)).access_token;
      const changed = await call('PUT', '/api/v1/auth/password', { token, payload: { current_password: account.password, new_password: strongPassword() } });
      expect(changed.statusCode, changed.body).toBe(204);
      expect(eventsOf(account.id, 'password_changed')).toEqual([expect.objectContaining({ sessionId: familyOf(token) })]);
      expectMailIn(await mailTo(account.email, 'Az AutoCognitix fiókod jelszava megváltozott.'), 'hu');
    });

    it('a password reset is recorded and mailed after the link', async () => {
      const account = await registered({ language: 'en' });
      expect((await call('POST', '/api/v1/auth/forgot-password', { payload: { email: account.email } })).statusCode).toBe(202);
      const resetMail = await mailTo(account.email, '/reset-password#token=');
      expectMailInLanguageOnly(resetMail, 'en');
      const token = /reset-password#token=([A-Za-z0-9_-]+)/.exec(resetMail.body)?.[1] ?? '';
      const reset = await call('POST', '/api/v1/auth/reset-password', { payload: { token, new_password: strongPassword() }, userAgent: CHROME });
      expect(reset.statusCode, reset.body).toBe(204);
      expect(eventsOf(account.id, 'password_reset')).toEqual([expect.objectContaining({ userAgent: CHROME })]);
      expectMailIn(await mailTo(account.email, 'The password of your AutoCognitix account was reset'), 'en');
    });

    it('an e-mail change is recorded when asked, confirmed and undone; the old address is told in its language', async () => {
      const account = await registered({ language: 'en' });
      const token = tokensOf(await signIn(account)).access_token;
      const target = uniqueEmail('new');
      expect((await call('POST', '/api/v1/auth/me/email', { token, payload: { new_email: target, password: account.password } })).statusCode).toBe(202);
      expect(eventsOf(account.id, 'email_change_requested')).toEqual([expect.objectContaining({ sessionId: familyOf(token) })]);
      const confirmMail = await mailTo(target, 'This address was given as the new sign-in address');
      expectMailInLanguageOnly(confirmMail, 'en');
      const confirmToken = /confirm-email#token=([A-Za-z0-9_-]+)/.exec(confirmMail.body)?.[1] ?? '';
      expect((await call('POST', '/api/v1/auth/email/confirm', { payload: { token: confirmToken } })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'email_change_confirmed')).toEqual([expect.objectContaining({ reason: 'confirmed', sessionId: familyOf(token) })]);
      const notice = await mailTo(account.email, `The sign-in address of your AutoCognitix account is now ${target}.`);
      expectMailIn(notice, 'en');
      const undoToken = /undo-email-change#token=([A-Za-z0-9_-]+)/.exec(notice.body)?.[1] ?? '';
      expect((await call('POST', '/api/v1/auth/email/undo', { payload: { token: undoToken } })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'email_change_confirmed').at(-1)).toMatchObject({ reason: 'undone' });
    });
  });

  /** Mail in one language only: its HTML part says so, and the other language's greeting words are absent. */
  function expectMailInLanguageOnly(mail: ReceivedMail, language: 'hu' | 'en'): void {
    expect(mail.body).toContain(`<html lang="${language}">`);
    if (language === 'en') expect(mail.body).not.toMatch(/hivatkozás|fiók/);
    else expect(mail.body).not.toMatch(/\bthe link\b|\baccount\b/i);
  }

  describe('second factors', () => {
    async function withTotp(account: Account): Promise<{ secret: string; recoveryCodes: string[]; token: string }> {
      const token = tokensOf(await signIn(account)).access_token;
      const started = await call('POST', '/api/v1/auth/second-factors/totp', { token });
      expect(started.statusCode, started.body).toBe(201);
      const { secret } = started.json<{ secret: string }>();
      const confirmed = await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token, payload: { code: totpCodeAt(secret, clock.now()) } });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
      clock.advance(STEP_MS);
      return { secret, recoveryCodes: confirmed.json<{ recovery_codes: string[] }>().recovery_codes, token };
    }

    it('adding and removing an authenticator app, new recovery codes: recorded and mailed once each', async () => {
      const account = await registered();
      const { token } = await withTotp(account);
      expect(eventsOf(account.id, 'factor_added')).toEqual([expect.objectContaining({ reason: 'totp', sessionId: familyOf(token) })]);
      expectMailIn(await mailTo(account.email, 'A fiókodhoz most egy új második lépést adtak hozzá: hitelesítő alkalmazás.'), 'hu');

      expect((await call('POST', '/api/v1/auth/second-factors/recovery-codes', { token })).statusCode).toBe(200);
      expect(eventsOf(account.id, 'factor_added').at(-1)).toMatchObject({ reason: 'recovery_codes' });
      await mailTo(account.email, 'A fiókodhoz új helyreállító kódokat generáltak');

      expect((await call('DELETE', '/api/v1/auth/second-factors/totp', { token })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'factor_removed')).toEqual([expect.objectContaining({ reason: 'totp', sessionId: familyOf(token) })]);
      await mailTo(account.email, 'A fiókodból eltávolítottak egy második lépést: hitelesítő alkalmazás.');
      await settled();
      // One mail each, none twice (the second-factor service no longer mails on its own).
      expect(mailsTo(account.email)).toHaveLength(3);
    });

    it('the second step: a wrong code, then a recovery code (recorded, mailed), then the sign-in itself', async () => {
      const account = await registered({ language: 'en' });
      const { secret, recoveryCodes } = await withTotp(account);
      await settled();
      const before = mailsTo(account.email).length;
      const ticketOf = async () => (await signIn(account)).json<{ ticket: string }>().ticket;

      const wrong = await call('POST', '/api/v1/auth/login/second-factor', { payload: { ticket: await ticketOf(), totp_code: totpCodeAt(secret, clock.now() + 5 * STEP_MS) } });
      expect(wrong.statusCode).toBe(401);
      expect(eventsOf(account.id, 'second_step_failed')).toEqual([expect.objectContaining({ reason: 'totp' })]);

      const code = recoveryCodes[0] ?? '';
      const pair = tokensOf(await call('POST', '/api/v1/auth/login/second-factor', { payload: { ticket: await ticketOf(), recovery_code: code }, remoteAddress: account.home, userAgent: FIREFOX }));
      const family = familyOf(pair.access_token);
      expect(eventsOf(account.id, 'second_step_succeeded')).toEqual([expect.objectContaining({ reason: 'recovery_code', sessionId: family })]);
      expect(eventsOf(account.id, 'recovery_code_used')).toEqual([expect.objectContaining({ sessionId: family, userAgent: FIREFOX, address: account.home })]);
      expect(eventsOf(account.id, 'sign_in_succeeded').at(-1)).toMatchObject({ reason: 'second_factor', sessionId: family });
      const mail = await mailTo(account.email, 'A recovery code of your account was just used.');
      expectMailIn(mail, 'en');
      expect(mail.body).not.toContain(code);
      await settled();
      expect(mailsTo(account.email)).toHaveLength(before + 1);
    });
  });

  describe('passkeys', () => {
    it('adding, signing in with (alone and as the second step), failing with and removing a passkey: each recorded', async () => {
      const account = await registered({ language: 'en' });
      const fromHome = { remoteAddress: account.home, userAgent: FIREFOX };
      const token = tokensOf(await signIn(account)).access_token;
      const creation = await call('POST', '/api/v1/auth/second-factors/passkeys/options', { token });
      expect(creation.statusCode, creation.body).toBe(200);
      const authenticator = new SoftAuthenticator();
      const credential = authenticator.createCredential(creation.json<{ options: PublicKeyCredentialCreationOptionsJSON }>().options, { origin: PUBLIC_URL });
      const added = await call('POST', '/api/v1/auth/second-factors/passkeys', { token, payload: { name: 'Laptop', response: credential } });
      expect(added.statusCode, added.body).toBe(201);
      expect(eventsOf(account.id, 'factor_added')).toEqual([expect.objectContaining({ reason: 'passkey', sessionId: familyOf(token) })]);
      expectMailIn(await mailTo(account.email, 'A second factor was just added to your account: a passkey.'), 'en');

      const assertion = async (payload: Record<string, unknown>) => {
        const options = await call('POST', '/api/v1/auth/passkey/options', { payload, ...fromHome });
        expect(options.statusCode, options.body).toBe(200);
        return authenticator.getAssertion(options.json<{ options: PublicKeyCredentialRequestOptionsJSON }>().options, { origin: PUBLIC_URL });
      };
      const response = await assertion({});
      const alone = tokensOf(await call('POST', '/api/v1/auth/passkey/login', { payload: { response }, ...fromHome }));
      expect(eventsOf(account.id, 'sign_in_succeeded').at(-1)).toMatchObject({ reason: 'passkey', sessionId: familyOf(alone.access_token) });
      // The same assertion again: rejected, and no account is named.
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response }, ...fromHome }))).toBe('passkey_rejected');
      expect(eventsOf(null, 'sign_in_failed')).toEqual([expect.objectContaining({ reason: 'passkey_rejected', address: account.home })]);

      const ticketOf = async () => (await signIn(account)).json<{ ticket: string }>().ticket;
      const wrongTicket = await ticketOf();
      // A passwordless challenge does not serve a ticket's second step.
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response: await assertion({}), ticket: wrongTicket }, ...fromHome }))).toBe('passkey_rejected');
      expect(eventsOf(account.id, 'second_step_failed')).toEqual([expect.objectContaining({ reason: 'passkey' })]);
      const ticket = await ticketOf();
      const secondStep = tokensOf(await call('POST', '/api/v1/auth/passkey/login', { payload: { response: await assertion({ ticket }), ticket }, ...fromHome }));
      expect(eventsOf(account.id, 'second_step_succeeded')).toEqual([expect.objectContaining({ reason: 'passkey', sessionId: familyOf(secondStep.access_token) })]);
      expect(eventsOf(account.id, 'sign_in_succeeded').at(-1)).toMatchObject({ reason: 'second_factor', sessionId: familyOf(secondStep.access_token) });

      const passkeyId = added.json<{ passkey: { id: string } }>().passkey.id;
      expect((await call('DELETE', `/api/v1/auth/second-factors/passkeys/${passkeyId}`, { token: secondStep.access_token })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'factor_removed')).toEqual([expect.objectContaining({ reason: 'passkey', sessionId: familyOf(secondStep.access_token) })]);
      await mailTo(account.email, 'A second factor was removed from your account: a passkey.');
    });
  });

  describe('sessions', () => {
    it('refresh-token reuse ends that one session, is recorded and mailed saying so; the other sessions live on', async () => {
      const account = await registered({ language: 'en' });
      const other = tokensOf(await signIn(account));
      const first = tokensOf(await signIn(account));
      const rotated = await call('POST', '/api/v1/auth/refresh', { payload: { refresh_token: first.refresh_token } });
      expect(rotated.statusCode, rotated.body).toBe(200);
      clock.advance(REFRESH_GRACE_WINDOW_MS + 1_000);
      const replay = await call('POST', '/api/v1/auth/refresh', { payload: { refresh_token: first.refresh_token }, remoteAddress: '198.51.100.99', userAgent: CHROME });
      expect(errorCode(replay)).toBe('refresh_token_reused');
      expect(eventsOf(account.id, 'refresh_token_reused')).toEqual([
        expect.objectContaining({ sessionId: familyOf(first.access_token), reason: 'after_grace', address: '198.51.100.99' }),
      ]);
      const mail = await mailTo(account.email, 'That one session was ended; your other sessions are unchanged.');
      expectMailIn(mail, 'en');
      expect(mail.body).toContain('Network: 198.51.100.0/24');
      // What the mail says is what happened.
      expect((await call('GET', '/api/v1/auth/me', { token: other.access_token })).statusCode).toBe(200);
    });

    it('sign-out, ending a listed session, sign-out everywhere and erasure are recorded (and mail nothing)', async () => {
      const account = await registered();
      const ended = tokensOf(await signIn(account));
      const signedOut = tokensOf(await signIn(account));
      const current = tokensOf(await signIn(account));

      expect((await call('POST', '/api/v1/auth/logout', { payload: { refresh_token: signedOut.refresh_token }, token: signedOut.access_token })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'signed_out')).toEqual([expect.objectContaining({ sessionId: familyOf(signedOut.access_token) })]);

      expect((await call('DELETE', `/api/v1/auth/sessions/${familyOf(ended.access_token)}`, { token: current.access_token })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'session_ended')).toEqual([expect.objectContaining({ sessionId: familyOf(ended.access_token) })]);

      expect((await call('POST', '/api/v1/auth/logout-all', { token: current.access_token })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'signed_out_everywhere')).toEqual([expect.objectContaining({ sessionId: familyOf(current.access_token) })]);

      // A session opened in the very millisecond of the sign-out everywhere would fall under its cut-off.
      clock.advance(1_000);
      const last = tokensOf(await signIn(account));
      expect((await call('DELETE', '/api/v1/auth/me', { token: last.access_token, payload: { password: account.password } })).statusCode).toBe(204);
      expect(eventsOf(account.id, 'account_erased')).toEqual([expect.objectContaining({ sessionId: familyOf(last.access_token) })]);
      await settled();
      expect(mailsTo(account.email)).toEqual([]);
    });
  });
});
