import type {} from '@fastify/swagger';
import Type, { type Static } from 'typebox';
import { InvalidCursorError, type SecurityEventPage, type SecurityEventsRepository } from '../db/repositories/security-events.js';
import { HttpError } from '../errors.js';
import type { Security } from '../security/index.js';
import { SECURITY_EVENT_CODES, type SecurityEventCode } from '../security/security-events.js';
import { adminOnly } from './admin.js';
import { authOf, SIGNED_IN_SECURITY } from './auth-shared.js';
import { ErrorSchema, Nullable, type SchemaTypedApp } from './schemas.js';

/** How far back users see their own security activity. */
export const OWN_SECURITY_EVENTS_DAYS = 90;
const DAY_MS = 86_400_000;
const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

export interface SecurityEventRouteOptions {
  readonly security: Security;
  readonly repository: SecurityEventsRepository;
}

const EventCode = Type.Unsafe<SecurityEventCode>({
  type: 'string',
  enum: [...SECURITY_EVENT_CODES],
  description: 'one of the security event codes (docs/SECURITY.md, "Security activity log")',
});
const PageFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' })),
};

const OwnEventSchema = Type.Object({
  id: Type.String(),
  occurred_at: Type.String({ format: 'date-time' }),
  event: Type.String({ description: 'a security event code' }),
  reason: Nullable(Type.String({ description: 'a machine-readable detail: the failure reason, the factor kind, the admin action' })),
  address: Nullable(Type.String({ description: 'the client address the request came from' })),
  device: Nullable(Type.String({ description: 'browser and system, parsed from the User-Agent ("Firefox 133 on Linux")' })),
  by_administrator: Type.Boolean({ description: 'an administrator did this to the account (who is not said)' }),
});
const AdminEventSchema = Type.Object({
  id: Type.String(),
  occurred_at: Type.String({ format: 'date-time' }),
  user_id: Nullable(Type.String()),
  event: Type.String(),
  reason: Nullable(Type.String()),
  address: Nullable(Type.String()),
  device: Nullable(Type.String()),
  session_id: Nullable(Type.String()),
  actor_id: Nullable(Type.String({ description: 'the administrator who acted, for admin actions' })),
});
const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String({ description: 'pass as `cursor` for the next, older page; null on the last page' })) });

const AdminQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
    event: Type.Optional(EventCode),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601 with a time zone; inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601 with a time zone; inclusive, not before `from`' })),
    ...PageFields,
  },
  { additionalProperties: false },
);

/** A cursor we did not hand out is the client's mistake: 422 naming the field. */
async function paged(read: () => Promise<SecurityEventPage>): Promise<SecurityEventPage> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new HttpError('validation_failed', { details: [{ field: 'cursor', message: 'is not a cursor this list handed out', problem: 'invalid' }] });
    throw error;
  }
}

/** `GET /api/v1/auth/security-events`: the signed-in user's own security activity of the last 90 days. */
export async function ownSecurityEventRoutes(app: SchemaTypedApp, { repository }: SecurityEventRouteOptions): Promise<void> {
  app.get(
    '/security-events',
    {
      preHandler: app.requireAuth,
      schema: {
        tags: ['auth'],
        security: SIGNED_IN_SECURITY,
        summary: `My security activity of the last ${OWN_SECURITY_EVENTS_DAYS} days, newest first: sign-ins, sign-outs, credential changes, what an administrator did`,
        querystring: Type.Object(PageFields, { additionalProperties: false }),
        response: { 200: pageOf(OwnEventSchema), 422: ErrorSchema },
      },
    },
    async (request) => {
      const { userId } = authOf(request);
      const { limit = DEFAULT_PAGE, cursor } = request.query;
      const sinceMs = app.clock.now() - OWN_SECURITY_EVENTS_DAYS * DAY_MS;
      const page = await paged(() => repository.listForUser(userId, { sinceMs, limit, ...(cursor === undefined ? {} : { before: cursor }) }));
      const items: Static<typeof OwnEventSchema>[] = page.items.map((row) => ({
        id: row.id,
        occurred_at: row.occurredAt,
        event: row.event,
        reason: row.reason,
        address: row.address,
        device: row.device,
        by_administrator: row.actorId !== null && row.actorId !== userId,
      }));
      return { items, next_cursor: page.nextCursor };
    },
  );
}

/** `GET /api/v1/admin/security-events`: every user's security activity, filtered; admins only (with step-up). */
export async function adminSecurityEventRoutes(app: SchemaTypedApp, { security, repository }: SecurityEventRouteOptions): Promise<void> {
  adminOnly(app, security);
  app.get(
    '/security-events',
    {
      schema: {
        tags: ['admin'],
        security: SIGNED_IN_SECURITY,
        summary: 'The security activity log, newest first, filtered by user, event and time',
        querystring: AdminQuery,
        response: { 200: pageOf(AdminEventSchema), 422: ErrorSchema },
      },
    },
    async (request) => {
      const { user_id: userId, event, from, to, limit = DEFAULT_PAGE, cursor } = request.query;
      const fromMs = from === undefined ? undefined : Date.parse(from);
      const toMs = to === undefined ? undefined : Date.parse(to);
      if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
        throw new HttpError('validation_failed', { details: [{ field: 'to', message: 'must not be before from', problem: 'invalid' }] });
      }
      const page = await paged(() =>
        repository.query({
          limit,
          ...(userId === undefined ? {} : { userId }),
          ...(event === undefined ? {} : { event }),
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      );
      const items: Static<typeof AdminEventSchema>[] = page.items.map((row) => ({
        id: row.id,
        occurred_at: row.occurredAt,
        user_id: row.userId,
        event: row.event,
        reason: row.reason,
        address: row.address,
        device: row.device,
        session_id: row.sessionId,
        actor_id: row.actorId,
      }));
      return { items, next_cursor: page.nextCursor };
    },
  );
}
