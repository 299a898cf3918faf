import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { SecurityEventsRepository } from '../db/repositories/security-events.js';
import type { Security } from '../security/index.js';
import { USER_LIST_DEFAULT_LIMIT, USER_LIST_MAX_LIMIT, type AdminActor, type UserAdministration } from '../security/user-administration.js';
import type { User } from '../db/repositories/users.js';
import { authOf, credentialRateLimit, requestOrigin, SIGNED_IN_SECURITY, UserSchema, userResponse } from './auth-shared.js';
import { NO_CONTENT, Nullable, type SchemaTypedApp } from './schemas.js';

/** How many of a user's newest security events the admin view shows. */
const RECENT_EVENTS_SHOWN = 20;

const UserParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const UserState = Type.Union([Type.Literal('active'), Type.Literal('locked'), Type.Literal('reset_required')]);

const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 320, description: 'email prefix, matched literally (% and _ are plain characters)' })),
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
    state: Type.Optional(Type.Union([UserState], { description: 'active: may sign in; locked: is_active false; reset_required: must set a new password' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: USER_LIST_MAX_LIMIT, default: USER_LIST_DEFAULT_LIMIT })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

/** A user as an admin sees them: the public shape plus the admin-set state. */
const AdminUserSchema = Type.Object({
  ...UserSchema.properties,
  state: UserState,
  password_reset_required: Type.Boolean(),
  locked_at: Nullable(Type.String({ format: 'date-time' })),
});

const AdminSessionSchema = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time', description: 'sign-in or the last token refresh' }),
  expires_at: Type.String({ format: 'date-time' }),
  device: Nullable(Type.String({ description: 'e.g. "Firefox 133 on Linux", from the User-Agent' })),
  user_agent: Nullable(Type.String()),
  ip_prefix: Nullable(Type.String({ description: 'the client network, coarsened to /24 (IPv4) or /48 (IPv6)' })),
});

const AdminUserDetailSchema = Type.Object({
  user: AdminUserSchema,
  sessions: Type.Array(AdminSessionSchema, { description: 'live sessions, newest first' }),
  factors: Type.Object({ passkeys: Type.Integer(), totp: Type.Boolean(), recovery_codes_left: Type.Integer() }),
  recent_events: Type.Array(
    Type.Object({
      event: Type.String(),
      occurred_at: Type.String({ format: 'date-time' }),
      reason: Nullable(Type.String()),
      device: Nullable(Type.String()),
      address: Nullable(Type.String()),
      actor_id: Nullable(Type.String()),
    }),
    { description: `the user's newest ${RECENT_EVENTS_SHOWN} security events (the whole log: GET /api/v1/admin/security-events?user_id=…)` },
  ),
});

function adminUserResponse(user: User): Static<typeof AdminUserSchema> {
  return {
    ...userResponse(user),
    state: !user.isActive ? 'locked' : user.passwordResetRequired ? 'reset_required' : 'active',
    password_reset_required: user.passwordResetRequired,
    locked_at: user.lockedAt,
  };
}

const actorOf = (request: FastifyRequest): AdminActor => ({ kind: 'admin', userId: authOf(request).userId, origin: requestOrigin(request) });

/** The guards of every `/api/v1/admin` plugin: admins only, from a session with a fresh step-up when they have a second factor. */
export function adminOnly(app: SchemaTypedApp, security: Security): void {
  app.addHook('preHandler', app.requireRole('admin'));
  // An admin with a second factor acts only from a session that confirmed it recently.
  app.addHook('preHandler', async (request) => {
    if (request.auth !== null) await security.secondFactors.requireStepUp(request.auth.userId, request.auth.sessionId);
  });
}

/** `/api/v1/admin/*`: operator actions on accounts; admins only. Policy lives in src/security/user-administration.ts. */
export async function adminRoutes(app: SchemaTypedApp, { security, securityEvents }: { security: Security; securityEvents: SecurityEventsRepository }): Promise<void> {
  adminOnly(app, security);
  const administration: UserAdministration = security.userAdministration;

  app.get(
    '/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users in email order: email prefix, role and state filters, keyset pages (next_cursor)',
        security: SIGNED_IN_SECURITY,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(AdminUserSchema), next_cursor: Nullable(Type.String()) }) },
      },
    },
    async (request, reply) => {
      const { q, role, state, limit, cursor } = request.query;
      const page = await administration.list({ emailPrefix: q, role, state, limit, cursor });
      return reply.send({ items: page.items.map(adminUserResponse), next_cursor: page.nextCursor });
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'One user: profile and state, live sessions, which second factors exist',
        security: SIGNED_IN_SECURITY,
        params: UserParams,
        response: { 200: AdminUserDetailSchema },
      },
    },
    async (request, reply) => {
      const view = await administration.view(request.params.id);
      const events = await securityEvents.query({ userId: view.user.id, limit: RECENT_EVENTS_SHOWN });
      return reply.send({
        user: adminUserResponse(view.user),
        sessions: view.sessions.map((session) => ({
          id: session.id,
          created_at: session.createdAt,
          last_used_at: session.lastUsedAt,
          expires_at: session.expiresAt,
          device: session.device,
          user_agent: session.userAgent,
          ip_prefix: session.ipPrefix,
        })),
        factors: { passkeys: view.factors.passkeys, totp: view.factors.totp, recovery_codes_left: view.factors.recoveryCodesLeft },
        recent_events: events.items.map((event) => ({
          event: event.event,
          occurred_at: event.occurredAt,
          reason: event.reason,
          device: event.device,
          address: event.address,
          actor_id: event.actorId,
        })),
      });
    },
  );

  const action = { preHandler: credentialRateLimit(security, 'admin_action', 'account') };
  const schema = { tags: ['admin'], params: UserParams, security: SIGNED_IN_SECURITY, response: NO_CONTENT };
  const actions: readonly { path: string; summary: string; run: (userId: string, actor: AdminActor) => Promise<void> }[] = [
    { path: 'lock', summary: 'Lock a user (not yourself, not the last admin): sign-in refused (403 account_disabled), every session and token ends at once', run: (id, actor) => administration.lock(id, actor) },
    { path: 'deactivate', summary: 'Alias of /lock', run: (id, actor) => administration.lock(id, actor) },
    { path: 'unlock', summary: 'Unlock a user: they may sign in again', run: (id, actor) => administration.unlock(id, actor) },
    { path: 'activate', summary: 'Alias of /unlock', run: (id, actor) => administration.unlock(id, actor) },
    { path: 'sessions/end', summary: 'End every session of a user: every token issued so far dies at once', run: (id, actor) => administration.endSessions(id, actor) },
    {
      path: 'password-reset/require',
      summary: 'Require a new password: the current one no longer signs in (403 password_reset_required) until set through "forgot password"; every session ends',
      run: (id, actor) => administration.requirePasswordReset(id, actor),
    },
    {
      path: 'second-factors/reset',
      summary: 'Remove every passkey, authenticator app and recovery code of a user who lost them all (after proving who they are); their sessions end and they are told by mail',
      run: (id, actor) => administration.resetFactors(id, actor),
    },
  ];
  for (const { path, summary, run } of actions) {
    app.post(`/users/:id/${path}`, { ...action, schema: { ...schema, summary } }, async (request, reply) => {
      await run(request.params.id, actorOf(request));
      return reply.code(204).send();
    });
  }
}
