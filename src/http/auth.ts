import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { EmailTakenError, publicUser, type User } from '../db/repositories/users.js';
import { accessTokenOf, type Security } from '../security/index.js';
import { clearSessionCookies, sessionCookieNames, setSessionCookies } from '../security/cookies.js';
import { CSRF_HEADER } from '../security/csrf.js';
import { hashPassword, passwordProblem, passwordProblemMessage, PASSWORD_MAX_LENGTH, verifyPassword } from '../security/passwords.js';
import type { IssuedTokens } from '../security/sessions.js';
import type { TokenClaims, TokenType } from '../security/tokens.js';
import { HttpError } from './errors.js';
import { Nullable } from './public-routes.js';

const Email = Type.String({ format: 'email', maxLength: 320 });
const FullName = Nullable(Type.String({ maxLength: 200 }));

const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  full_name: FullName,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  is_active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
});
const LoginResponseSchema = Type.Object({
  ...TokenPairSchema.properties,
  csrf_token: Type.String({ description: 'a fresh CSRF token bound to the new session; the one used to sign in is void' }),
});

const RegisterBody = Type.Object(
  { email: Email, password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }), full_name: Type.Optional(FullName) },
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
const UpdateMeBody = Type.Object({ full_name: Type.Optional(FullName), email: Type.Optional(Email) }, { additionalProperties: false, minProperties: 1 });
const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }), new_password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }) },
  { additionalProperties: false },
);

function userResponse(user: User): Static<typeof UserSchema> {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

function tokenResponse(tokens: IssuedTokens): Static<typeof TokenPairSchema> {
  return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'bearer', expires_in: tokens.expiresIn };
}

function assertAcceptablePassword(password: string, email: string, field: string): void {
  const problem = passwordProblem(password, email);
  if (problem !== undefined) throw new HttpError('validation_failed', { details: [{ field, message: passwordProblemMessage(problem) }] });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store');
}

export interface AuthRouteOptions {
  readonly security: Security;
}

/** `/api/v1/auth/*`: translates HTTP to the session service; policy lives in src/security. */
export async function authRoutes(app: FastifyInstance, { security }: AuthRouteOptions): Promise<void> {
  const { sessions, users, codec, secureCookies, passwordReset, accountData } = security;
  const cookieNames = sessionCookieNames(secureCookies);

  // OAuth2 password-grant clients post forms; parsed here only, for these routes.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** Claims of a token that verifies (revoked or not); undefined for anything else. Logout uses it. */
  const claimsIfGenuine = (token: string | undefined, type: TokenType): TokenClaims | undefined => {
    if (token === undefined || token === '') return undefined;
    try {
      return codec.decode(token, type);
    } catch {
      return undefined;
    }
  };

  const refreshTokenOf = (request: FastifyRequest<{ Body: Static<typeof RefreshBody> }>): string | undefined =>
    request.body?.refresh_token ?? request.cookies[cookieNames.refresh];

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
      return noStore(reply).send({ csrf_token: token });
    },
  );

  app.post(
    '/register',
    { schema: { tags: ['auth'], summary: 'Create an account', body: RegisterBody, response: { 201: UserSchema } } },
    async (request: FastifyRequest<{ Body: Static<typeof RegisterBody> }>, reply) => {
      const { email, password, full_name: fullName } = request.body;
      assertAcceptablePassword(password, email, 'password');
      try {
        const user = await users.create({ email, passwordHash: await hashPassword(password), fullName: fullName ?? null });
        return await noStore(reply).code(201).send(userResponse(publicUser(user)));
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpError('email_taken');
        throw error;
      }
    },
  );

  app.post(
    '/login',
    { schema: { tags: ['auth'], summary: 'Sign in; returns the token pair (also set as httpOnly cookies) and a new CSRF token', body: LoginBody, response: { 200: LoginResponseSchema } } },
    async (request: FastifyRequest<{ Body: Static<typeof LoginBody> }>, reply) => {
      const email = request.body.email ?? request.body.username;
      if (email === undefined) throw new HttpError('validation_failed', { details: [{ field: 'email', message: 'is required' }] });
      const tokens = await sessions.login(email, request.body.password, { address: request.ip, userAgent: request.headers['user-agent'] });
      setSessionCookies(reply, secureCookies, tokens);
      // A CSRF token planted before sign-in must be worthless after it.
      await app.csrf.revokePresented(request);
      const csrfToken = await app.csrf.issue(request, reply, tokens.family);
      return noStore(reply).send({ ...tokenResponse(tokens), csrf_token: csrfToken });
    },
  );

  app.post(
    '/refresh',
    { schema: { tags: ['auth'], summary: 'Rotate the refresh token (body or cookie) for a new pair', body: RefreshBody, response: { 200: TokenPairSchema } } },
    async (request: FastifyRequest<{ Body: Static<typeof RefreshBody> }>, reply) => {
      const refreshToken = refreshTokenOf(request);
      if (refreshToken === undefined || refreshToken === '') throw new HttpError('authentication_required', { message: 'A refresh token is required' });
      const tokens = await sessions.refresh(refreshToken);
      setSessionCookies(reply, secureCookies, tokens);
      return noStore(reply).send(tokenResponse(tokens));
    },
  );

  app.post(
    '/logout',
    { schema: { tags: ['auth'], summary: 'End this session: both tokens die everywhere; always 204', body: RefreshBody } },
    async (request: FastifyRequest<{ Body: Static<typeof RefreshBody> }>, reply) => {
      await sessions.logout({
        accessClaims: claimsIfGenuine(accessTokenOf(request, secureCookies), 'access'),
        refreshClaims: claimsIfGenuine(refreshTokenOf(request), 'refresh'),
      });
      clearSessionCookies(reply, secureCookies);
      const csrfToken = await app.csrf.rotateAfterLogout(request, reply);
      return noStore(reply).code(204).header(CSRF_HEADER, csrfToken).send();
    },
  );

  app.post('/logout-all', { preHandler: app.requireAuth, schema: { tags: ['auth'], summary: 'End every session of this user' } }, async (request, reply) => {
    await sessions.logoutEverywhere(authOf(request).userId);
    clearSessionCookies(reply, secureCookies);
    return noStore(reply).code(204).send();
  });

  app.get('/me', { preHandler: app.requireAuth, schema: { tags: ['auth'], response: { 200: UserSchema } } }, async (request, reply) => {
    const user = await users.findById(authOf(request).userId);
    if (user === undefined) throw new HttpError('token_revoked');
    return noStore(reply).send(userResponse(publicUser(user)));
  });

  app.put(
    '/me',
    { preHandler: app.requireAuth, schema: { tags: ['auth'], body: UpdateMeBody, response: { 200: UserSchema } } },
    async (request: FastifyRequest<{ Body: Static<typeof UpdateMeBody> }>, reply) => {
      try {
        const user = await users.updateProfile(authOf(request).userId, { fullName: request.body.full_name, email: request.body.email });
        if (user === undefined) throw new HttpError('token_revoked');
        return await noStore(reply).send(userResponse(publicUser(user)));
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpError('email_taken');
        throw error;
      }
    },
  );

  const SessionSchema = Type.Object({
    id: Type.String(),
    current: Type.Boolean({ description: 'the session this request was made with' }),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.String({ format: 'date-time', description: 'sign-in or the last token refresh' }),
    expires_at: Type.String({ format: 'date-time' }),
    user_agent: Nullable(Type.String()),
    ip_prefix: Nullable(Type.String({ description: 'the client network, coarsened to /24 (IPv4) or /48 (IPv6)' })),
  });
  const SessionParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.get(
    '/sessions',
    { preHandler: app.requireAuth, schema: { tags: ['auth'], summary: 'My signed-in sessions, newest first', response: { 200: Type.Object({ items: Type.Array(SessionSchema) }) } } },
    async (request, reply) => {
      const auth = authOf(request);
      const items = (await sessions.listSessions(auth.userId)).map((session) => ({
        id: session.id,
        current: session.id === auth.sessionId,
        created_at: session.createdAt,
        last_used_at: session.lastUsedAt,
        expires_at: session.expiresAt,
        user_agent: session.userAgent,
        ip_prefix: session.ipPrefix,
      }));
      return noStore(reply).send({ items });
    },
  );

  app.delete(
    '/sessions/:id',
    { preHandler: app.requireAuth, schema: { tags: ['auth'], summary: 'End one of my sessions: its tokens die at once', params: SessionParams } },
    async (request: FastifyRequest<{ Params: Static<typeof SessionParams> }>, reply) => {
      if (!(await sessions.endSessionOf(authOf(request).userId, request.params.id))) throw new HttpError('not_found', { message: 'No such session' });
      return noStore(reply).code(204).send();
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
    async (request: FastifyRequest<{ Body: { email: string } }>, reply) => {
      await passwordReset.requestReset(request.body.email, request.ip);
      return noStore(reply).code(202).send({ message: 'If an account exists for this address, a reset link is on its way.' });
    },
  );

  app.post(
    '/reset-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the token from the reset link; every session of the user ends',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }), new_password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }) }, { additionalProperties: false }),
      },
    },
    async (request: FastifyRequest<{ Body: { token: string; new_password: string } }>, reply) => {
      await passwordReset.resetPassword(request.body.token, request.body.new_password);
      return noStore(reply).code(204).send();
    },
  );

  app.get('/me/export', { preHandler: app.requireAuth, schema: { tags: ['auth'], summary: 'Everything stored about me, as JSON (never hashes or tokens)' } }, async (request, reply) => {
    const exported = await accountData.exportAccount(authOf(request).userId, app.clock.now());
    if (exported === undefined) throw new HttpError('token_revoked');
    return noStore(reply).header('content-disposition', 'attachment; filename="autocognitix-export.json"').send(exported);
  });

  app.delete(
    '/me',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['auth'],
        summary: 'Erase my account and every row of mine; every token dies',
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }) }, { additionalProperties: false }),
      },
    },
    async (request: FastifyRequest<{ Body: { password: string } }>, reply) => {
      const user = await users.findById(authOf(request).userId);
      if (user === undefined) throw new HttpError('token_revoked');
      if (!(await verifyPassword(user.passwordHash, request.body.password))) throw new HttpError('invalid_credentials', { message: 'The password is incorrect' });
      // Tokens first (their denylist rows outlive the user), then the rows, in one transaction.
      await sessions.endAllSessions(user.id);
      await accountData.eraseAccount(user.id);
      clearSessionCookies(reply, secureCookies);
      return noStore(reply).code(204).send();
    },
  );

  app.put(
    '/password',
    { preHandler: app.requireAuth, schema: { tags: ['auth'], summary: 'Change the password; every other session ends', body: ChangePasswordBody } },
    async (request: FastifyRequest<{ Body: Static<typeof ChangePasswordBody> }>, reply) => {
      const auth = authOf(request);
      const user = await users.findById(auth.userId);
      if (user === undefined) throw new HttpError('token_revoked');
      assertAcceptablePassword(request.body.new_password, user.email, 'new_password');
      await sessions.changePassword(user, auth.sessionId, request.body.current_password, request.body.new_password);
      return noStore(reply).code(204).send();
    },
  );
}

function authOf(request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  if (request.auth === null) throw new HttpError('authentication_required');
  return request.auth;
}
