import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieNames } from '../../src/security/cookies.js';
import { secondStepTicketKey } from '../../src/security/store-keys.js';
import { SECOND_STEP_TTL_MS } from '../../src/security/second-step.js';
import { totpCodeAt, TOTP_PERIOD_SECONDS } from '../../src/security/totp.js';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, register, request, strongPassword, TOKENS_IN_BODY, type TokenPair } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { eventually, manualClock } from '../helpers/time.js';

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

interface SecondStep {
  second_factor_required: true;
  ticket: string;
  methods: string[];
  ticket_expires_in: number;
}

/**
 * Issue 18: authenticator-app codes, recovery codes, the second-step ticket
 * and step-up, over HTTP on this run's backends. Codes are computed in the
 * test from the secret the enrolment showed, as an authenticator app would.
 */
describe('issue 18: second factors over HTTP', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  // On a step boundary plus a little, so "the next step" is exactly one STEP_MS away.
  const clock = manualClock(Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url }), clock });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  /** Each account from its own address: the per-address budgets are not what these tests are about. */
  const address = (): string => `10.${randomBytes(3).join('.')}`;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, options: { token?: string; payload?: unknown; remoteAddress?: string } = {}) =>
    request(testApp.app, {
      method,
      url,
      ...(options.payload === undefined ? {} : { payload: options.payload as Record<string, unknown> }),
      headers: { ...TOKENS_IN_BODY, ...(options.token === undefined ? {} : bearer(options.token)) },
      // Every call from an address of its own unless a test says otherwise: per-address budgets are tested elsewhere.
      remoteAddress: options.remoteAddress ?? address(),
    });
  const signIn = (email: string, password: string, remoteAddress = address()) => call('POST', '/api/v1/auth/login', { payload: { email, password }, remoteAddress });
  const tokensOf = (response: LightMyRequestResponse): TokenPair => {
    expect(response.statusCode, response.body).toBe(200);
    return response.json<TokenPair>();
  };

  /** A user with an authenticator app set up (and the recovery codes that came with it), signed in on a fresh session. */
  async function userWithTotp(): Promise<{ email: string; password: string; secret: string; recoveryCodes: string[]; token: string }> {
    const account = await register(testApp.app);
    const token = tokensOf(await signIn(account.email, account.password)).access_token;
    const started = await call('POST', '/api/v1/auth/second-factors/totp', { token });
    expect(started.statusCode, started.body).toBe(201);
    const enrolment = started.json<{ secret: string; otpauth_uri: string; qr_code: string }>();
    expect(enrolment.otpauth_uri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qr_code.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const confirmed = await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token, payload: { code: totpCodeAt(enrolment.secret, clock.now()) } });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const recoveryCodes = confirmed.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(recoveryCodes).toHaveLength(10);
    // The owner is told a factor was added (someone with a stolen session could have done it).
    await mailTo(account.email, 'A fiókodhoz most egy új második lépést adtak hozzá: hitelesítő alkalmazás');
    // The enrolment spent this step's code: later sign-ins use the next one.
    clock.advance(STEP_MS);
    return { ...account, secret: enrolment.secret, recoveryCodes, token };
  }

  async function ticketFor(email: string, password: string): Promise<SecondStep> {
    const response = await signIn(email, password);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<SecondStep>();
    expect(body).toMatchObject({ second_factor_required: true, ticket_expires_in: SECOND_STEP_TTL_MS / 1000 });
    expect(body.methods).toEqual(expect.arrayContaining(['recovery_code']));
    // No session yet: no cookies, no tokens.
    expect(response.cookies.map((cookie) => cookie.name).filter((name) => name.includes('access') || name.includes('refresh'))).toEqual([]);
    expect(response.body).not.toContain('access_token');
    return body;
  }

  /** The mail to `to` that says `text` (a user gets several: factor added, recovery code used …). */
  const mailTo = async (to: string, text: string) =>
    (await eventually(() => smtp.messages.find((message) => message.to.includes(to) && message.body.includes(text)), { what: `a mail to ${to} saying "${text}"` }));

  const secondStep = (payload: Record<string, unknown>, remoteAddress = address()) => call('POST', '/api/v1/auth/login/second-factor', { payload, remoteAddress });

  it('a user without a factor signs in with the password alone, as before', async () => {
    const account = await register(testApp.app);
    const pair = tokensOf(await signIn(account.email, account.password));
    const overview = await call('GET', '/api/v1/auth/second-factors', { token: pair.access_token });
    expect(overview.json()).toMatchObject({ totp: { enabled: false }, passkeys: [], recovery_codes: { remaining: 0 }, step_up: { required: false } });
  });

  it('password + authenticator code: a ticket first, then a session; the code works once', async () => {
    const user = await userWithTotp();
    const { ticket } = await ticketFor(user.email, user.password);
    const code = totpCodeAt(user.secret, clock.now());
    const pair = tokensOf(await secondStep({ ticket, totp_code: code }));
    expect((await call('GET', '/api/v1/auth/me', { token: pair.access_token })).statusCode).toBe(200);

    // The same code again, on a new ticket: a replay.
    const again = await ticketFor(user.email, user.password);
    const replay = await secondStep({ ticket: again.ticket, totp_code: code });
    expect(replay.statusCode).toBe(401);
    expect(errorCode(replay)).toBe('second_factor_invalid');
    // A used ticket is gone.
    const reused = await secondStep({ ticket, totp_code: totpCodeAt(user.secret, clock.now() + STEP_MS) });
    expect(errorCode(reused)).toBe('second_step_expired');
  });

  it('accepts a code one step off either way (clock drift), not two', async () => {
    const user = await userWithTotp();
    for (const [offsetSteps, accepted] of [[-1, true], [1, true], [2, false], [-2, false]] as const) {
      clock.advance(3 * STEP_MS); // past every step used so far
      const { ticket } = await ticketFor(user.email, user.password);
      const response = await secondStep({ ticket, totp_code: totpCodeAt(user.secret, clock.now() + offsetSteps * STEP_MS) });
      expect(response.statusCode, `${offsetSteps} steps`).toBe(accepted ? 200 : 401);
    }
  });

  it('an older code after a newer one is refused (each step once, and never backwards)', async () => {
    const user = await userWithTotp();
    clock.advance(3 * STEP_MS);
    const first = await ticketFor(user.email, user.password);
    tokensOf(await secondStep({ ticket: first.ticket, totp_code: totpCodeAt(user.secret, clock.now()) }));
    const second = await ticketFor(user.email, user.password);
    const older = await secondStep({ ticket: second.ticket, totp_code: totpCodeAt(user.secret, clock.now() - STEP_MS) });
    expect(errorCode(older)).toBe('second_factor_invalid');
  });

  it('a recovery code signs in once, in any case and grouping, and the owner is told by mail', async () => {
    const user = await userWithTotp();
    const [code = ''] = user.recoveryCodes;
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const { ticket } = await ticketFor(user.email, user.password);
    tokensOf(await secondStep({ ticket, recovery_code: ` ${code.toLowerCase().replaceAll('-', ' ')} ` }));
    const mail = await mailTo(user.email, 'Valaki egy helyreállító kóddal igazolta magát a fiókodban');
    expect(mail.body).not.toContain(code);

    const again = await ticketFor(user.email, user.password);
    expect(errorCode(await secondStep({ ticket: again.ticket, recovery_code: code }))).toBe('second_factor_invalid');
    const overview = await call('GET', '/api/v1/auth/second-factors', { token: user.token });
    expect(overview.json<{ recovery_codes: { remaining: number } }>().recovery_codes.remaining).toBe(9);
  });

  it('the ticket is no access token, expires after five minutes, and dies after five wrong codes', async () => {
    const user = await userWithTotp();
    const { ticket } = await ticketFor(user.email, user.password);
    for (const url of ['/api/v1/auth/me', '/api/v1/auth/second-factors', '/api/v1/garage/vehicles']) {
      const response = await call('GET', url, { token: ticket });
      expect(response.statusCode, url).toBe(401);
    }
    const asCookie = await testApp.app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: { [sessionCookieNames(testApp.config.cookieSecure).access]: ticket } });
    expect(asCookie.statusCode).toBe(401);

    clock.advance(SECOND_STEP_TTL_MS);
    expect(errorCode(await secondStep({ ticket, totp_code: totpCodeAt(user.secret, clock.now()) }))).toBe('second_step_expired');

    const fresh = await ticketFor(user.email, user.password);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(errorCode(await secondStep({ ticket: fresh.ticket, totp_code: '000000' === totpCodeAt(user.secret, clock.now()) ? '111111' : '000000' }))).toBe('second_factor_invalid');
    }
    expect(await testApp.runtime.store.get(secondStepTicketKey(fresh.ticket))).toBeNull();
    expect(errorCode(await secondStep({ ticket: fresh.ticket, totp_code: totpCodeAt(user.secret, clock.now()) }))).toBe('second_step_expired');
  });

  it('second-step guesses count in the account budget with the password (429 past it), from any address', async () => {
    const user = await userWithTotp();
    let throttled: LightMyRequestResponse | undefined;
    // The budget is 10 per 15 minutes: each password step and each wrong code counts once.
    for (let round = 0; round < 6 && throttled === undefined; round++) {
      const response = await signIn(user.email, user.password);
      if (response.statusCode === 429) {
        throttled = response;
        break;
      }
      const { ticket } = response.json<SecondStep>();
      const wrong = await secondStep({ ticket, totp_code: '000000' === totpCodeAt(user.secret, clock.now()) ? '111111' : '000000' });
      if (wrong.statusCode === 429) throttled = wrong;
    }
    expect(throttled?.statusCode).toBe(429);
    expect(errorCode(throttled as LightMyRequestResponse)).toBe('login_throttled');
    clock.advance(16 * 60_000);
  });

  it('a missing, doubled or malformed code is a 422 naming the field, and costs nothing', async () => {
    const user = await userWithTotp();
    const { ticket } = await ticketFor(user.email, user.password);
    expect((await secondStep({ ticket })).statusCode).toBe(422);
    expect((await secondStep({ ticket, totp_code: '123456', recovery_code: 'AAAA-AAAA-AAAA-AAAA' })).statusCode).toBe(422);
    tokensOf(await secondStep({ ticket, totp_code: totpCodeAt(user.secret, clock.now()) }));
  });

  it('step-up: with a factor, removing it, changing the password or erasing needs a fresh confirmation', async () => {
    const user = await userWithTotp();
    // The enrolling session confirmed a code: fresh for the window. Let it lapse.
    clock.advance(11 * 60_000);
    const { token } = user;
    const removal = await call('DELETE', '/api/v1/auth/second-factors/totp', { token });
    expect(removal.statusCode).toBe(403);
    expect(errorCode(removal)).toBe('step_up_required');
    const password = await call('PUT', '/api/v1/auth/password', { token, payload: { current_password: user.password, new_password: strongPassword() } });
    expect(errorCode(password)).toBe('step_up_required');
    const erase = await call('DELETE', '/api/v1/auth/me', { token, payload: { password: user.password } });
    expect(errorCode(erase)).toBe('step_up_required');
    expect(errorCode(await call('POST', '/api/v1/auth/second-factors/recovery-codes', { token }))).toBe('step_up_required');
    const state = await call('GET', '/api/v1/auth/second-factors', { token });
    expect(state.json()).toMatchObject({ step_up: { required: true, fresh_until: null } });

    const wrong = await call('POST', '/api/v1/auth/second-factors/step-up', { token, payload: { totp_code: '000000' === totpCodeAt(user.secret, clock.now()) ? '111111' : '000000' } });
    expect(errorCode(wrong)).toBe('second_factor_invalid');
    const confirmed = await call('POST', '/api/v1/auth/second-factors/step-up', { token, payload: { totp_code: totpCodeAt(user.secret, clock.now()) } });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(Date.parse(confirmed.json<{ fresh_until: string }>().fresh_until)).toBe(clock.now() + 10 * 60_000);

    const codes = await call('POST', '/api/v1/auth/second-factors/recovery-codes', { token });
    expect(codes.statusCode).toBe(200);
    const fresh = codes.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(fresh).toHaveLength(10);
    // The old codes died with the regeneration.
    clock.advance(STEP_MS);
    const ticket = (await ticketFor(user.email, user.password)).ticket;
    expect(errorCode(await secondStep({ ticket, recovery_code: user.recoveryCodes[1] }))).toBe('second_factor_invalid');

    expect((await call('DELETE', '/api/v1/auth/second-factors/totp', { token })).statusCode).toBe(204);
    // The last factor gone: recovery codes go too, and the password alone signs in again.
    const overview = await call('GET', '/api/v1/auth/second-factors', { token });
    expect(overview.json()).toMatchObject({ totp: { enabled: false }, recovery_codes: { remaining: 0 }, step_up: { required: false } });
    tokensOf(await signIn(user.email, user.password));
  });

  it('a sign-in through the second step is itself fresh: no second prompt for a change right after', async () => {
    const user = await userWithTotp();
    const { ticket } = await ticketFor(user.email, user.password);
    const pair = tokensOf(await secondStep({ ticket, totp_code: totpCodeAt(user.secret, clock.now()) }));
    const state = await call('GET', '/api/v1/auth/second-factors', { token: pair.access_token });
    expect(Date.parse(state.json<{ step_up: { fresh_until: string } }>().step_up.fresh_until)).toBe(clock.now() + 10 * 60_000);
    const changed = await call('PUT', '/api/v1/auth/password', { token: pair.access_token, payload: { current_password: user.password, new_password: strongPassword() } });
    expect(changed.statusCode, changed.body).toBe(204);
  });

  it('enrolment: a second app is refused while one is active; a wrong first code activates nothing', async () => {
    const account = await register(testApp.app);
    const token = tokensOf(await signIn(account.email, account.password)).access_token;
    const started = (await call('POST', '/api/v1/auth/second-factors/totp', { token })).json<{ secret: string }>();
    const wrong = await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token, payload: { code: totpCodeAt(started.secret, clock.now() + 5 * STEP_MS) } });
    expect(errorCode(wrong)).toBe('second_factor_invalid');
    // Still no factor: the password alone signs in.
    tokensOf(await signIn(account.email, account.password));

    const other = await register(testApp.app);
    const otherToken = tokensOf(await signIn(other.email, other.password)).access_token;
    expect(errorCode(await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token: otherToken, payload: { code: '123456' } }))).toBe('totp_enrolment_missing');

    expect((await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token, payload: { code: totpCodeAt(started.secret, clock.now()) } })).statusCode).toBe(200);
    expect(errorCode(await call('POST', '/api/v1/auth/second-factors/totp', { token }))).toBe('totp_already_enabled');
    clock.advance(STEP_MS);
  });

  it('the secret is stored encrypted, never as the base32 the app was shown', async () => {
    const user = await userWithTotp();
    const rows = await testApp.runtime.database.db.selectFrom('user_totp').select('secret_ciphertext').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.secret_ciphertext).not.toContain(user.secret);
    const codes = await testApp.runtime.database.db.selectFrom('user_recovery_codes').select('code_hash').execute();
    for (const code of user.recoveryCodes) expect(codes.map((row) => row.code_hash).join()).not.toContain(code.replaceAll('-', ''));

    // The data export says which factors exist, never the secret or a code.
    const exported = await call('GET', '/api/v1/auth/me/export', { token: user.token });
    expect(exported.json()).toMatchObject({ second_factors: { authenticator_app: { enabled: true }, passkeys: [], recovery_codes: { unused: 10, used: 0 } } });
    expect(exported.body).not.toContain(user.secret);
    for (const code of user.recoveryCodes) expect(exported.body).not.toContain(code);
  });

  describe('passkeys over HTTP (a software authenticator in place of the browser)', () => {
    const origin = (): string => testApp.config.publicUrl;

    async function userWithPasskey(): Promise<{ email: string; password: string; token: string; authenticator: SoftAuthenticator; passkeyId: string }> {
      const account = await register(testApp.app);
      const token = tokensOf(await signIn(account.email, account.password)).access_token;
      const options = await call('POST', '/api/v1/auth/second-factors/passkeys/options', { token });
      expect(options.statusCode, options.body).toBe(200);
      const authenticator = new SoftAuthenticator();
      const response = authenticator.createCredential(options.json<{ options: PublicKeyCredentialCreationOptionsJSON }>().options, { origin: origin() });
      const registered = await call('POST', '/api/v1/auth/second-factors/passkeys', { token, payload: { name: 'Laptop', response } });
      expect(registered.statusCode, registered.body).toBe(201);
      const body = registered.json<{ passkey: { id: string; name: string }; recovery_codes: string[] | null }>();
      expect(body.passkey.name).toBe('Laptop');
      expect(body.recovery_codes).toHaveLength(10);
      return { ...account, token, authenticator, passkeyId: body.passkey.id };
    }

    const assertionFor = async (authenticator: SoftAuthenticator, url: string, payload: Record<string, unknown>, token?: string) => {
      const options = await call('POST', url, { payload, ...(token === undefined ? {} : { token }) });
      expect(options.statusCode, options.body).toBe(200);
      return authenticator.getAssertion(options.json<{ options: PublicKeyCredentialRequestOptionsJSON }>().options, { origin: origin() });
    };

    it('signs in with a passkey alone; the password sign-in then needs a second step, which a passkey can finish', async () => {
      const user = await userWithPasskey();
      const alone = await call('POST', '/api/v1/auth/passkey/login', { payload: { response: await assertionFor(user.authenticator, '/api/v1/auth/passkey/options', {}) } });
      const pair = tokensOf(alone);
      expect((await call('GET', '/api/v1/auth/me', { token: pair.access_token })).json<{ email: string }>().email).toBe(user.email);

      const { ticket, methods } = await ticketFor(user.email, user.password);
      expect(methods).toContain('passkey');
      const response = await assertionFor(user.authenticator, '/api/v1/auth/passkey/options', { ticket });
      tokensOf(await call('POST', '/api/v1/auth/passkey/login', { payload: { response, ticket } }));
      // The ticket is spent, and the assertion's challenge with it.
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response, ticket } }))).toBe('second_step_expired');
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response } }))).toBe('passkey_rejected');
    });

    it("a second step's passkey must be the ticket's user's, and the challenge must be the ticket's", async () => {
      const owner = await userWithPasskey();
      const stranger = await userWithPasskey();
      const { ticket } = await ticketFor(owner.email, owner.password);
      const foreign = await assertionFor(stranger.authenticator, '/api/v1/auth/passkey/options', { ticket });
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response: foreign, ticket } }))).toBe('passkey_rejected');
      // A passwordless challenge does not serve a ticket's second step.
      const passwordless = await assertionFor(owner.authenticator, '/api/v1/auth/passkey/options', {});
      expect(errorCode(await call('POST', '/api/v1/auth/passkey/login', { payload: { response: passwordless, ticket } }))).toBe('passkey_rejected');
    });

    it('a cloned authenticator (a counter that went back) is refused', async () => {
      const user = await userWithPasskey();
      const clone = user.authenticator.clone();
      tokensOf(await call('POST', '/api/v1/auth/passkey/login', { payload: { response: await assertionFor(user.authenticator, '/api/v1/auth/passkey/options', {}) } }));
      const cloned = await call('POST', '/api/v1/auth/passkey/login', { payload: { response: await assertionFor(clone, '/api/v1/auth/passkey/options', {}) } });
      expect(errorCode(cloned)).toBe('passkey_rejected');
    });

    it('step-up with a passkey, then rename and remove; the last factor gone, the password alone signs in', async () => {
      const user = await userWithPasskey();
      clock.advance(11 * 60_000);
      const remove = () => call('DELETE', `/api/v1/auth/second-factors/passkeys/${user.passkeyId}`, { token: user.token });
      expect(errorCode(await remove())).toBe('step_up_required');
      const response = await assertionFor(user.authenticator, '/api/v1/auth/second-factors/step-up/passkey-options', {}, user.token);
      const fresh = await call('POST', '/api/v1/auth/second-factors/step-up/passkey', { token: user.token, payload: { response } });
      expect(fresh.statusCode, fresh.body).toBe(200);
      const renamed = await call('PATCH', `/api/v1/auth/second-factors/passkeys/${user.passkeyId}`, { token: user.token, payload: { name: 'Régi laptop' } });
      expect(renamed.json<{ passkey: { name: string } }>().passkey.name).toBe('Régi laptop');
      expect((await remove()).statusCode).toBe(204);
      expect((await remove()).statusCode).toBe(404);
      tokensOf(await signIn(user.email, user.password));
    });

    it('an admin with a second factor acts only from a fresh session; the reset removes every factor and ends the sessions', async () => {
      const admin = await userWithPasskey();
      await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('email', '=', admin.email).execute();
      const target = await userWithTotp();
      const targetId = await idOf(target.email);
      const reset = () => call('POST', `/api/v1/admin/users/${targetId}/second-factors/reset`, { token: admin.token });
      clock.advance(11 * 60_000);
      expect(errorCode(await reset())).toBe('step_up_required');
      const response = await assertionFor(admin.authenticator, '/api/v1/auth/second-factors/step-up/passkey-options', {}, admin.token);
      expect((await call('POST', '/api/v1/auth/second-factors/step-up/passkey', { token: admin.token, payload: { response } })).statusCode).toBe(200);
      expect((await reset()).statusCode).toBe(204);
      expect((await call('GET', '/api/v1/auth/me', { token: target.token })).statusCode).toBe(401);
      await mailTo(target.email, 'An administrator removed every passkey');
      // The password alone signs in again.
      tokensOf(await signIn(target.email, target.password));
    });

    const idOf = async (email: string): Promise<string> => (await testApp.runtime.database.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  });
});
