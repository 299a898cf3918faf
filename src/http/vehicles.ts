import Type, { type Static, type TSchema } from 'typebox';
import { ComplaintsRepository, RecallsRepository, VehicleNamesRepository, normalizeVehicleName, type VehicleQuery } from '../db/repositories/index.js';
import { decodeVin } from '../diagnostics/index.js';
import { ipRateLimit } from '../security/ip-rate-limit.js';
import { HttpError } from '../errors.js';
import { ErrorSchema, Nullable, PageQuery, type SchemaTypedApp } from './schemas.js';
import type { PublicRouteOptions } from './public-route-options.js';
import { trimFields } from './trim-fields.js';
import { vinFieldProblem } from './field-problems.js';

const IsoDate = Nullable(Type.String({ format: 'date' }));

export const VehicleSchema = Type.Object({ make: Type.String(), model: Type.String(), year: Type.Integer() });

export const RecallSchema = Type.Object({
  campaign_number: Type.String({ description: 'NHTSA campaign number, e.g. 23V123000' }),
  make: Type.String(),
  model: Type.String(),
  model_year: Nullable(Type.Integer()),
  component: Type.String(),
  manufacturer: Nullable(Type.String()),
  manufacturer_campaign_number: Nullable(Type.String()),
  recall_type: Nullable(Type.String({ description: 'V vehicle, E equipment, T tire, C child seat' })),
  potentially_affected: Nullable(Type.Integer()),
  manufactured_from: IsoDate,
  manufactured_to: IsoDate,
  report_received_date: IsoDate,
  owner_notification_date: IsoDate,
  fmvss: Nullable(Type.String()),
  defect_summary: Nullable(Type.String()),
  consequence_summary: Nullable(Type.String()),
  corrective_action: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  do_not_drive: Nullable(Type.Boolean({ description: 'NHTSA advises not to drive the vehicle until repaired (newer files only)' })),
  park_outside: Nullable(Type.Boolean({ description: 'NHTSA advises parking outside: fire risk (newer files only)' })),
  updated_at: Type.String({ format: 'date-time' }),
});

export const ComplaintSchema = Type.Object({
  cmplid: Type.Integer(),
  odi_number: Type.Integer({ description: 'the complaint; one complaint may span several records' }),
  manufacturer: Nullable(Type.String()),
  make: Type.String(),
  model: Type.String(),
  model_year: Nullable(Type.Integer()),
  component: Type.String(),
  crash: Type.Boolean(),
  fire: Type.Boolean(),
  injured: Type.Integer(),
  deaths: Type.Integer(),
  failure_date: IsoDate,
  received_date: IsoDate,
  state: Nullable(Type.String()),
  miles: Nullable(Type.Integer()),
  vehicle_speed: Nullable(Type.Integer()),
  description: Nullable(Type.String()),
  complaint_type: Nullable(Type.String()),
  product_type: Nullable(Type.String()),
  police_report: Nullable(Type.Boolean()),
  medical_attention: Nullable(Type.Boolean()),
  vehicles_towed: Nullable(Type.Boolean()),
});

export const ComplaintTotalsSchema = Type.Object(
  { complaints: Type.Integer(), crashes: Type.Integer(), fires: Type.Integer(), injuries: Type.Integer(), deaths: Type.Integer() },
  { description: 'per complaint (ODI number), each counted once' },
);

const NamePageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
});
const ModelsQuery = Type.Object({ make: Type.String({ minLength: 1, maxLength: 64 }), ...NamePageQuery.properties });
const NamePage = Type.Object({ items: Type.Array(Type.String()), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

const VehicleParams = Type.Object({
  make: Type.String({ minLength: 1, maxLength: 64 }),
  model: Type.String({ minLength: 1, maxLength: 128 }),
  year: Type.Integer({ minimum: 1900, maximum: 2100 }),
});

const RecallsResponse = Type.Object({ vehicle: VehicleSchema, items: Type.Array(RecallSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
const ComplaintsResponse = Type.Object({
  vehicle: VehicleSchema,
  items: Type.Array(ComplaintSchema),
  total: Type.Integer({ description: 'records for the vehicle (what limit/offset page through)' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  totals: ComplaintTotalsSchema,
});

const VinParams = Type.Object({ vin: Type.String({ maxLength: 64 }) });
const VinResponse = Type.Object({
  vin: Type.String(),
  wmi: Type.String({ description: 'world manufacturer identifier, positions 1-3' }),
  vds: Type.String({ description: 'vehicle descriptor section, positions 4-9' }),
  vis: Type.String({ description: 'vehicle identifier section, positions 10-17' }),
  region: Type.String(),
  manufacturer: Nullable(Type.String()),
  country: Nullable(Type.String()),
  check_digit: Type.Object({
    found: Type.String(),
    expected: Type.String(),
    valid: Type.Boolean(),
    required: Type.Boolean({ description: 'mandatory for North America (1-5) and China (L); elsewhere a mismatch is only reported' }),
  }),
  model_year: Nullable(Type.Integer({ description: 'from position 10; null when position 10 is no year code' })),
  model_year_candidates: Type.Array(Type.Integer(), { description: 'both years position 10 can mean (30-year cycle)' }),
  model_year_basis: Nullable(
    Type.Union([Type.Literal('position_7'), Type.Literal('latest_plausible')], {
      description: 'position_7: North American VINs, letter at position 7 means 2010-2039, digit 1980-2009; latest_plausible: elsewhere, the later year unless it is after next year',
    }),
  ),
  plant_code: Type.String(),
  serial_number: Type.String(),
});

function vehicleOf(params: Static<typeof VehicleParams>): VehicleQuery {
  return { make: normalizeVehicleName(params.make), model: normalizeVehicleName(params.model), year: params.year };
}

/** `/api/v1/vehicles/*`: makes, models, recalls and complaints per vehicle, offline VIN decoding; public, rate-limited. */
export async function vehicleRoutes(app: SchemaTypedApp, options: PublicRouteOptions): Promise<void> {
  const vehicleNames = new VehicleNamesRepository(options.database.db);
  const recalls = new RecallsRepository(options.database.db);
  const complaints = new ComplaintsRepository(options.database.db);
  app.addHook('preHandler', ipRateLimit({ store: options.rateLimitCounters, group: 'vehicles', ...options.rateLimit }));
  // Trim, then validate: "   " is no make or model.
  app.addHook('preValidation', trimFields({ query: ['make'], params: ['make', 'model'] }));

  app.get(
    '/makes',
    { schema: { tags: ['vehicles'], summary: 'Makes with recalls or complaints, alphabetically', querystring: NamePageQuery, response: { 200: NamePage, 422: ErrorSchema } } },
    async (request) => {
      const { limit = 100, offset = 0 } = request.query;
      return { ...(await vehicleNames.listMakes({ limit, offset })), limit, offset };
    },
  );

  app.get(
    '/models',
    { schema: { tags: ['vehicles'], summary: 'Models of a make, alphabetically', querystring: ModelsQuery, response: { 200: NamePage, 422: ErrorSchema } } },
    async (request) => {
      const { make, limit = 100, offset = 0 } = request.query;
      return { ...(await vehicleNames.listModels(normalizeVehicleName(make), { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/vin/:vin',
    { schema: { tags: ['vehicles'], summary: 'Decode a VIN offline: check digit, region, manufacturer, model year', params: VinParams, response: { 200: VinResponse, 422: ErrorSchema } } },
    async (request) => {
      const result = decodeVin(request.params.vin, new Date(app.clock.now()).getUTCFullYear());
      if (!result.ok) {
        const code = result.problem.kind === 'check_digit' ? 'vin_check_digit_mismatch' : 'vin_invalid';
        throw new HttpError(code, { message: result.problem.message, details: [vinFieldProblem('vin', result.problem)] });
      }
      // A fresh array: the decoder's is read-only.
      return { ...result.vin, model_year_candidates: [...result.vin.model_year_candidates] };
    },
  );

  /** The two per-vehicle lists share their parameters, paging and refusals. */
  const vehicleListSchema = <Response extends TSchema>(summary: string, response: Response) => ({
    schema: { tags: ['vehicles'], summary, params: VehicleParams, querystring: PageQuery, response: { 200: response, 422: ErrorSchema } },
  });

  app.get('/:make/:model/:year/recalls', vehicleListSchema('NHTSA recalls for one make, model and model year, newest first', RecallsResponse), async (request) => {
    const vehicle = vehicleOf(request.params);
    const { limit = 20, offset = 0 } = request.query;
    const page = await recalls.findForVehicle(vehicle, { limit, offset });
    return { vehicle, items: page.items, total: page.total, limit, offset };
  });

  app.get(
    '/:make/:model/:year/complaints',
    vehicleListSchema('NHTSA owner complaints for one make, model and model year, with crash, fire, injury and death totals', ComplaintsResponse),
    async (request) => {
      const vehicle = vehicleOf(request.params);
      const { limit = 20, offset = 0 } = request.query;
      const [page, totals] = await Promise.all([complaints.findForVehicle(vehicle, { limit, offset }), complaints.totalsForVehicle(vehicle)]);
      return { vehicle, items: page.items, total: page.total, limit, offset, totals };
    },
  );
}
