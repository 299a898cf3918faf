import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { StoreUnavailableError } from '../../src/stores/key-value-store.js';
import { UNVERIFIED_ALLOWED_WRITES, verifiedEmailRequired } from '../../src/security/email-verification.js';
import { SecurityEvents, type SecurityEventInput } from '../../src/security/security-events.js';
import { emailVerificationKey, emailVerificationUserKey, storedDigest, unverifiedResetMailKey } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, markEmailVerified, me, registerAndLogin, request, verificationTokenFor, verifyThroughMail, type TokenPair } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { eventually, expireStoreEntry, manualClock } from '../helpers/time.js';

/**
 * Issue 19: registration mails a verification link (single use, stored
 * hashed, 24 hours, bound to the user and the address it went to). Until the
 * address is verified the account reads but does not add garage data, and
 * gets at most one password-reset mail an hour; REQUIRE_VERIFIED_EMAIL is
 * stricter. Resending is limited per address and per account.
 */
const VEHICLE = { make: 'Suzuki', model: 'Swift', year: 2008 };
const address = (): string => `10.${randomBytes(3).join('.')}`;

interface MeBody {
  email: string;
  email_verified: boolean;
  email_verified_at: string | null;
}

function appWithMail(smtp: LocalSmtpServer, clock: ReturnType<typeof manualClock>, extra: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ config: testConfig({ SMTP_URL: smtp.url, ...extra }), clock });
}

describe('issue 19: verified e-mail addresses', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  const clock = manualClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await appWithMail(smtp, clock);
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { token?: string; payload?: unknown; remoteAddress?: string } = {}) =>
    request(testApp.app, {
      method,
      url,
      ...(options.token === undefined ? {} : { headers: bearer(options.token) }),
      ...(options.payload === undefined ? {} : { payload: options.payload as Record<string, unknown> }),
      remoteAddress: options.remoteAddress ?? address(),
    });
  const verify = (token: string) => call('POST', '/api/v1/auth/email/verify', { payload: { token } });
  const resend = (tokens: TokenPair, remoteAddress?: string) => call('POST', '/api/v1/auth/email/verification', { token: tokens.access_token, ...(remoteAddress === undefined ? {} : { remoteAddress }) });
  const addVehicle = (tokens: TokenPair) => call('POST', '/api/v1/garage/vehicles', { token: tokens.access_token, payload: VEHICLE });
  const meOf = async (tokens: TokenPair): Promise<MeBody> => (await me(testApp.app, tokens.access_token)).json<MeBody>();
  const mailsTo = (email: string, containing: string) => smtp.messages.filter((message) => message.to.includes(email) && message.body.includes(containing)).length;

  it('registration mails a link; until it is followed garage writes are 403 email_not_verified and reads work; afterwards adding works and the event is recorded', async () => {
    const recorded: SecurityEventInput[] = [];
    const record = vi.spyOn(SecurityEvents.prototype, 'record').mockImplementation((input) => {
      recorded.push(input);
    });
    const account = await registerAndLogin(testApp.app);
    expect(await meOf(account.tokens)).toMatchObject({ email_verified: false, email_verified_at: null });

    const refused = await addVehicle(account.tokens);
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('email_not_verified');
    expect((await call('GET', '/api/v1/garage/vehicles', { token: account.tokens.access_token })).statusCode).toBe(200);
    // Everything but garage writes stays open in the default mode.
    expect((await call('PUT', '/api/v1/auth/me', { token: account.tokens.access_token, payload: { full_name: 'Kiss Anna' } })).statusCode).toBe(200);

    const token = await verificationTokenFor(smtp, account.email);
    const verified = await verify(token);
    expect(verified.statusCode).toBe(204);
    expect(recorded.filter((event) => event.code === 'email_verified')).toEqual([expect.objectContaining({ code: 'email_verified', userId: account.id })]);
    expect(record).toHaveBeenCalled();
    expect(await meOf(account.tokens)).toEqual(expect.objectContaining({ email_verified: true, email_verified_at: new Date(clock.now()).toISOString() }));
    expect((await addVehicle(account.tokens)).statusCode).toBe(201);
    const exported = await call('GET', '/api/v1/auth/me/export', { token: account.tokens.access_token });
    expect(exported.json<{ profile: { email_verified_at: string | null } }>().profile.email_verified_at).toBe(new Date(clock.now()).toISOString());
  });

  it('an account from before migration 0013 (no email_verified_at written) is unverified', async () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    const { db } = testApp.runtime.database;
    await db.insertInto('users').values({ id, email: `old.${randomBytes(4).toString('hex')}@example.com`, password_hash: 'x', full_name: null, role: 'user', is_active: true, created_at: now, updated_at: now }).execute();
    expect((await new UsersRepository(db).findById(id))?.emailVerifiedAt).toBeNull();
  });

  it('a link works once', async () => {
    const account = await registerAndLogin(testApp.app);
    const token = await verificationTokenFor(smtp, account.email);
    const [first, second] = await Promise.all([verify(token), verify(token)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([204, 400]);
    const again = await verify(token);
    expect(again.statusCode).toBe(400);
    expect(errorCode(again)).toBe('email_token_invalid');
  });

  it('only the hash of the token is stored, with the digest of the address, never the address', async () => {
    const account = await registerAndLogin(testApp.app);
    const token = await verificationTokenFor(smtp, account.email);
    const { store } = testApp.runtime;
    expect(await store.get(`email_verification:${token}`)).toBeNull();
    const stored = await store.get(emailVerificationKey(token));
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(account.email);
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ userId: account.id, emailDigest: storedDigest(account.email) });
    expect(await store.get(emailVerificationUserKey(account.id))).toBe(storedDigest(token));
  });

  it('expires after 24 hours (and works just before)', async () => {
    const early = await registerAndLogin(testApp.app);
    const late = await registerAndLogin(testApp.app);
    const earlyToken = await verificationTokenFor(smtp, early.email);
    const lateToken = await verificationTokenFor(smtp, late.email);
    clock.advance(24 * 3_600_000 - 1000);
    expect((await verify(earlyToken)).statusCode).toBe(204);
    clock.advance(1000);
    const expired = await verify(lateToken);
    expect(expired.statusCode).toBe(400);
    expect(errorCode(expired)).toBe('email_token_invalid');
    // (The access token has long expired: the row says it.)
    expect((await new UsersRepository(testApp.runtime.database.db).findById(late.id))?.emailVerifiedAt).toBeNull();
  });

  it('is bound to the address it was sent to: once the account has another address the link is refused', async () => {
    const account = await registerAndLogin(testApp.app);
    const token = await verificationTokenFor(smtp, account.email);
    await new UsersRepository(testApp.runtime.database.db).updateProfile(account.id, { email: `moved.${randomBytes(4).toString('hex')}@example.com` });
    const refused = await verify(token);
    expect(refused.statusCode).toBe(400);
    expect(errorCode(refused)).toBe('email_token_invalid');
    expect((await meOf(account.tokens)).email_verified).toBe(false);
  });

  it('a confirmed address change verifies the new address and voids the pending link', async () => {
    const account = await registerAndLogin(testApp.app);
    const pending = await verificationTokenFor(smtp, account.email);
    const target = `new.${randomBytes(4).toString('hex')}@example.com`;
    expect((await call('POST', '/api/v1/auth/me/email', { token: account.tokens.access_token, payload: { new_email: target, password: account.password } })).statusCode).toBe(202);
    const confirmToken = /confirm-email#token=([A-Za-z0-9_-]+)/.exec((await smtp.waitForMail(target, 5000, 'confirm-email')).body)?.[1] ?? '';
    clock.advance(5000);
    expect((await call('POST', '/api/v1/auth/email/confirm', { payload: { token: confirmToken } })).statusCode).toBe(204);
    expect(await meOf(account.tokens)).toEqual(expect.objectContaining({ email: target, email_verified: true, email_verified_at: new Date(clock.now()).toISOString() }));
    expect(await testApp.runtime.store.get(emailVerificationKey(pending))).toBeNull();
    expect((await verify(pending)).statusCode).toBe(400);
  });

  it('resend: a new link replaces the old one; an address already verified gets 204 and no mail; signed-out callers get 401', async () => {
    const account = await registerAndLogin(testApp.app);
    const first = await verificationTokenFor(smtp, account.email);
    expect((await resend(account.tokens)).statusCode).toBe(204);
    await smtp.waitForMail(account.email, 5000, 'verify-email#token=');
    await eventually(() => mailsTo(account.email, 'verify-email#token=') === 2, { what: 'the second verification mail' });
    const second = await verificationTokenFor(smtp, account.email);
    expect(second).not.toBe(first);
    expect((await verify(first)).statusCode).toBe(400);
    expect((await verify(second)).statusCode).toBe(204);

    expect((await resend(account.tokens)).statusCode).toBe(204);
    // The reset mail goes out after the resend was answered: had the resend mailed, that mail would be there first.
    expect((await call('POST', '/api/v1/auth/forgot-password', { payload: { email: account.email } })).statusCode).toBe(202);
    await smtp.waitForMail(account.email, 5000, 'reset-password#token=');
    expect(mailsTo(account.email, 'verify-email#token=')).toBe(2);

    const anonymous = await call('POST', '/api/v1/auth/email/verification');
    expect(anonymous.statusCode).toBe(401);
  });

  it('resend is limited per account (3 an hour) and per client address (20 an hour)', async () => {
    const account = await registerAndLogin(testApp.app);
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await resend(account.tokens)).statusCode).toBe(204);
    const overAccount = await resend(account.tokens);
    expect(overAccount.statusCode).toBe(429);
    expect(overAccount.headers['retry-after']).toBeDefined();

    const shared = address();
    const statuses: number[] = [];
    for (let index = 0; index < 7; index += 1) {
      const other = await registerAndLogin(testApp.app);
      for (let attempt = 0; attempt < 3; attempt += 1) statuses.push((await resend(other.tokens, shared)).statusCode);
    }
    expect(statuses.slice(0, 20).every((status) => status === 204)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('an unverified address gets at most one reset mail an hour, with the same answer every time; a verified one is not capped', async () => {
    const account = await registerAndLogin(testApp.app);
    const forgot = () => call('POST', '/api/v1/auth/forgot-password', { payload: { email: account.email } });
    const first = await forgot();
    const second = await forgot();
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(second.json()).toEqual(first.json());
    await smtp.waitForMail(account.email, 5000, 'reset-password#token=');
    // A later mail to the same address: had the second request mailed, its mail would be there by now.
    expect((await resend(account.tokens)).statusCode).toBe(204);
    await eventually(() => mailsTo(account.email, 'verify-email#token=') === 2, { what: 'the resent verification mail' });
    expect(mailsTo(account.email, 'reset-password#token=')).toBe(1);

    await expireStoreEntry(testApp.runtime.store, unverifiedResetMailKey(account.id), clock);
    expect((await forgot()).statusCode).toBe(202);
    await eventually(() => mailsTo(account.email, 'reset-password#token=') === 2, { what: 'the reset mail of the next hour' });

    const verified = await registerAndLogin(testApp.app);
    await markEmailVerified(testApp, verified.id);
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await call('POST', '/api/v1/auth/forgot-password', { payload: { email: verified.email } })).statusCode).toBe(202);
    await eventually(() => mailsTo(verified.email, 'reset-password#token=') === 2, { what: 'both reset mails to a verified address' });
  });

  it('fails closed: a database that does not answer the guard is 503 (nothing added), a store that does not answer a link is 503 (nothing verified)', async () => {
    const account = await registerAndLogin(testApp.app);
    await markEmailVerified(testApp, account.id);
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    vi.spyOn(UsersRepository.prototype, 'findById').mockRejectedValueOnce(outage);
    const refused = await addVehicle(account.tokens);
    expect(refused.statusCode).toBe(503);
    expect(errorCode(refused)).toBe('database_unavailable');
    vi.restoreAllMocks();
    expect((await call('GET', '/api/v1/garage/vehicles', { token: account.tokens.access_token })).json<{ total: number }>().total).toBe(0);

    const unverified = await registerAndLogin(testApp.app);
    const token = await verificationTokenFor(smtp, unverified.email);
    vi.spyOn(testApp.runtime.store, 'getAndDelete').mockRejectedValueOnce(new StoreUnavailableError(undefined, { cause: new Error('connection lost') }));
    const storeDown = await verify(token);
    expect(storeDown.statusCode).toBe(503);
    expect(errorCode(storeDown)).toBe('store_unavailable');
    vi.restoreAllMocks();
    expect((await new UsersRepository(testApp.runtime.database.db).findById(unverified.id))?.emailVerifiedAt).toBeNull();
  });

  it('the policy: garage additions and changes need a verified address, reads and removals do not; the strict list names real routes', () => {
    expect(verifiedEmailRequired('POST', '/api/v1/garage/vehicles', false)).toBe(true);
    expect(verifiedEmailRequired('PUT', '/api/v1/garage/vehicles/:id', false)).toBe(true);
    expect(verifiedEmailRequired('POST', '/api/v1/garage/vehicles/:id/notes', false)).toBe(true);
    expect(verifiedEmailRequired('GET', '/api/v1/garage/vehicles', true)).toBe(false);
    expect(verifiedEmailRequired('DELETE', '/api/v1/garage/vehicles/:id', false)).toBe(false);
    expect(verifiedEmailRequired('PUT', '/api/v1/auth/me', false)).toBe(false);
    expect(verifiedEmailRequired('PUT', '/api/v1/auth/me', true)).toBe(true);
    for (const route of UNVERIFIED_ALLOWED_WRITES) {
      const [method = '', url = ''] = route.split(' ');
      expect(testApp.app.hasRoute({ method, url }), route).toBe(true);
      expect(verifiedEmailRequired(method, url, true), route).toBe(false);
    }
  });
});

describe('issue 19: REQUIRE_VERIFIED_EMAIL=true', () => {
  let testApp: TestApp;
  let smtp: LocalSmtpServer;
  const clock = manualClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await appWithMail(smtp, clock, { REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token?: string, payload?: Record<string, unknown>) =>
    request(testApp.app, { method, url, ...(token === undefined ? {} : { headers: bearer(token) }), ...(payload === undefined ? {} : { payload }), remoteAddress: address() });
  const mailsTo = (email: string, containing: string) => smtp.messages.filter((message) => message.to.includes(email) && message.body.includes(containing)).length;

  it('refuses every signed-in write but the way out until the address is verified; then they work', async () => {
    const account = await registerAndLogin(testApp.app);
    const token = account.tokens.access_token;
    for (const [method, url, payload] of [
      ['PUT', '/api/v1/auth/me', { full_name: 'Nagy Béla' }],
      ['POST', '/api/v1/garage/vehicles', VEHICLE],
      ['POST', '/api/v1/auth/second-factors/recovery-codes', {}],
    ] as const) {
      const response = await call(method, url, token, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(errorCode(response)).toBe('email_not_verified');
    }
    // Reads, public writes and the allowed writes still work.
    expect((await call('GET', '/api/v1/garage/vehicles', token)).statusCode).toBe(200);
    expect((await call('POST', '/api/v1/diagnosis/describe', token, { description: 'a motor rázkódik alapjáraton', language: 'hu' })).statusCode).not.toBe(403);
    expect((await call('POST', '/api/v1/auth/email/verification', token)).statusCode).toBe(204);
    await eventually(() => mailsTo(account.email, 'verify-email#token=') === 2, { what: 'the resent verification mail' });

    await verifyThroughMail(testApp.app, smtp, account.email);
    expect((await call('PUT', '/api/v1/auth/me', token, { full_name: 'Nagy Béla' })).statusCode).toBe(200);
    expect((await call('POST', '/api/v1/garage/vehicles', token, VEHICLE)).statusCode).toBe(201);
    expect((await call('POST', '/api/v1/auth/logout-all', token)).statusCode).toBe(204);
  });

  it('an unverified account can still sign out everywhere', async () => {
    const account = await registerAndLogin(testApp.app);
    expect((await call('POST', '/api/v1/auth/logout-all', account.tokens.access_token)).statusCode).toBe(204);
  });

  it('sends no reset mail at all to an unverified address, with the usual answer', async () => {
    const account = await registerAndLogin(testApp.app);
    const answer = await call('POST', '/api/v1/auth/forgot-password', undefined, { email: account.email });
    expect(answer.statusCode).toBe(202);
    expect((await call('POST', '/api/v1/auth/email/verification', account.tokens.access_token)).statusCode).toBe(204);
    await eventually(() => mailsTo(account.email, 'verify-email#token=') === 2, { what: 'the resent verification mail' });
    expect(mailsTo(account.email, 'reset-password#token=')).toBe(0);
    expect((await me(testApp.app, account.tokens.access_token)).json<MeBody>().email_verified).toBe(false);
  });
});
