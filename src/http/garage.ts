import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Database } from '../db/index.js';
import { GarageRepository } from '../db/repositories/garage.js';
import { RevisionCache } from '../db/revision-cache.js';
import { RecallsRepository } from '../db/repositories/index.js';
import { DTC_CODE_INPUT_PATTERN, decodeVin } from '../diagnostics/index.js';
import { HttpError } from '../errors.js';
import { ErrorSchema, NO_CONTENT, Nullable, PageQuery, type SchemaTypedApp } from './schemas.js';
import { sendSerialized, serializedBy } from './serialized.js';
import { trimFields } from './trim-fields.js';
import { vinFieldProblem } from './field-problems.js';
import { RecallSchema, VehicleSchema } from './vehicles.js';

const MAX_MODEL_YEAR_AHEAD = 2;

const VehicleResponse = Type.Object({
  id: Type.String(),
  make: Type.String(),
  model: Type.String(),
  year: Type.Integer(),
  vin: Nullable(Type.String()),
  nickname: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const VehicleFields = {
  make: Type.String({ minLength: 1, maxLength: 64 }),
  model: Type.String({ minLength: 1, maxLength: 128 }),
  year: Type.Integer({ minimum: 1900, maximum: 2100 }),
  vin: Type.Optional(Nullable(Type.String({ maxLength: 17 }))),
  nickname: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
};
const NewVehicleBody = Type.Object(VehicleFields, { additionalProperties: false });
const VehicleChangesBody = Type.Object(
  {
    make: Type.Optional(VehicleFields.make),
    model: Type.Optional(VehicleFields.model),
    year: Type.Optional(VehicleFields.year),
    vin: VehicleFields.vin,
    nickname: VehicleFields.nickname,
  },
  { additionalProperties: false, minProperties: 1 },
);
const NoteResponse = Type.Object({
  id: Type.String(),
  vehicle_id: Type.String(),
  codes: Type.Array(Type.String()),
  symptoms: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});
const NewNoteBody = Type.Object(
  {
    codes: Type.Array(Type.String({ pattern: DTC_CODE_INPUT_PATTERN }), { maxItems: 20, default: [] }),
    symptoms: Type.String({ maxLength: 4000, default: '' }),
  },
  { additionalProperties: false },
);
const VehicleParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const NoteParams = Type.Object({ id: Type.String({ maxLength: 64 }), noteId: Type.String({ maxLength: 64 }) });
const page = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

const VehiclePage = page(VehicleResponse);

/** Vehicle pages kept per process (a full page of 100 is about 25 KiB). */
const VEHICLE_PAGE_CACHE_ENTRIES = 1000;
const VEHICLE_PAGE_CACHE_MAX_LENGTH = 64 * 1024;

export interface GarageRouteOptions {
  readonly database: Database;
}

/**
 * `/api/v1/garage/*`: a signed-in user's vehicles and diagnosis notes. Every
 * route requires authentication (and CSRF on writes, globally); another
 * user's ids answer 404, exactly like ids that do not exist.
 */
export async function garageRoutes(app: SchemaTypedApp, options: GarageRouteOptions): Promise<void> {
  const garage = new GarageRepository(options.database.db);
  const vehiclePages = new RevisionCache(VEHICLE_PAGE_CACHE_ENTRIES, VEHICLE_PAGE_CACHE_MAX_LENGTH);
  app.addHook('preHandler', app.requireAuth);
  // Trim, then validate: "   " is no make.
  app.addHook('preValidation', trimFields({ body: ['make', 'model', 'vin', 'nickname'] }));
  const owner = (request: FastifyRequest): string => {
    if (request.auth === null) throw new HttpError('authentication_required');
    return request.auth.userId;
  };
  const notFound = (): HttpError => new HttpError('not_found', { message: 'No such vehicle in your garage' });
  const checkedVehicle = <T extends { vin?: string | null | undefined; year?: number | undefined }>(body: T): T => {
    const currentYear = new Date(app.clock.now()).getUTCFullYear();
    if (body.year !== undefined && body.year > currentYear + MAX_MODEL_YEAR_AHEAD) {
      throw new HttpError('validation_failed', { details: [{ field: 'year', message: `must be at most ${currentYear + MAX_MODEL_YEAR_AHEAD}`, problem: 'too_large', params: { limit: currentYear + MAX_MODEL_YEAR_AHEAD } }] });
    }
    if (body.vin === undefined || body.vin === null || body.vin === '') return { ...body, vin: body.vin === '' ? null : body.vin };
    const decoded = decodeVin(body.vin, currentYear);
    if (!decoded.ok) throw new HttpError('validation_failed', { details: [vinFieldProblem('vin', decoded.problem)] });
    return { ...body, vin: decoded.vin.vin };
  };
  const tags = ['garage'];
  const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

  app.get(
    '/vehicles',
    { schema: { tags, security, summary: 'My vehicles, oldest first', querystring: PageQuery, response: { 200: VehiclePage } } },
    async (request, reply) => {
      const { limit = 20, offset = 0 } = request.query;
      const userId = owner(request);
      // The page as sent, while the user's garage revision (read first) stays the same: see src/db/revision-cache.ts.
      const cacheKey = `${userId} ${limit} ${offset}`;
      const revision = await garage.vehiclesRevision(userId);
      const cached = vehiclePages.get(revision, cacheKey);
      if (cached !== undefined) return sendSerialized(reply, cached);
      const body: Static<typeof VehiclePage> = { ...(await garage.listVehicles(userId, { limit, offset })), limit, offset };
      const json = serializedBy(reply, '200', body);
      vehiclePages.set(revision, cacheKey, json);
      return sendSerialized(reply, json);
    },
  );

  app.post(
    '/vehicles',
    { schema: { tags, security, summary: 'Add a vehicle', body: NewVehicleBody, response: { 201: VehicleResponse, 422: ErrorSchema } } },
    async (request, reply) => reply.code(201).send(await garage.addVehicle(owner(request), checkedVehicle(request.body))),
  );

  app.get(
    '/vehicles/:id',
    { schema: { tags, security, params: VehicleParams, response: { 200: VehicleResponse, 404: ErrorSchema } } },
    async (request) => (await garage.findVehicle(owner(request), request.params.id)) ?? Promise.reject(notFound()),
  );

  app.put(
    '/vehicles/:id',
    { schema: { tags, security, summary: 'Change a vehicle', params: VehicleParams, body: VehicleChangesBody, response: { 200: VehicleResponse, 404: ErrorSchema, 422: ErrorSchema } } },
    async (request) =>
      (await garage.updateVehicle(owner(request), request.params.id, checkedVehicle(request.body))) ?? Promise.reject(notFound()),
  );

  app.delete(
    '/vehicles/:id',
    { schema: { tags, security, summary: 'Remove a vehicle and its notes', params: VehicleParams, response: { ...NO_CONTENT, 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await garage.removeVehicle(owner(request), request.params.id))) throw notFound();
      // Explicitly no body: the schema's other answer (404) has one.
      return reply.code(204).send(undefined);
    },
  );

  app.get(
    '/vehicles/:id/recalls',
    {
      schema: {
        tags,
        security,
        summary: 'NHTSA recalls for this vehicle (its make, model and year)',
        params: VehicleParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ vehicle: VehicleSchema, ...page(RecallSchema).properties }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const vehicle = await garage.findVehicle(owner(request), request.params.id);
      if (vehicle === undefined) throw notFound();
      const { limit = 20, offset = 0 } = request.query;
      const query = { make: vehicle.make, model: vehicle.model, year: vehicle.year };
      const recalls = await new RecallsRepository(options.database.db).findForVehicle(query, { limit, offset });
      return { vehicle: query, items: recalls.items, total: recalls.total, limit, offset };
    },
  );

  app.get(
    '/vehicles/:id/notes',
    { schema: { tags, security, summary: 'Diagnosis notes of a vehicle, newest first', params: VehicleParams, querystring: PageQuery, response: { 200: page(NoteResponse), 404: ErrorSchema } } },
    async (request) => {
      const { limit = 20, offset = 0 } = request.query;
      const notes = await garage.listNotes(owner(request), request.params.id, { limit, offset });
      if (notes === undefined) throw notFound();
      return { ...notes, limit, offset };
    },
  );

  app.post(
    '/vehicles/:id/notes',
    { schema: { tags, security, summary: 'Add a diagnosis note (codes and symptoms)', params: VehicleParams, body: NewNoteBody, response: { 201: NoteResponse, 404: ErrorSchema, 422: ErrorSchema } } },
    async (request, reply) => {
      const codes = [...new Set(request.body.codes.map((code) => code.toUpperCase()))];
      const note = await garage.addNote(owner(request), request.params.id, { codes, symptoms: request.body.symptoms });
      if (note === undefined) throw notFound();
      return reply.code(201).send(note);
    },
  );

  app.delete(
    '/vehicles/:id/notes/:noteId',
    { schema: { tags, security, summary: 'Remove a diagnosis note', params: NoteParams, response: { ...NO_CONTENT, 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await garage.removeNote(owner(request), request.params.id, request.params.noteId))) throw new HttpError('not_found', { message: 'No such note' });
      return reply.code(204).send(undefined);
    },
  );
}
