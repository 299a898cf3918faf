import type {} from '@fastify/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { EmailTakenError, publicUser } from '../db/repositories/users.js';
import { accessTokenOf, authenticateToken, type Security } from '../security/index.js';
import type { SignedIn } from '../security/second-factors.js';
import { clearSessionCookies, cookiesOf, sessionCookieNames, setSessionCookies } from '../security/cookies.js';
import { CSRF_HEADER } from '../security/csrf.js';
import { hashNewPassword, PASSWORD_MAX_LENGTH } from '../security/passwords.js';
import type { IssuedTokens } from '../security/sessions.js';
import type { TokenClaims, TokenType } from '../security/tokens.js';
import { acceptOAuth2Forms, type AuthRouteOptions, credentialRateLimit, Email, FullName, Language, requestOrigin, UserSchema, userResponse } from './auth-shared.js';
import type { MailLanguage } from '../mail/compose.js';
import { HttpError } from '../errors.js';
import { Nullable, type SchemaTypedApp, NO_CONTENT } from './schemas.js';

/**
 * Tokens appear in a response body only for API clients that ask for them:
 * `X-Token-Delivery: body` (or an OAuth2 password-grant form) on sign-in, a
 * refresh token sent in the body on refresh. A browser session (cookie mode,
 * the default) never sees a token: a script injected into the page cannot
 * carry one off.
 */
export const TOKEN_DELIVERY_HEADER = 'x-token-delivery';

const TokenPairSchema = Type.Object({
  access_token: Type.Optional(Type.String({ description: 'only when the client asked for tokens in the body' })),
  refresh_token: Type.Optional(Type.String({ description: 'only when the client asked for tokens in the body' })),
  token_type: Type.Optional(Type.Literal('bearer')),
  expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
});
export const LoginResponseSchema = Type.Object({
  ...TokenPairSchema.properties,
  csrf_token: Type.String({ description: 'a fresh CSRF token bound to the new session; the one used to sign in is void' }),
});
export const SecondStepResponseSchema = Type.Object({
  second_factor_required: Type.Literal(true),
  ticket: Type.String({ description: 'single-use, five minutes; only POST /login/second-factor, /passkey/options and /passkey/login read it' }),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('recovery_code'), Type.Literal('passkey')])),
  ticket_expires_in: Type.Integer({ description: 'seconds until the ticket expires' }),
});

/**
 * The end of every successful sign-in (password, second step, passkey): the
 * session cookies, the device cookie for the account, and a CSRF token bound
 * to the new session in place of the one the sign-in was sent with.
 */
export async function completeSignIn(
  app: SchemaTypedApp,
  security: Security,
  request: FastifyRequest,
  reply: FastifyReply,
  signedIn: SignedIn,
  inBody: boolean,
): Promise<Static<typeof LoginResponseSchema>> {
  const { tokens, email } = signedIn;
  setSessionCookies(reply, security.secureCookies, tokens);
  // This browser is now known for this account: strangers' failures no longer lock it out.
  security.deviceCookies.issue(reply, email);
  // A CSRF token planted before sign-in must be worthless after it.
  await app.csrf.revokePresented(request);
  const csrfToken = await app.csrf.issue(request, reply, tokens.family);
  security.events.record({ code: 'sign_in_succeeded', userId: tokens.userId, origin: requestOrigin(request), sessionId: tokens.family, reason: signedIn.method });
  return { ...tokenResponse(tokens, inBody), csrf_token: csrfToken };
}
const SessionStateSchema = Type.Object({
  authenticated: Type.Boolean(),
  user: Nullable(UserSchema),
  refresh: Type.Boolean({ description: 'no valid access token, but a refresh cookie came along: POST /refresh may restore the session' }),
});

const RegisterBody = Type.Object(
  { email: Email, password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }), full_name: Type.Optional(FullName), language: Type.Optional(Language) },
  { additionalProperties: false },
);
/** JSON `{email, password}` or an OAuth2 password form `username=…&password=…`. */
const LoginBody = Type.Object({
  email: Type.Optional(Email),
  username: Type.Optional(Email),
  password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }),
  grant_type: Type.Optional(Type.Literal('password')),
  scope: Type.Optional(Type.String()),
});
const RefreshBody = Type.Union([Type.Object({ refresh_token: Type.Optional(Type.String({ maxLength: 8192 })) }), Type.Null()]);

/** The first of Hungarian and English in an Accept-Language header by preference (q), else Hungarian. */
export function acceptedLanguage(header: string | undefined): MailLanguage {
  if (header === undefined) return 'hu';
  const ranked = header
    .slice(0, 512)
    .split(',')
    .map((entry, index) => {
      const [tag = '', ...parameters] = entry.trim().toLowerCase().split(';');
      const q = parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
      return { primary: tag.split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && (entry.primary === 'hu' || entry.primary === 'en'))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.primary === 'en' ? 'en' : 'hu';
}

export function tokenResponse(tokens: IssuedTokens, inBody: boolean): Static<typeof TokenPairSchema> {
  if (!inBody) return { expires_in: tokens.expiresIn };
  return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'bearer', expires_in: tokens.expiresIn };
}

/** Signing in and out under `/api/v1/auth`: CSRF token, session state, registration, sign-in, refresh, logout, password reset. Policy lives in src/security. */
export async function signInRoutes(app: SchemaTypedApp, { security }: AuthRouteOptions): Promise<void> {
  const { sessions, users, codec, revocation, secureCookies, passwordReset, deviceCookies, secondFactors } = security;
  const cookieNames = sessionCookieNames(secureCookies);

  acceptOAuth2Forms(app);

  /** Claims of a token that verifies (revoked or not); undefined for anything else. Logout uses it. */
  const claimsIfGenuine = (token: string | undefined, type: TokenType): TokenClaims | undefined => {
    if (token === undefined || token === '') return undefined;
    try {
      return codec.decode(token, type);
    } catch {
      return undefined;
    }
  };

  /** From the body (API clients), else the refresh cookie (browsers). */
  const refreshTokenOf = (body: Static<typeof RefreshBody>, cookies: FastifyRequest['cookies']): string | undefined => body?.refresh_token ?? cookies[cookieNames.refresh];

  app.get(
    '/csrf-token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Issue a CSRF token for this session (also set as an HttpOnly cookie); send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE',
        response: { 200: Type.Object({ csrf_token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const token = await app.csrf.issue(request, reply);
      return reply.send({ csrf_token: token });
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether this request carries a live session: 200 either way (an anonymous visitor is not an error)',
        response: { 200: SessionStateSchema },
      },
    },
    async (request, reply) => {
      const refreshCookie = cookiesOf(request)[cookieNames.refresh];
      const canRefresh = refreshCookie !== undefined && refreshCookie !== '';
      const anonymous = { authenticated: false, user: null, refresh: false };
      const token = accessTokenOf(request, secureCookies);
      if (token === undefined || token === '') return reply.send({ ...anonymous, refresh: canRefresh });
      let state: Static<typeof SessionStateSchema>;
      try {
        const auth = await authenticateToken(token, { codec, revocation, secureCookies });
        const user = await users.findById(auth.userId);
        state = user === undefined ? anonymous : { authenticated: true, user: userResponse(publicUser(user)), refresh: false };
      } catch (error) {
        // A store outage stays a 503; only the token's own verdicts are answered here.
        if (!(error instanceof HttpError) || error.status !== 401) throw error;
        state = { ...anonymous, refresh: error.code === 'token_expired' && canRefresh };
      }
      return reply.send(state);
    },
  );

  app.post(
    '/register',
    {
      preHandler: credentialRateLimit(security, 'register'),
      schema: { tags: ['auth'], summary: 'Create an account (10 per address and hour)', body: RegisterBody, response: { 201: UserSchema } },
    },
    async (request, reply) => {
      const { email, password, full_name: fullName } = request.body;
      const passwordHash = await hashNewPassword(password, email, 'password');
      const language = request.body.language ?? acceptedLanguage(request.headers['accept-language']);
      try {
        const user = await users.create({ email, passwordHash, fullName: fullName ?? null, language });
        security.emailVerification.sendAfterRegistration(user);
        return await reply.code(201).send(userResponse(publicUser(user)));
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpError('email_taken');
        throw error;
      }
    },
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Sign in: sets the session cookies and returns a new CSRF token; the tokens themselves only with X-Token-Delivery: body (API clients). A user with a second factor gets a second-step ticket instead',
        body: LoginBody,
        response: { 200: Type.Union([LoginResponseSchema, SecondStepResponseSchema]) },
      },
    },
    async (request, reply) => {
      const email = request.body.email ?? request.body.username;
      if (email === undefined) throw new HttpError('validation_failed', { details: [{ field: 'email', message: 'is required', problem: 'required' }] });
      const outcome = await secondFactors.signIn(email, request.body.password, {
        address: request.ip,
        userAgent: request.headers['user-agent'],
        trustedDevice: deviceCookies.trustedDevice(cookiesOf(request), email),
      });
      if (outcome.kind === 'second_step') {
        return reply.send({ second_factor_required: true as const, ticket: outcome.ticket, methods: [...outcome.methods], ticket_expires_in: outcome.expiresInSeconds });
      }
      const inBody = request.headers[TOKEN_DELIVERY_HEADER] === 'body' || request.body.grant_type === 'password';
      return reply.send(await completeSignIn(app, security, request, reply, outcome, inBody));
    },
  );

  app.post(
    '/refresh',
    {
      preHandler: credentialRateLimit(security, 'refresh'),
      schema: {
        tags: ['auth'],
        summary: 'Rotate the refresh token for a new pair: from the cookie (new cookies, no tokens in the body) or from the body (the new pair in the body)',
        body: RefreshBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request, reply) => {
      const refreshToken = refreshTokenOf(request.body, cookiesOf(request));
      if (refreshToken === undefined || refreshToken === '') throw new HttpError('authentication_required', { message: 'A refresh token is required' });
      const tokens = await sessions.refresh(refreshToken, requestOrigin(request));
      setSessionCookies(reply, secureCookies, tokens);
      // A token that lived in an httpOnly cookie is never echoed into a body a script could read.
      const inBody = request.body?.refresh_token !== undefined;
      return reply.send(tokenResponse(tokens, inBody));
    },
  );

  app.post(
    '/logout',
    { schema: { tags: ['auth'], summary: 'End this session: both tokens die everywhere; always 204', body: RefreshBody, response: NO_CONTENT } },
    async (request, reply) => {
      await sessions.logout({
        accessClaims: claimsIfGenuine(accessTokenOf(request, secureCookies), 'access'),
        refreshClaims: claimsIfGenuine(refreshTokenOf(request.body, cookiesOf(request)), 'refresh'),
      }, requestOrigin(request));
      clearSessionCookies(reply, secureCookies);
      const csrfToken = await app.csrf.rotateAfterLogout(request, reply);
      return reply.code(204).header(CSRF_HEADER, csrfToken).send();
    },
  );

  app.post(
    '/forgot-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Mail a one-hour, single-use password-reset link; the same 202 whether or not the account exists',
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 202: Type.Object({ message: Type.String() }) },
      },
    },
    async (request, reply) => {
      await passwordReset.requestReset(request.body.email, request.ip);
      return reply.code(202).send({ message: 'If an account exists for this address, a reset link is on its way.' });
    },
  );

  app.post(
    '/reset-password',
    {
      preHandler: credentialRateLimit(security, 'reset_password'),
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the token from the reset link; every session of the user ends and a sign-in lock on the account lifts',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }), new_password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }) }, { additionalProperties: false }),
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      await passwordReset.resetPassword(request.body.token, request.body.new_password, requestOrigin(request));
      return reply.code(204).send();
    },
  );
}

