import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { UsersRepository } from '../../src/db/repositories/users.js';
import type { TestApp } from './app.js';
import type { LocalSmtpServer } from './smtp.js';

/** A password that passes the policy, generated per test. */
export function strongPassword(): string {
  return `pw-${randomBytes(12).toString('base64url')}`;
}

export function uniqueEmail(label = 'driver'): string {
  return `${label}.${randomBytes(5).toString('hex')}@example.com`;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `app.inject`, with the CSRF dance a well-behaved client does for unsafe
 * methods: fetch a token for the same session (same Authorization header and
 * cookies), then send it as header and cookie. `csrf: false` sends the request
 * exactly as given.
 */
export async function request(app: FastifyInstance, options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
  const { csrf = true, ...injectOptions } = options;
  const method = (injectOptions.method ?? 'GET').toUpperCase();
  if (!csrf || SAFE_METHODS.has(method)) return app.inject(injectOptions);
  const { token, cookies } = await csrfTokenFor(app, injectOptions);
  return app.inject({
    ...injectOptions,
    headers: { ...injectOptions.headers, 'x-csrf-token': token },
    cookies: { ...(injectOptions.cookies as Record<string, string> | undefined), ...cookies },
  });
}

/** A CSRF token for the session the given request would belong to, with the cookies that carry it. */
export async function csrfTokenFor(app: FastifyInstance, options: Pick<InjectOptions, 'headers' | 'cookies' | 'remoteAddress'> = {}): Promise<{ token: string; cookies: Record<string, string> }> {
  const authorization = options.headers?.authorization;
  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/auth/csrf-token',
    headers: typeof authorization === 'string' ? { authorization } : {},
    ...(options.cookies ? { cookies: options.cookies } : {}),
  });
  if (response.statusCode !== 200) throw new Error(`csrf-token failed: ${response.statusCode} ${response.body}`);
  const cookies: Record<string, string> = {};
  for (const cookie of response.cookies) cookies[cookie.name] = cookie.value;
  return { token: response.json<{ csrf_token: string }>().csrf_token, cookies };
}

/** Each registration from an address of its own (10.x.y.z): registration is limited per address, and tests that create many accounts must not hit that by accident. */
export async function register(app: FastifyInstance, email = uniqueEmail(), password = strongPassword()): Promise<{ email: string; password: string; id: string }> {
  const response = await request(app, { method: 'POST', url: '/api/v1/auth/register', payload: { email, password }, remoteAddress: `10.${randomBytes(3).join('.')}` });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  return { email, password, id: response.json<{ id: string }>().id };
}

/** Asks sign-in for the tokens in the body, as an API client does (a browser gets cookies only). */
export const TOKENS_IN_BODY = { 'x-token-delivery': 'body' } as const;

export async function login(app: FastifyInstance, email: string, password: string, remoteAddress?: string): Promise<TokenPair> {
  const response = await request(app, { method: 'POST', url: '/api/v1/auth/login', headers: TOKENS_IN_BODY, payload: { email, password }, ...(remoteAddress ? { remoteAddress } : {}) });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json<TokenPair>();
}

export async function registerAndLogin(app: FastifyInstance): Promise<{ email: string; password: string; id: string; tokens: TokenPair }> {
  const account = await register(app);
  return { ...account, tokens: await login(app, account.email, account.password) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function me(app: FastifyInstance, accessToken: string): Promise<LightMyRequestResponse> {
  return request(app, { method: 'GET', url: '/api/v1/auth/me', headers: bearer(accessToken) });
}

export function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return request(app, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: refreshToken } });
}

export function logout(app: FastifyInstance, tokens: Partial<TokenPair>): Promise<LightMyRequestResponse> {
  return request(app, {
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: tokens.access_token ? bearer(tokens.access_token) : {},
    payload: tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {},
  });
}

export function errorCode(response: LightMyRequestResponse): string | undefined {
  try {
    return response.json<{ error?: { code?: string } }>().error?.code;
  } catch {
    return undefined;
  }
}

/**
 * Marks an account's address verified straight in the database, for tests
 * that are not about verification but add garage data (test/integration/
 * email-verification.test.ts goes through the real link).
 */
export async function markEmailVerified(testApp: Pick<TestApp, 'runtime'>, userId: string): Promise<void> {
  const users = new UsersRepository(testApp.runtime.database.db);
  const user = await users.findById(userId);
  if (user === undefined || !(await users.markEmailVerifiedIf(userId, user.email, new Date().toISOString()))) throw new Error(`no user ${userId} to verify`);
}

/** `register`, with the address verified (see {@link markEmailVerified}). */
export async function registerVerified(testApp: Pick<TestApp, 'app' | 'runtime'>): Promise<{ email: string; password: string; id: string }> {
  const account = await register(testApp.app);
  await markEmailVerified(testApp, account.id);
  return account;
}

/** `registerAndLogin`, with the address verified (see {@link markEmailVerified}). */
export async function registerVerifiedAndLogin(testApp: Pick<TestApp, 'app' | 'runtime'>): Promise<{ email: string; password: string; id: string; tokens: TokenPair }> {
  const account = await register(testApp.app);
  await markEmailVerified(testApp, account.id);
  return { ...account, tokens: await login(testApp.app, account.email, account.password) };
}

/** The token of the newest verification link mailed to `email`. */
export async function verificationTokenFor(smtp: LocalSmtpServer, email: string): Promise<string> {
  await smtp.waitForMail(email, 5000, 'verify-email#token=');
  const mails = smtp.messages.filter((message) => message.to.includes(email) && message.body.includes('verify-email#token='));
  const token = /verify-email#token=([A-Za-z0-9_-]+)/.exec(mails.at(-1)?.body ?? '')?.[1];
  if (token === undefined) throw new Error(`no verification link mailed to ${email}`);
  return token;
}

/** Verifies `email` the way its owner does: the link from the captured registration mail. */
export async function verifyThroughMail(app: FastifyInstance, smtp: LocalSmtpServer, email: string): Promise<void> {
  const token = await verificationTokenFor(smtp, email);
  const response = await request(app, { method: 'POST', url: '/api/v1/auth/email/verify', payload: { token } });
  if (response.statusCode !== 204) throw new Error(`verify failed: ${response.statusCode} ${response.body}`);
}
