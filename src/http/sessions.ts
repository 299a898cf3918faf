import type {} from '@fastify/swagger';

import Type from 'typebox';
import { clearSessionCookies } from '../security/cookies.js';
import { acceptOAuth2Forms, authOf, type AuthRouteOptions, requestOrigin, SIGNED_IN_SECURITY } from './auth-shared.js';
import { HttpError } from '../errors.js';
import { Nullable, type SchemaTypedApp, NO_CONTENT } from './schemas.js';

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

/** The signed-in user's sessions under `/api/v1/auth`: list them, end one, end them all. */
export async function sessionRoutes(app: SchemaTypedApp, { security }: AuthRouteOptions): Promise<void> {
  acceptOAuth2Forms(app);
  const { sessions, secureCookies } = security;
  const signedIn = { preHandler: app.requireAuth, schema: { security: SIGNED_IN_SECURITY } };

  app.post(
    '/logout-all',
    { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], summary: 'End every session of this user', response: NO_CONTENT } },
    async (request, reply) => {
      const auth = authOf(request);
      await sessions.logoutEverywhere(auth.userId);
      security.events.record({ code: 'signed_out_everywhere', userId: auth.userId, origin: requestOrigin(request), sessionId: auth.sessionId });
      clearSessionCookies(reply, secureCookies);
      return reply.code(204).send();
    },
  );

  app.get(
    '/sessions',
    { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], summary: 'My signed-in sessions, newest first', response: { 200: Type.Object({ items: Type.Array(SessionSchema) }) } } },
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
      return reply.send({ items });
    },
  );

  app.delete(
    '/sessions/:id',
    { ...signedIn, schema: { ...signedIn.schema, tags: ['auth'], summary: 'End one of my sessions: its tokens die at once', params: SessionParams, response: NO_CONTENT } },
    async (request, reply) => {
      const { userId } = authOf(request);
      if (!(await sessions.endSessionOf(userId, request.params.id))) throw new HttpError('not_found', { message: 'No such session' });
      // The session that ended, not the one that ended it: that is what its owner looks for in the log.
      security.events.record({ code: 'session_ended', userId, origin: requestOrigin(request), sessionId: request.params.id });
      return reply.code(204).send();
    },
  );
}
