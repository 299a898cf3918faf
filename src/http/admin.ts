import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Security } from '../security/index.js';
import { HttpError } from './errors.js';

const UserParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** `/api/v1/admin/*`: operator actions; admins only. */
export async function adminRoutes(app: FastifyInstance, { security }: { security: Security }): Promise<void> {
  app.addHook('preHandler', app.requireAuth);
  app.addHook('preHandler', async (request) => {
    const caller = request.auth === null ? undefined : await security.users.findById(request.auth.userId);
    if (caller?.role !== 'admin' || !caller.isActive) throw new HttpError('forbidden');
  });

  const setActive = (isActive: boolean) => async (request: FastifyRequest<{ Params: Static<typeof UserParams> }>, reply: FastifyReply) => {
    const user = await security.users.findById(request.params.id);
    if (user === undefined) throw new HttpError('not_found', { message: 'No such user' });
    await security.users.setActive(user.id, isActive);
    // A deactivated account keeps no session anywhere.
    if (!isActive) await security.sessions.endAllSessions(user.id);
    return reply.code(204).send();
  };

  app.post('/users/:id/deactivate', { schema: { tags: ['admin'], summary: 'Deactivate a user: sign-in refused, every session ends at once', params: UserParams } }, setActive(false));
  app.post('/users/:id/activate', { schema: { tags: ['admin'], summary: 'Reactivate a user', params: UserParams } }, setActive(true));
}
