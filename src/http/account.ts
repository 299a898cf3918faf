import type {} from '@fastify/swagger';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { publicUser } from '../db/repositories/users.js';
import { clearSessionCookies, cookiesOf } from '../security/cookies.js';
import { PASSWORD_MAX_LENGTH } from '../security/passwords.js';
import type { AttemptOrigin } from '../security/throttle.js';
import { acceptOAuth2Forms, authOf, type AuthRouteOptions, credentialRateLimit, Email, FullName, Language, requestOrigin, SIGNED_IN_SECURITY, UserSchema, userResponse } from './auth-shared.js';
import { HttpError } from '../errors.js';
import { NO_CONTENT, type SchemaTypedApp } from './schemas.js';

const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 });
/** The address is not changed here: that takes the password and the new address's confirmation (POST /me/email). */
const UpdateMeBody = Type.Object({ full_name: Type.Optional(FullName), language: Type.Optional(Language) }, { additionalProperties: false, minProperties: 1 });
const ChangePasswordBody = Type.Object({ current_password: Password, new_password: Type.String({ maxLength: PASSWORD_MAX_LENGTH * 4 }) }, { additionalProperties: false });
const ChangeEmailBody = Type.Object({ new_email: Email, password: Password }, { additionalProperties: false });
const EmailLinkBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

/** The signed-in user's own account under `/api/v1/auth`: profile, address, password, export and erasure. */
export async function accountRoutes(app: SchemaTypedApp, { security }: AuthRouteOptions): Promise<void> {
  acceptOAuth2Forms(app);
  const { sessions, users, secureCookies, accountData, accountErasure, emailChange, deviceCookies } = security;
  const signedIn = { preHandler: app.requireAuth, schema: { security: SIGNED_IN_SECURITY } };
  /** The password routes: a user with a second factor also needs it confirmed in this session, before the password is even checked. */
  const freshSecondFactor = async (request: FastifyRequest): Promise<void> => {
    const auth = authOf(request);
    await security.secondFactors.requireStepUp(auth.userId, auth.sessionId);
  };
  const stepUp = [app.requireAuth, credentialRateLimit(security, 'step_up'), freshSecondFactor];

  /** Who is typing the password, for the per-account budget (a known browser keeps its own). */
  const attemptOf = (request: FastifyRequest, email: string): AttemptOrigin => ({ address: request.ip, trustedDevice: deviceCookies.trustedDevice(cookiesOf(request), email) });

  const currentUser = async (request: FastifyRequest) => {
    const user = await users.findById(authOf(request).userId);
    if (user === undefined) throw new HttpError('token_revoked');
    return user;
  };

  app.get('/me', { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], response: { 200: UserSchema } } }, async (request, reply) => {
    const user = await users.findProfileById(authOf(request).userId);
    if (user === undefined) throw new HttpError('token_revoked');
    return reply.send(userResponse(user));
  });

  app.put(
    '/me',
    { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], summary: 'Change the display name and the language of my mail (either or both; the address changes through POST /me/email)', body: UpdateMeBody, response: { 200: UserSchema } } },
    async (request, reply) => {
      const user = await users.updateProfile(authOf(request).userId, { fullName: request.body.full_name, language: request.body.language });
      if (user === undefined) throw new HttpError('token_revoked');
      return reply.send(userResponse(publicUser(user)));
    },
  );

  app.post(
    '/me/email',
    {
      preHandler: stepUp,
      schema: {
        ...signedIn.schema,
        tags: ['auth'],
        summary: 'Ask to move the account to another address: needs the password; a one-hour link goes to the new address, and nothing changes until it is followed',
        body: ChangeEmailBody,
        response: { 202: Type.Object({ message: Type.String() }) },
      },
    },
    async (request, reply) => {
      const user = await currentUser(request);
      await emailChange.requestChange(user, {
        newEmail: request.body.new_email,
        password: request.body.password,
        family: authOf(request).sessionId,
        attempt: attemptOf(request, user.email),
        origin: requestOrigin(request),
      });
      return reply.code(202).send({ message: 'A confirmation link is on its way to the new address; the address changes when it is followed.' });
    },
  );

  /** Both e-mail links: a single-use token in the body, budgeted like the other credential routes. */
  const emailLinkRoute = (summary: string) => ({
    preHandler: credentialRateLimit(security, 'email_link'),
    schema: { tags: ['auth'], summary, body: EmailLinkBody, response: NO_CONTENT },
  });

  app.post(
    '/email/confirm',
    emailLinkRoute('Follow the link mailed to the new address: the account moves there, the old address is told (with an undo link), other sessions end'),
    async (request, reply) => {
      await emailChange.confirm(request.body.token, requestOrigin(request));
      return reply.code(204).send();
    },
  );

  app.post('/email/undo', emailLinkRoute('Follow the undo link mailed to the old address: the account returns there and every session ends'), async (request, reply) => {
    await emailChange.undo(request.body.token, requestOrigin(request));
    clearSessionCookies(reply, secureCookies);
    return reply.code(204).send();
  });

  app.get(
    '/me/export',
    { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], summary: 'Everything stored about me, as JSON (never hashes or tokens)' } },
    async (request, reply) => {
      const exported = await accountData.exportAccount(authOf(request).userId, app.clock.now());
      if (exported === undefined) throw new HttpError('token_revoked');
      return reply.header('content-disposition', 'attachment; filename="autocognitix-export.json"').send(exported);
    },
  );

  app.delete(
    '/me',
    {
      preHandler: stepUp,
      schema: {
        ...signedIn.schema,
        tags: ['auth'],
        summary: 'Erase my account and every row of mine; every token dies (the password is checked like a sign-in, throttled)',
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      const user = await currentUser(request);
      await accountErasure.erase(user, request.body.password, attemptOf(request, user.email));
      security.events.record({ code: 'account_erased', userId: user.id, origin: requestOrigin(request), sessionId: authOf(request).sessionId });
      clearSessionCookies(reply, secureCookies);
      return reply.code(204).send();
    },
  );

  app.put(
    '/password',
    {
      preHandler: stepUp,
      schema: {
        ...signedIn.schema,
        tags: ['auth'],
        summary: 'Change the password (the current one is checked like a sign-in, throttled); every other session ends',
        body: ChangePasswordBody,
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const user = await currentUser(request);
      await sessions.changePassword(user, auth.sessionId, request.body.current_password, request.body.new_password, attemptOf(request, user.email));
      security.events.record({ code: 'password_changed', userId: user.id, origin: requestOrigin(request), sessionId: auth.sessionId });
      return reply.code(204).send();
    },
  );
}
