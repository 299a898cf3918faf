import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_RATE_LIMITS } from '../../src/security/ip-rate-limit.js';
import { PASSWORD_WORK_MAX_WAITING } from '../../src/security/passwords.js';
import { loginFailuresByAccountKey } from '../../src/security/store-keys.js';
import { LOGIN_FAILURE_WINDOW_MS, LOGIN_FAILURES_PER_ACCOUNT } from '../../src/security/throttle.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, csrfTokenFor, errorCode, register, registerAndLogin, request, strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';

/**
 * Issue 14 items 1, 3, 4 and 5: every route that checks a password, hashes
 * one, sends mail or creates state is throttled; a stranger cannot keep the
 * owner out; password work per process is bounded.
 */

/** 198.18.0.0/15 (benchmarking, RFC 2544): addresses nobody owns, for inject only. */
const strangerAddress = (index: number): string => `198.18.${Math.floor(index / 250)}.${1 + (index % 250)}`;
const uniqueAddress = (): string => `198.19.${randomBytes(1)[0] ?? 0}.${randomBytes(1)[0] ?? 0}`;

/** The longest window any credential limit or the sign-in throttle counts in, in seconds. */
const LONGEST_WINDOW_SECONDS = Math.max(LOGIN_FAILURE_WINDOW_MS, ...Object.values(CREDENTIAL_RATE_LIMITS).map((limit) => limit.windowMs)) / 1000;

function expect429(response: LightMyRequestResponse, code: string): void {
  expect(response.statusCode, response.body).toBe(429);
  expect(errorCode(response)).toBe(code);
  // Whole seconds until the window that refused ends: at least one, never past the window.
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= LONGEST_WINDOW_SECONDS, `Retry-After ${String(response.headers['retry-after'])}`).toBe(true);
}

describe('issue 14: credential paths', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url }) });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const signIn = (email: string, password: string, options: { remoteAddress?: string; cookies?: Record<string, string> } = {}): Promise<LightMyRequestResponse> =>
    request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: options.remoteAddress ?? uniqueAddress(), ...(options.cookies ? { cookies: options.cookies } : {}) });

  const deviceCookieOf = (response: LightMyRequestResponse): Record<string, string> => {
    const cookie = response.cookies.find((candidate) => candidate.name === 'device');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    return { device: cookie?.value ?? '' };
  };

  /** Ten wrong passwords from ten strangers' addresses: the account's budget is spent. */
  async function lockOut(email: string): Promise<void> {
    for (let index = 0; index < LOGIN_FAILURES_PER_ACCOUNT; index++) expect((await signIn(email, strongPassword(), { remoteAddress: strangerAddress(index) })).statusCode).toBe(401);
    expect429(await signIn(email, strongPassword(), { remoteAddress: strangerAddress(99) }), 'login_throttled');
  }

  describe('item 1: the password checks of account changes share the sign-in budget', () => {
    it.each([
      ['PUT /password', 'PUT', '/api/v1/auth/password', (): Record<string, string> => ({ current_password: strongPassword(), new_password: strongPassword() })],
      ['DELETE /me', 'DELETE', '/api/v1/auth/me', (): Record<string, string> => ({ password: strongPassword() })],
      ['POST /me/email', 'POST', '/api/v1/auth/me/email', (): Record<string, string> => ({ password: strongPassword(), new_email: uniqueEmail('new') })],
    ] as const)('%s: ten wrong passwords, then 429 login_throttled, and sign-in is throttled too', async (_name, method, url, body) => {
      const account = await registerAndLogin(testApp.app);
      const attempt = (): Promise<LightMyRequestResponse> => request(testApp.app, { method, url, headers: bearer(account.tokens.access_token), payload: body(), remoteAddress: uniqueAddress() });
      for (let index = 0; index < LOGIN_FAILURES_PER_ACCOUNT; index++) {
        const response = await attempt();
        expect(response.statusCode).toBe(401);
        expect(errorCode(response)).toBe('invalid_credentials');
      }
      expect429(await attempt(), 'login_throttled');
      // The same budget: a sign-in from a browser the account has not seen is refused as well.
      expect429(await signIn(account.email, account.password), 'login_throttled');
    });

    it('a correct current password clears the count, as a sign-in does', async () => {
      const account = await registerAndLogin(testApp.app);
      for (let index = 0; index < LOGIN_FAILURES_PER_ACCOUNT - 1; index++) {
        await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: bearer(account.tokens.access_token), payload: { password: strongPassword() } });
      }
      const newPassword = strongPassword();
      const changed = await request(testApp.app, { method: 'PUT', url: '/api/v1/auth/password', headers: bearer(account.tokens.access_token), payload: { current_password: account.password, new_password: newPassword } });
      expect(changed.statusCode).toBe(204);
      expect(await testApp.runtime.store.get(loginFailuresByAccountKey(account.email))).toBeNull();
    });
  });

  describe('item 4: strangers cannot keep the owner out', () => {
    it('a browser that signed in before (device cookie) gets in while strangers have the account locked; a new browser waits', async () => {
      const owner = await register(testApp.app);
      const earlier = await signIn(owner.email, owner.password);
      expect(earlier.statusCode).toBe(200);
      const device = deviceCookieOf(earlier);

      await lockOut(owner.email);
      expect429(await signIn(owner.email, owner.password), 'login_throttled');
      const fromKnownBrowser = await signIn(owner.email, owner.password, { cookies: device });
      expect(fromKnownBrowser.statusCode).toBe(200);
    });

    it('a device cookie is bound to its account: one from another account, or a forged one, exempts nothing', async () => {
      const owner = await register(testApp.app);
      const other = await register(testApp.app);
      const otherDevice = deviceCookieOf(await signIn(other.email, other.password));
      await lockOut(owner.email);
      expect429(await signIn(owner.email, owner.password, { cookies: otherDevice }), 'login_throttled');
      const [version, nonce] = (otherDevice.device ?? '').split('.');
      const forged = { device: `${version ?? ''}.${nonce ?? ''}.${randomBytes(32).toString('base64url')}` };
      expect429(await signIn(owner.email, owner.password, { cookies: forged }), 'login_throttled');
    });

    it('a known browser has a budget of its own: guessing from it locks that browser, not the account', async () => {
      const owner = await register(testApp.app);
      const device = deviceCookieOf(await signIn(owner.email, owner.password));
      for (let index = 0; index < LOGIN_FAILURES_PER_ACCOUNT; index++) expect((await signIn(owner.email, strongPassword(), { cookies: device })).statusCode).toBe(401);
      expect429(await signIn(owner.email, owner.password, { cookies: device }), 'login_throttled');
      // The account's own budget is untouched: another browser signs in.
      expect((await signIn(owner.email, owner.password)).statusCode).toBe(200);
    });

    it('a successful password reset lifts the lock at once', async () => {
      const owner = await register(testApp.app);
      await lockOut(owner.email);
      const asked = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/forgot-password', payload: { email: owner.email }, remoteAddress: uniqueAddress() });
      expect(asked.statusCode).toBe(202);
      const mail = await smtp.waitForMail(owner.email, undefined, 'reset-password');
      const token = /reset-password#token=([A-Za-z0-9_-]+)/.exec(mail.body)?.[1] ?? '';
      const newPassword = strongPassword();
      const reset = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/reset-password', payload: { token, new_password: newPassword }, remoteAddress: uniqueAddress() });
      expect(reset.statusCode).toBe(204);
      expect((await signIn(owner.email, newPassword)).statusCode).toBe(200);
    });

    it('attempts during the lock do not lengthen it: the window ends 15 minutes after the first attempt, as documented', async () => {
      const owner = await register(testApp.app);
      await lockOut(owner.email);
      const key = loginFailuresByAccountKey(owner.email);
      const before = await testApp.runtime.store.ttlMs(key);
      for (let index = 0; index < 20; index++) await signIn(owner.email, strongPassword(), { remoteAddress: strangerAddress(200 + index) });
      // The lock's window was running (within its 15 minutes) and later attempts did not push it back.
      expect((before ?? 0) > 0 && (before ?? 0) <= LOGIN_FAILURE_WINDOW_MS, `ttl ${String(before)}`).toBe(true);
      expect(await testApp.runtime.store.ttlMs(key)).toBeLessThanOrEqual(before ?? 0);
    });
  });

  describe('item 3: registration', () => {
    it('25 attempts from one address: the address limit answers 429 long before 25 (no full-speed "taken" oracle)', async () => {
      const taken = await register(testApp.app);
      const address = uniqueAddress();
      const responses: LightMyRequestResponse[] = [];
      for (let index = 0; index < 25; index++) {
        responses.push(await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: taken.email, password: strongPassword() }, remoteAddress: address }));
      }
      const taking = responses.filter((response) => errorCode(response) === 'email_taken');
      expect(taking.length).toBe(CREDENTIAL_RATE_LIMITS.register.maxRequests);
      for (const response of responses.slice(CREDENTIAL_RATE_LIMITS.register.maxRequests)) expect429(response, 'rate_limited');
    });

    it(`argon2 work is bounded per process: a flood beyond ${PASSWORD_WORK_MAX_WAITING} waiting gets 503 + Retry-After at once, never exhausted memory`, async () => {
      const flood = 120;
      const responses = await Promise.all(
        Array.from({ length: flood }, () =>
          request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('flood'), password: strongPassword() }, remoteAddress: uniqueAddress() }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
      const refused = responses.filter((response) => response.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(PASSWORD_WORK_MAX_WAITING);
      for (const response of refused) {
        expect(errorCode(response)).toBe('service_unavailable');
        expect(response.headers['retry-after']).toBe('1');
      }
    });
  });

  describe('item 5: a per-address limit on every credential route, X-Forwarded-For notwithstanding', () => {
    /** Sends `count` requests from one address, each with a different X-Forwarded-For (not trusted: TRUST_PROXY is off). */
    async function fromOneAddress(count: number, send: (headers: Record<string, string>, remoteAddress: string) => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse[]> {
      const address = uniqueAddress();
      const responses: LightMyRequestResponse[] = [];
      for (let index = 0; index < count; index++) responses.push(await send({ 'x-forwarded-for': strangerAddress(index) }, address));
      return responses;
    }

    /** One CSRF token for a session, reused for every request (the CSRF endpoint is not what is measured here). */
    async function sender(method: 'POST' | 'PUT' | 'DELETE', url: string, accessToken?: string) {
      const csrf = await csrfTokenFor(testApp.app, accessToken === undefined ? {} : { headers: bearer(accessToken) });
      return (payload: Record<string, unknown>) => (headers: Record<string, string>, remoteAddress: string) =>
        testApp.app.inject({ method, url, payload, remoteAddress, cookies: csrf.cookies, headers: { ...headers, 'x-csrf-token': csrf.token, ...(accessToken === undefined ? {} : bearer(accessToken)) } });
    }

    it.each([
      ['POST /reset-password', 'POST', '/api/v1/auth/reset-password', 'reset_password', () => ({ token: randomBytes(32).toString('base64url'), new_password: strongPassword() })],
      ['POST /refresh', 'POST', '/api/v1/auth/refresh', 'refresh', () => ({ refresh_token: randomBytes(64).toString('base64url') })],
      ['POST /email/confirm', 'POST', '/api/v1/auth/email/confirm', 'email_link', () => ({ token: randomBytes(32).toString('base64url') })],
      ['POST /email/undo', 'POST', '/api/v1/auth/email/undo', 'email_link', () => ({ token: randomBytes(32).toString('base64url') })],
    ] as const)('%s: 429 rate_limited with Retry-After past its limit', async (_name, method, url, group, body) => {
      const send = await sender(method, url);
      const limit = CREDENTIAL_RATE_LIMITS[group].maxRequests;
      const responses = await fromOneAddress(limit + 1, (headers, address) => send(body())(headers, address));
      expect(responses.slice(0, limit).every((response) => response.statusCode !== 429)).toBe(true);
      expect429(responses[limit] as LightMyRequestResponse, 'rate_limited');
    });

    it('POST /register: 429 past 10 per address and hour', async () => {
      const send = await sender('POST', '/api/v1/auth/register');
      const limit = CREDENTIAL_RATE_LIMITS.register.maxRequests;
      const responses = await fromOneAddress(limit + 1, (headers, address) => send({ email: uniqueEmail('limit'), password: strongPassword() })(headers, address));
      expect(responses.slice(0, limit).map((response) => response.statusCode)).toEqual(Array.from({ length: limit }, () => 201));
      expect429(responses[limit] as LightMyRequestResponse, 'rate_limited');
    });

    it.each([
      ['PUT /password', 'PUT', '/api/v1/auth/password', (password: string) => ({ current_password: password, new_password: 'short' })],
      ['POST /me/email', 'POST', '/api/v1/auth/me/email', () => ({ password: strongPassword(), new_email: uniqueEmail('limit') })],
      ['DELETE /me', 'DELETE', '/api/v1/auth/me', () => ({ password: strongPassword() })],
    ] as const)('%s: 429 rate_limited past 20 per address in 15 minutes, across accounts', async (_name, method, url, body) => {
      const limit = CREDENTIAL_RATE_LIMITS.step_up.maxRequests;
      // Several accounts, each below its own sign-in budget: only the address limit can stop them.
      const accounts = await Promise.all([0, 1, 2].map(() => registerAndLogin(testApp.app)));
      const senders = await Promise.all(accounts.map((account) => sender(method, url, account.tokens.access_token)));
      let sent = 0;
      const responses = await fromOneAddress(limit + 1, (headers, address) => {
        const index = sent++ % 3;
        const send = senders[index];
        const account = accounts[index];
        if (send === undefined || account === undefined) throw new Error('no sender');
        return send(body(account.password))(headers, address);
      });
      expect(responses.slice(0, limit).every((response) => response.statusCode !== 429)).toBe(true);
      expect429(responses[limit] as LightMyRequestResponse, 'rate_limited');
    });

    it('POST /forgot-password: 429 rate_limited past 10 per address and hour (POST /login counts per address in its throttle)', async () => {
      const forgot = await sender('POST', '/api/v1/auth/forgot-password');
      const forgotten = await fromOneAddress(11, (headers, address) => forgot({ email: uniqueEmail('nobody') })(headers, address));
      expect429(forgotten[10] as LightMyRequestResponse, 'rate_limited');
    });
  });
});
