import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersRepository } from '../../src/db/repositories/users.js';
import type { SecurityEvent } from '../../src/security/security-events.js';
import { CREDENTIAL_RATE_LIMITS } from '../../src/security/ip-rate-limit.js';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from '../../src/security/totp.js';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, register, request, TOKENS_IN_BODY, type TokenPair } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { eventually, manualClock } from '../helpers/time.js';

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

interface AdminUser {
  id: string;
  email: string;
  role: 'user' | 'admin';
  is_active: boolean;
  state: 'active' | 'locked' | 'reset_required';
  password_reset_required: boolean;
  locked_at: string | null;
}
interface Page {
  items: AdminUser[];
  next_cursor: string | null;
}

/**
 * Issue 19: `/api/v1/admin/users` on this run's backends: the list (prefix,
 * role, state, keyset pages), one user's view, each action and its effect on
 * the target's sign-in and tokens, the require-reset flow through the reset
 * mail, the admin rules (role, step-up, not yourself) and the admin_action
 * events every action records.
 */
describe('issue 19: user administration over HTTP', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  let users: UsersRepository;
  const events: SecurityEvent[] = [];
  const clock = manualClock(Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000);
  let admin: { id: string; email: string; password: string; token: string };

  const address = (): string => `10.${randomBytes(3).join('.')}`;
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, options: { token?: string; payload?: unknown; userAgent?: string } = {}) =>
    request(testApp.app, {
      method,
      url,
      ...(options.payload === undefined ? {} : { payload: options.payload as Record<string, unknown> }),
      headers: { ...TOKENS_IN_BODY, ...(options.token === undefined ? {} : bearer(options.token)), ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }) },
      remoteAddress: address(),
    });
  const signIn = (email: string, password: string, userAgent?: string) => call('POST', '/api/v1/auth/login', { payload: { email, password }, ...(userAgent === undefined ? {} : { userAgent }) });
  const tokensOf = (response: LightMyRequestResponse): TokenPair => {
    expect(response.statusCode, response.body).toBe(200);
    return response.json<TokenPair>();
  };
  const signedInUser = async (userAgent?: string) => {
    const account = await register(testApp.app);
    return { ...account, tokens: tokensOf(await signIn(account.email, account.password, userAgent)) };
  };
  const act = (action: string, userId: string, token = admin.token) => call('POST', `/api/v1/admin/users/${userId}/${action}`, { token });
  const list = async (query: string, token = admin.token): Promise<Page> => {
    const response = await call('GET', `/api/v1/admin/users?${query}`, { token });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Page>();
  };
  const adminEvents = (userId: string) => events.filter((event) => event.code === 'admin_action' && event.userId === userId);
  /** Users made straight in the database: addresses the sign-up form would refuse (`%`, `\`) test the prefix escaping. */
  const insertUser = (email: string) => users.create({ email, passwordHash: 'not-a-hash', fullName: null });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url }), clock });
    testApp.app.securityEvents.subscribe((event) => events.push(event));
    users = new UsersRepository(testApp.runtime.database.db);
    const account = await register(testApp.app);
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', account.id).execute();
    admin = { ...account, token: tokensOf(await signIn(account.email, account.password)).access_token };
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  describe('the list', () => {
    it('matches the email prefix literally: % _ and \\ are plain characters, case does not matter', async () => {
      const tag = `pfx${randomBytes(4).toString('hex')}`;
      for (const local of ['_a', 'xa', '%z', 'yz', '\\q', 'plain']) await insertUser(`${tag}${local}@example.com`);
      const emails = async (prefix: string) => (await list(`q=${encodeURIComponent(prefix)}`)).items.map((user) => user.email);
      expect(await emails(`${tag}_`)).toEqual([`${tag}_a@example.com`]);
      expect(await emails(`${tag}%`)).toEqual([`${tag}%z@example.com`]);
      expect(await emails(`${tag}\\`)).toEqual([`${tag}\\q@example.com`]);
      expect(await emails(tag.toUpperCase())).toHaveLength(6);
      expect(await emails(`${tag}nomatch`)).toEqual([]);
    });

    it('pages in email order with an opaque cursor; a bounded limit; a forged cursor is 422', async () => {
      const tag = `page${randomBytes(4).toString('hex')}`;
      const made = ['e', 'a', 'd', 'b', 'c'].map((letter) => `${tag}-${letter}@example.com`);
      for (const email of made) await insertUser(email);
      const seen: string[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const page: Page = await list(`q=${tag}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        sizes.push(page.items.length);
        seen.push(...page.items.map((user) => user.email));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen).toEqual([...made].sort());
      for (const query of ['limit=0', 'limit=101', 'cursor=%25%25%25', 'state=gone', 'role=root']) {
        const response = await call('GET', `/api/v1/admin/users?${query}`, { token: admin.token });
        expect(response.statusCode, query).toBe(422);
      }
    });

    it('filters by state and role', async () => {
      const tag = `state${randomBytes(4).toString('hex')}`;
      const [active, locked, flagged] = await Promise.all(['active', 'locked', 'flagged'].map((name) => insertUser(`${tag}-${name}@example.com`)));
      if (active === undefined || locked === undefined || flagged === undefined) throw new Error('three users');
      expect((await act('lock', locked.id)).statusCode).toBe(204);
      expect((await act('password-reset/require', flagged.id)).statusCode).toBe(204);
      const emails = async (state: string) => (await list(`q=${tag}&state=${state}`)).items.map((user) => user.email);
      expect(await emails('locked')).toEqual([locked.email]);
      expect(await emails('reset_required')).toEqual([flagged.email]);
      expect(await emails('active')).toEqual([active.email, flagged.email]);
      const all = await list(`q=${tag}`);
      expect(all.items.map((user) => [user.email, user.state, user.is_active, user.password_reset_required])).toEqual([
        [active.email, 'active', true, false],
        [flagged.email, 'reset_required', true, true],
        [locked.email, 'locked', false, false],
      ]);
      expect(all.items.find((user) => user.email === locked.email)?.locked_at).toBe(new Date(clock.now()).toISOString());
      const admins = await list(`q=${encodeURIComponent(admin.email)}&role=admin`);
      expect(admins.items.map((user) => user.id)).toEqual([admin.id]);
      expect((await list(`q=${encodeURIComponent(admin.email)}&role=user`)).items).toEqual([]);
    });
  });

  it("shows one user: profile, state, live sessions with their device, which factors exist, their newest security events", async () => {
    const user = await signedInUser(FIREFOX);
    await signIn(user.email, user.password);
    await testApp.app.services.securityEventLog.flush();
    const response = await call('GET', `/api/v1/admin/users/${user.id}`, { token: admin.token });
    expect(response.statusCode, response.body).toBe(200);
    const view = response.json<{ user: AdminUser; sessions: { device: string | null; user_agent: string | null; ip_prefix: string | null }[]; factors: unknown }>();
    expect(view.user).toMatchObject({ id: user.id, email: user.email, state: 'active', password_reset_required: false, locked_at: null, email_verified: false, email_verified_at: null });
    expect(view.sessions).toHaveLength(2);
    expect(view.sessions.find((session) => session.user_agent === FIREFOX)).toMatchObject({ device: expect.stringContaining('Firefox') as unknown, ip_prefix: expect.stringMatching(/^10\.\d+\.\d+\.0\/24$/) as unknown });
    expect(view.factors).toEqual({ passkeys: 0, totp: false, recovery_codes_left: 0 });
    const recent = response.json<{ recent_events: { event: string; reason: string | null; device: string | null; actor_id: string | null }[] }>().recent_events;
    expect(recent.map((event) => event.event)).toEqual(['sign_in_succeeded', 'sign_in_succeeded']);
    expect(recent.map((event) => event.device)).toContain('Firefox 133 on Linux');
    expect(recent.every((event) => event.reason === 'password' && event.actor_id === null)).toBe(true);
    expect((await call('GET', '/api/v1/admin/users/no-such-user', { token: admin.token })).statusCode).toBe(404);
  });

  it('lock: the access token dies at once, refresh and sign-in are refused; unlock lets them in again; deactivate/activate are aliases', async () => {
    const user = await signedInUser();
    expect((await call('GET', '/api/v1/auth/me', { token: user.tokens.access_token })).statusCode).toBe(200);
    expect((await act('lock', user.id)).statusCode).toBe(204);
    const me = await call('GET', '/api/v1/auth/me', { token: user.tokens.access_token });
    expect(me.statusCode).toBe(401);
    expect(errorCode(me)).toBe('token_revoked');
    expect((await call('POST', '/api/v1/auth/refresh', { payload: { refresh_token: user.tokens.refresh_token } })).statusCode).toBe(401);
    const refused = await signIn(user.email, user.password);
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('account_disabled');
    expect((await call('GET', `/api/v1/admin/users/${user.id}`, { token: admin.token })).json<{ sessions: unknown[] }>().sessions).toEqual([]);

    expect((await act('unlock', user.id)).statusCode).toBe(204);
    const again = tokensOf(await signIn(user.email, user.password));
    expect((await act('deactivate', user.id)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token: again.access_token })).statusCode).toBe(401);
    expect((await act('activate', user.id)).statusCode).toBe(204);
    tokensOf(await signIn(user.email, user.password));

    expect(adminEvents(user.id).map((event) => [event.reason, event.actorId])).toEqual([
      ['lock', admin.id],
      ['unlock', admin.id],
      ['lock', admin.id],
      ['unlock', admin.id],
    ]);
    expect(adminEvents(user.id)[0]?.address).not.toBeNull();
  });

  it('an admin cannot lock themselves; an unknown user is 404', async () => {
    const self = await act('lock', admin.id);
    expect(self.statusCode).toBe(403);
    expect(errorCode(self)).toBe('forbidden');
    expect((await call('GET', '/api/v1/auth/me', { token: admin.token })).statusCode).toBe(200);
    expect((await act('lock', 'no-such-user')).statusCode).toBe(404);
    expect(adminEvents(admin.id)).toEqual([]);
  });

  it('end sessions: every token dies, the user may sign in again', async () => {
    const user = await signedInUser();
    expect((await act('sessions/end', user.id)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token: user.tokens.access_token })).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/auth/refresh', { payload: { refresh_token: user.tokens.refresh_token } })).statusCode).toBe(401);
    tokensOf(await signIn(user.email, user.password));
    expect(adminEvents(user.id).map((event) => event.reason)).toEqual(['end_sessions']);
  });

  it('require password reset: sessions end, the old password is refused, the reset mail restores sign-in and clears the flag', async () => {
    const user = await signedInUser();
    expect((await act('password-reset/require', user.id)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token: user.tokens.access_token })).statusCode).toBe(401);
    const refused = await signIn(user.email, user.password);
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('password_reset_required');
    // A wrong password is still just wrong: the flag is told only to someone who knows the password.
    expect(errorCode(await signIn(user.email, `${user.password}x`))).toBe('invalid_credentials');

    expect((await call('POST', '/api/v1/auth/forgot-password', { payload: { email: user.email } })).statusCode).toBe(202);
    const mail = await eventually(() => smtp.messages.find((message) => message.to.includes(user.email) && message.body.includes('reset-password#token=')), { what: 'the reset mail' });
    const token = /reset-password#token=([\w-]+)/.exec(mail.body)?.[1] ?? '';
    const newPassword = `new-${randomBytes(12).toString('base64url')}`;
    expect((await call('POST', '/api/v1/auth/reset-password', { payload: { token, new_password: newPassword } })).statusCode).toBe(204);
    tokensOf(await signIn(user.email, newPassword));
    expect((await users.findById(user.id))?.passwordResetRequired).toBe(false);
    expect(adminEvents(user.id).map((event) => event.reason)).toEqual(['require_password_reset']);
  });

  it('require password reset also stops the second step of a user with a factor; a password change clears the flag', async () => {
    const user = await signedInUser();
    const started = await call('POST', '/api/v1/auth/second-factors/totp', { token: user.tokens.access_token });
    expect(started.statusCode, started.body).toBe(201);
    const { secret } = started.json<{ secret: string }>();
    expect((await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token: user.tokens.access_token, payload: { code: totpCodeAt(secret, clock.now()) } })).statusCode).toBe(200);
    clock.advance(STEP_MS);
    const first = await signIn(user.email, user.password);
    const { ticket } = first.json<{ ticket: string }>();
    expect((await act('password-reset/require', user.id)).statusCode).toBe(204);
    const secondStep = await call('POST', '/api/v1/auth/login/second-factor', { payload: { ticket, totp_code: totpCodeAt(secret, clock.now()) } });
    expect(secondStep.statusCode).toBe(403);
    expect(errorCode(secondStep)).toBe('password_reset_required');
    const view = (await call('GET', `/api/v1/admin/users/${user.id}`, { token: admin.token })).json<{ factors: unknown }>();
    expect(view.factors).toEqual({ passkeys: 0, totp: true, recovery_codes_left: 10 });

    // The password change path: only a signed-in user can take it, so the flag is set on a session opened before it.
    await users.setPasswordResetRequired(user.id, false, new Date(clock.now()).toISOString());
    clock.advance(STEP_MS);
    const again = await signIn(user.email, user.password);
    const session = tokensOf(await call('POST', '/api/v1/auth/login/second-factor', { payload: { ticket: again.json<{ ticket: string }>().ticket, totp_code: totpCodeAt(secret, clock.now()) } }));
    await users.setPasswordResetRequired(user.id, true, new Date(clock.now()).toISOString());
    const newPassword = `new-${randomBytes(12).toString('base64url')}`;
    const changed = await call('PUT', '/api/v1/auth/password', { token: session.access_token, payload: { current_password: user.password, new_password: newPassword } });
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await users.findById(user.id))?.passwordResetRequired).toBe(false);
  });

  it('require password reset also refuses a passkey sign-in, passwordless or as the second step', async () => {
    const user = await signedInUser();
    const token = user.tokens.access_token;
    const options = await call('POST', '/api/v1/auth/second-factors/passkeys/options', { token });
    expect(options.statusCode, options.body).toBe(200);
    const authenticator = new SoftAuthenticator();
    const origin = testApp.config.publicUrl;
    const response = authenticator.createCredential(options.json<{ options: PublicKeyCredentialCreationOptionsJSON }>().options, { origin });
    expect((await call('POST', '/api/v1/auth/second-factors/passkeys', { token, payload: { name: 'Laptop', response } })).statusCode).toBe(201);
    const assertion = async (payload: Record<string, unknown>) => {
      const answer = await call('POST', '/api/v1/auth/passkey/options', { payload });
      expect(answer.statusCode, answer.body).toBe(200);
      return authenticator.getAssertion(answer.json<{ options: PublicKeyCredentialRequestOptionsJSON }>().options, { origin });
    };
    const { ticket } = (await signIn(user.email, user.password)).json<{ ticket: string }>();
    expect((await act('password-reset/require', user.id)).statusCode).toBe(204);
    for (const payload of [{ response: await assertion({}) }, { response: await assertion({ ticket }), ticket }]) {
      const refused = await call('POST', '/api/v1/auth/passkey/login', { payload });
      expect(refused.statusCode, refused.body).toBe(403);
      expect(errorCode(refused)).toBe('password_reset_required');
    }
  });

  it(`the actions count in a budget per admin: ${CREDENTIAL_RATE_LIMITS.admin_action.maxRequests} per window, then 429`, async () => {
    const other = await signedInUser();
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', other.id).execute();
    const target = await register(testApp.app);
    const statuses: number[] = [];
    for (let index = 0; index <= CREDENTIAL_RATE_LIMITS.admin_action.maxRequests; index++) statuses.push((await act('unlock', target.id, other.tokens.access_token)).statusCode);
    expect(statuses.filter((status) => status === 204)).toHaveLength(CREDENTIAL_RATE_LIMITS.admin_action.maxRequests);
    const refused = await act('unlock', target.id, other.tokens.access_token);
    expect(refused.statusCode).toBe(429);
    expect(errorCode(refused)).toBe('rate_limited');
    // Another admin's budget is their own.
    expect((await act('unlock', target.id)).statusCode).toBe(204);
  });

  it('reset factors is recorded too', async () => {
    const user = await signedInUser();
    expect((await act('second-factors/reset', user.id)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/auth/me', { token: user.tokens.access_token })).statusCode).toBe(401);
    expect(adminEvents(user.id).map((event) => [event.reason, event.actorId])).toEqual([['reset_factors', admin.id]]);
  });

  it('403 for a signed-in non-admin on every route, 401 without a token; nothing is recorded', async () => {
    const user = await signedInUser();
    const target = await signedInUser();
    for (const response of [
      await call('GET', '/api/v1/admin/users', { token: user.tokens.access_token }),
      await call('GET', `/api/v1/admin/users/${target.id}`, { token: user.tokens.access_token }),
      ...(await Promise.all(['lock', 'unlock', 'sessions/end', 'password-reset/require', 'second-factors/reset'].map((action) => act(action, target.id, user.tokens.access_token)))),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('forbidden');
    }
    expect((await call('GET', '/api/v1/admin/users')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/auth/me', { token: target.tokens.access_token })).statusCode).toBe(200);
    expect(adminEvents(target.id)).toEqual([]);
  });

  it('an admin with a second factor acts only from a session that confirmed it within the window', async () => {
    const second = await signedInUser();
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', second.id).execute();
    const token = second.tokens.access_token;
    const started = await call('POST', '/api/v1/auth/second-factors/totp', { token });
    const { secret } = started.json<{ secret: string }>();
    expect((await call('POST', '/api/v1/auth/second-factors/totp/confirm', { token, payload: { code: totpCodeAt(secret, clock.now()) } })).statusCode).toBe(200);
    const target = await signedInUser();
    clock.advance(11 * 60_000);
    for (const response of [await call('GET', '/api/v1/admin/users', { token }), await act('lock', target.id, token)]) {
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('step_up_required');
    }
    expect(adminEvents(target.id)).toEqual([]);
    expect((await call('POST', '/api/v1/auth/second-factors/step-up', { token, payload: { totp_code: totpCodeAt(secret, clock.now()) } })).statusCode).toBe(200);
    expect((await act('lock', target.id, token)).statusCode).toBe(204);
    expect(adminEvents(target.id).map((event) => [event.reason, event.actorId])).toEqual([['lock', second.id]]);
  });
});
