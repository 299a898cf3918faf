import Type from 'typebox';
import type { Security } from '../security/index.js';
import { SIGNED_IN_SECURITY } from './auth-shared.js';
import { HttpError } from '../errors.js';
import { NO_CONTENT, type SchemaTypedApp } from './schemas.js';

const UserParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** The guards of every `/api/v1/admin` plugin: admins only, from a session with a fresh step-up when they have a second factor. */
export function adminOnly(app: SchemaTypedApp, security: Security): void {
  app.addHook('preHandler', app.requireRole('admin'));
  // An admin with a second factor acts only from a session that confirmed it recently.
  app.addHook('preHandler', async (request) => {
    if (request.auth !== null) await security.secondFactors.requireStepUp(request.auth.userId, request.auth.sessionId);
  });
}

/** `/api/v1/admin/*`: operator actions; admins only. */
export async function adminRoutes(app: SchemaTypedApp, { security }: { security: Security }): Promise<void> {
  adminOnly(app, security);

  const setActive = async (userId: string, isActive: boolean, callerId: string | undefined): Promise<void> => {
    const user = await security.users.findById(userId);
    if (user === undefined) throw new HttpError('not_found', { message: 'No such user' });
    // An admin who locks themselves out may leave no admin at all; another admin (or the CLI) can do it.
    if (!isActive && user.id === callerId) throw new HttpError('forbidden', { message: 'You cannot deactivate your own account' });
    await security.users.setActive(user.id, isActive);
    // A deactivated account keeps no session anywhere.
    if (!isActive) await security.sessions.endAllSessions(user.id);
  };

  const schema = { tags: ['admin'], params: UserParams, security: SIGNED_IN_SECURITY, response: NO_CONTENT };
  app.post('/users/:id/deactivate', { schema: { ...schema, summary: 'Deactivate a user (not yourself): sign-in refused, every session ends at once' } }, async (request, reply) => {
    await setActive(request.params.id, false, request.auth?.userId);
    return reply.code(204).send();
  });
  app.post('/users/:id/activate', { schema: { ...schema, summary: 'Reactivate a user' } }, async (request, reply) => {
    await setActive(request.params.id, true, request.auth?.userId);
    return reply.code(204).send();
  });
  app.post(
    '/users/:id/second-factors/reset',
    { schema: { ...schema, summary: 'Remove every passkey, authenticator app and recovery code of a user who lost them all (after proving who they are); their sessions end and they are told by mail' } },
    async (request, reply) => {
      const user = await security.users.findById(request.params.id);
      if (user === undefined) throw new HttpError('not_found', { message: 'No such user' });
      await security.secondFactors.resetAllFactors(user);
      return reply.code(204).send();
    },
  );
}
