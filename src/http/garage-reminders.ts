import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Database } from '../db/index.js';
import { RemindersRepository, type OdometerReading, type VehicleReminder } from '../db/repositories/reminders.js';
import { HttpError } from '../errors.js';
import {
  DUE_SOON_DAYS,
  DUE_SOON_KM,
  MAX_EVERY_KM,
  MAX_EVERY_MONTHS,
  MAX_ODOMETER_KM,
  MAX_REMINDERS_PER_VEHICLE,
  nextDue,
  planDone,
  planReminder,
  utcDay,
  type PlanResult,
  type ReminderPlan,
} from '../garage/reminders.js';
import { ipRateLimit, type IpRateLimitPolicy } from '../security/ip-rate-limit.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { ErrorSchema, NO_CONTENT, Nullable, PageQuery, type SchemaTypedApp } from './schemas.js';
import { trimFields } from './trim-fields.js';

/**
 * Adding readings and reminders and marking them done store rows: each
 * counts against a per-account budget and a per-address one (a household
 * behind one address has several accounts).
 */
export const GARAGE_WRITE_RATE_LIMITS = Object.freeze({
  account: Object.freeze({ maxRequests: 120, windowMs: 3_600_000 }),
  address: Object.freeze({ maxRequests: 600, windowMs: 3_600_000 }),
} satisfies Record<string, IpRateLimitPolicy>);

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'a calendar day, YYYY-MM-DD (UTC)' });
const Km = Type.Integer({ minimum: 0, maximum: MAX_ODOMETER_KM });
const Months = Type.Integer({ minimum: 1, maximum: MAX_EVERY_MONTHS });
const EveryKm = Type.Integer({ minimum: 1, maximum: MAX_EVERY_KM });

const ReadingResponse = Type.Object({
  id: Type.String(),
  vehicle_id: Type.String(),
  km: Type.Integer(),
  read_at: Type.String({ format: 'date-time' }),
  source: Type.Union([Type.Literal('manual'), Type.Literal('scan')]),
  created_at: Type.String({ format: 'date-time' }),
});
const NewReadingBody = Type.Object(
  {
    km: Km,
    read_at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    correct: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const KindSchema = Type.Union([
  Type.Literal('oil_service'),
  Type.Literal('timing_belt'),
  Type.Literal('brake_fluid'),
  Type.Literal('inspection'),
  Type.Literal('insurance'),
  Type.Literal('custom'),
]);
const StateSchema = Type.Union([Type.Literal('ok'), Type.Literal('due_soon'), Type.Literal('overdue')]);
const NextDueSchema = Type.Object({
  due_date: Nullable(Type.String()),
  due_km: Nullable(Type.Integer()),
  state: StateSchema,
  days_left: Nullable(Type.Integer()),
  km_left: Nullable(Type.Integer()),
});
const ReminderResponse = Type.Object({
  id: Type.String(),
  vehicle_id: Type.String(),
  kind: KindSchema,
  title: Type.String(),
  every_months: Nullable(Type.Integer()),
  every_km: Nullable(Type.Integer()),
  due_date: Nullable(Type.String()),
  due_km: Nullable(Type.Integer()),
  last_done_date: Nullable(Type.String()),
  last_done_km: Nullable(Type.Integer()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  next_due: NextDueSchema,
});
const ReminderFields = {
  title: Type.Optional(Type.String({ maxLength: 100 })),
  every_months: Type.Optional(Nullable(Months)),
  every_km: Type.Optional(Nullable(EveryKm)),
  due_date: Type.Optional(Nullable(DATE)),
  due_km: Type.Optional(Nullable(Km)),
  last_done_date: Type.Optional(Nullable(DATE)),
  last_done_km: Type.Optional(Nullable(Km)),
};
const NewReminderBody = Type.Object({ kind: KindSchema, ...ReminderFields }, { additionalProperties: false });
const ReminderChangesBody = Type.Object({ kind: Type.Optional(KindSchema), ...ReminderFields }, { additionalProperties: false, minProperties: 1 });
const DoneBody = Type.Object(
  { date: Type.Optional(DATE), km: Type.Optional(Km), next_due_date: Type.Optional(DATE), next_due_km: Type.Optional(Km) },
  { additionalProperties: false },
);
const DueItem = Type.Object({
  vehicle: Type.Object({ id: Type.String(), make: Type.String(), model: Type.String(), nickname: Nullable(Type.String()) }),
  reminder: ReminderResponse,
});

const VehicleParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ReminderParams = Type.Object({ id: Type.String({ maxLength: 64 }), reminderId: Type.String({ maxLength: 64 }) });

export interface GarageReminderRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
}

function withNextDue(reminder: VehicleReminder, latestKm: number | null, today: string): VehicleReminder & { next_due: { due_date: string | null; due_km: number | null; state: 'ok' | 'due_soon' | 'overdue'; days_left: number | null; km_left: number | null } } {
  const due = nextDue(reminder, latestKm, today);
  return { ...reminder, next_due: { due_date: due.dueDate ?? null, due_km: due.dueKm ?? null, state: due.state, days_left: due.daysLeft ?? null, km_left: due.kmLeft ?? null } };
}

function planned(result: PlanResult): ReminderPlan {
  if (!result.ok) throw new HttpError('validation_failed', { details: result.problems });
  return result.plan;
}

/**
 * `/api/v1/garage/…`: odometer readings and service/inspection reminders of
 * a signed-in user's vehicles (issue 20). Same rules as the garage routes:
 * signed in, CSRF on writes (globally), a verified address to add or change
 * (the verified-address guard covers every POST/PUT under the prefix), and
 * another user's ids answer 404. The state of a reminder ("due soon",
 * "overdue") is computed with the app's clock (UTC days).
 */
export async function garageReminderRoutes(app: SchemaTypedApp, options: GarageReminderRouteOptions): Promise<void> {
  const reminders = new RemindersRepository(options.database.db);
  app.addHook('preHandler', app.requireAuth);
  app.addHook('preValidation', trimFields({ body: ['title'] }));
  const owner = (request: FastifyRequest): string => {
    if (request.auth === null) throw new HttpError('authentication_required');
    return request.auth.userId;
  };
  const vehicleNotFound = (): HttpError => new HttpError('not_found', { message: 'No such vehicle in your garage' });
  const reminderNotFound = (): HttpError => new HttpError('not_found', { message: 'No such reminder' });
  const today = (): string => utcDay(app.clock.now());
  const nowIso = (): string => new Date(app.clock.now()).toISOString();
  /** The vehicle's latest km; 404 when the vehicle is not the caller's. */
  const latestKmOf = async (userId: string, vehicleId: string): Promise<number | null> => {
    const latest = await reminders.latestKm(userId, vehicleId);
    if (latest === undefined) throw vehicleNotFound();
    return latest;
  };
  // Every write that stores a row: per account (after requireAuth), then per address.
  const writeLimit = [
    ipRateLimit({ store: options.store, group: 'garage_writes', per: 'account', ...GARAGE_WRITE_RATE_LIMITS.account }),
    ipRateLimit({ store: options.store, group: 'garage_writes', per: 'address', ...GARAGE_WRITE_RATE_LIMITS.address }),
  ];
  const tags = ['garage'];
  const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

  app.get(
    '/vehicles/:id/odometer',
    {
      schema: {
        tags,
        security,
        summary: 'Odometer readings of a vehicle, newest first',
        params: VehicleParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ items: Type.Array(ReadingResponse), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const { limit = 20, offset = 0 } = request.query;
      const readings = await reminders.listReadings(owner(request), request.params.id, { limit, offset });
      if (readings === undefined) throw vehicleNotFound();
      return { ...readings, limit, offset };
    },
  );

  app.post(
    '/vehicles/:id/odometer',
    {
      preHandler: writeLimit,
      schema: {
        tags,
        security,
        summary: 'Add an odometer reading; one lower than the latest needs "correct": true',
        params: VehicleParams,
        body: NewReadingBody,
        response: { 201: ReadingResponse, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const now = app.clock.now();
      let readAt = new Date(now).toISOString();
      if (request.body.read_at !== undefined) {
        const parsed = Date.parse(request.body.read_at);
        if (Number.isNaN(parsed)) throw new HttpError('validation_failed', { details: [{ field: 'read_at', message: 'must be an ISO-8601 time', problem: 'format' }] });
        if (parsed > now) throw new HttpError('validation_failed', { details: [{ field: 'read_at', message: 'must not be in the future', problem: 'too_large' }] });
        readAt = new Date(parsed).toISOString();
      }
      const result = await reminders.addReading(owner(request), request.params.id, { km: request.body.km, readAt, source: 'manual', correct: request.body.correct === true, now: new Date(now).toISOString() });
      if (result.kind === 'not_found') throw vehicleNotFound();
      if (result.kind === 'lower') {
        throw new HttpError('odometer_reading_lower', { message: `This reading is lower than the latest one (${result.latestKm} km); send it with "correct": true if the latest was wrong` });
      }
      return reply.code(201).send(result.reading satisfies OdometerReading);
    },
  );

  app.get(
    '/vehicles/:id/reminders',
    {
      schema: {
        tags,
        security,
        summary: 'Reminders of a vehicle with when each is next due, oldest first',
        params: VehicleParams,
        response: { 200: Type.Object({ items: Type.Array(ReminderResponse), latest_km: Nullable(Type.Integer()) }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const userId = owner(request);
      const latestKm = await latestKmOf(userId, request.params.id);
      const items = await reminders.listReminders(userId, request.params.id);
      if (items === undefined) throw vehicleNotFound();
      const day = today();
      return { items: items.map((reminder) => withNextDue(reminder, latestKm, day)), latest_km: latestKm };
    },
  );

  app.post(
    '/vehicles/:id/reminders',
    {
      preHandler: writeLimit,
      schema: {
        tags,
        security,
        summary: 'Add a reminder (intervals not given take the kind\'s suggestion)',
        params: VehicleParams,
        body: NewReminderBody,
        response: { 201: ReminderResponse, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const userId = owner(request);
      const latestKm = await latestKmOf(userId, request.params.id);
      const day = today();
      const plan = planned(planReminder(request.body, undefined, { latestKm, today: day }));
      const result = await reminders.addReminder(userId, request.params.id, plan, { maxPerVehicle: MAX_REMINDERS_PER_VEHICLE, now: nowIso() });
      if (result.kind === 'not_found') throw vehicleNotFound();
      if (result.kind === 'limit') throw new HttpError('reminder_limit_reached', { message: `A vehicle may have at most ${MAX_REMINDERS_PER_VEHICLE} reminders; remove one first` });
      return reply.code(201).send(withNextDue(result.reminder, latestKm, day));
    },
  );

  app.put(
    '/vehicles/:id/reminders/:reminderId',
    {
      schema: {
        tags,
        security,
        summary: 'Change a reminder (a new interval or last service moves the due unless a due is given)',
        params: ReminderParams,
        body: ReminderChangesBody,
        response: { 200: ReminderResponse, 404: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request) => {
      const userId = owner(request);
      const latestKm = await latestKmOf(userId, request.params.id);
      const current = await reminders.findReminder(userId, request.params.id, request.params.reminderId);
      if (current === undefined) throw reminderNotFound();
      const day = today();
      const plan = planned(planReminder(request.body, current, { latestKm, today: day }));
      const updated = await reminders.updateReminder(userId, request.params.id, request.params.reminderId, plan, nowIso());
      if (updated === undefined) throw reminderNotFound();
      return withNextDue(updated, latestKm, day);
    },
  );

  app.delete(
    '/vehicles/:id/reminders/:reminderId',
    { schema: { tags, security, summary: 'Remove a reminder', params: ReminderParams, response: { ...NO_CONTENT, 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await reminders.removeReminder(owner(request), request.params.id, request.params.reminderId))) throw reminderNotFound();
      return reply.code(204).send(undefined);
    },
  );

  app.post(
    '/vehicles/:id/reminders/:reminderId/done',
    {
      preHandler: writeLimit,
      schema: {
        tags,
        security,
        summary: 'Mark a reminder done (default today, at the latest reading): the next due moves',
        params: ReminderParams,
        body: DoneBody,
        response: { 200: ReminderResponse, 404: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request) => {
      const userId = owner(request);
      const latestKm = await latestKmOf(userId, request.params.id);
      const current = await reminders.findReminder(userId, request.params.id, request.params.reminderId);
      if (current === undefined) throw reminderNotFound();
      const day = today();
      const plan = planned(planDone(current, request.body, { latestKm, today: day }));
      const updated = await reminders.updateReminder(userId, request.params.id, request.params.reminderId, plan, nowIso());
      if (updated === undefined) throw reminderNotFound();
      return withNextDue(updated, latestKm, day);
    },
  );

  app.get(
    '/reminders/due',
    {
      schema: {
        tags,
        security,
        summary: `What is due (within ${DUE_SOON_DAYS} days or ${DUE_SOON_KM} km) or overdue on all my vehicles, most urgent first`,
        response: { 200: Type.Object({ items: Type.Array(DueItem) }) },
      },
    },
    async (request) => {
      const day = today();
      const rank = { overdue: 0, due_soon: 1, ok: 2 } as const;
      const items = (await reminders.remindersWithMileage(owner(request)))
        .map(({ reminder, vehicle, latestKm }) => ({ vehicle, reminder: withNextDue(reminder, latestKm, day) }))
        .filter((item) => item.reminder.next_due.state !== 'ok')
        .sort((a, b) => rank[a.reminder.next_due.state] - rank[b.reminder.next_due.state] || (a.reminder.next_due.days_left ?? Number.MAX_SAFE_INTEGER) - (b.reminder.next_due.days_left ?? Number.MAX_SAFE_INTEGER));
      return { items };
    },
  );
}
