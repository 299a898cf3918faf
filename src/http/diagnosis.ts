import Type from 'typebox';
import { normalizeVehicleName } from '../db/repositories/index.js';
import { DTC_CODE_INPUT_PATTERN, quickAnalyze } from '../diagnostics/index.js';
import { ipRateLimit } from '../security/ip-rate-limit.js';
import { DecodedDtcCodeSchema, DtcCodeSchema, DtcSeveritySchema, DtcSystemSchema } from './dtc.js';
import { HttpError } from '../errors.js';
import { ErrorSchema, Nullable, type SchemaTypedApp } from './schemas.js';
import type { PublicRouteOptions } from './public-route-options.js';
import { ComplaintTotalsSchema, RecallSchema } from './vehicles.js';

export const QUICK_ANALYZE_MAX_CODES = 20;

const QuickAnalyzeBody = Type.Object(
  {
    codes: Type.Array(Type.String({ pattern: DTC_CODE_INPUT_PATTERN }), { minItems: 1, maxItems: QUICK_ANALYZE_MAX_CODES }),
    make: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    year: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2100 })),
  },
  { additionalProperties: false },
);

const QuickAnalysisResponse = Type.Object({
  codes: Type.Array(Type.Object({ code: Type.String(), known: Type.Boolean(), decoded: DecodedDtcCodeSchema, details: Nullable(DtcCodeSchema) })),
  systems: Type.Array(Type.Object({ system: DtcSystemSchema, codes: Type.Array(Type.String()) })),
  shared_systems: Type.Array(DtcSystemSchema, { description: 'systems two or more of the codes share' }),
  related_pairs: Type.Array(Type.Object({ code: Type.String(), related_code: Type.String() })),
  highest_severity: Nullable(DtcSeveritySchema),
  vehicle: Nullable(
    Type.Object({
      make: Type.String(),
      model: Type.String(),
      year: Type.Integer(),
      recalls: Type.Object({
        total: Type.Integer(),
        relevant: Type.Integer({ description: 'recalls whose component belongs to one of the codes’ systems' }),
        items: Type.Array(RecallSchema, { description: 'relevant recalls first, at most 10' }),
      }),
      complaints: Type.Object({ all: ComplaintTotalsSchema, relevant: ComplaintTotalsSchema }),
    }),
  ),
});

const VEHICLE_FIELDS = ['make', 'model', 'year'] as const;

/** `/api/v1/diagnosis/*`: deterministic analysis of trouble codes, optionally for one vehicle; public, rate-limited. */
export async function diagnosisRoutes(app: SchemaTypedApp, options: PublicRouteOptions): Promise<void> {
  const db = options.database.db;
  app.addHook('preHandler', ipRateLimit({ store: options.store, group: 'diagnosis', ...options.rateLimit }));

  app.post(
    '/quick-analyze',
    {
      schema: {
        tags: ['diagnosis'],
        summary: 'What 1–20 codes mean together; with make, model and year also the matching recalls and complaint counts',
        body: QuickAnalyzeBody,
        response: { 200: QuickAnalysisResponse, 422: ErrorSchema },
      },
    },
    async (request) => {
      const { codes, make, model, year } = request.body;
      const given = VEHICLE_FIELDS.filter((field) => request.body[field] !== undefined);
      if (given.length > 0 && given.length < VEHICLE_FIELDS.length) {
        const message = 'make, model and year go together: give all three or none';
        throw new HttpError('validation_failed', {
          details: VEHICLE_FIELDS.filter((field) => !given.includes(field)).map((field) => ({ field, message })),
        });
      }
      const vehicle =
        make !== undefined && model !== undefined && year !== undefined ? { make: normalizeVehicleName(make), model: normalizeVehicleName(model), year } : undefined;
      return quickAnalyze(
        db,
        codes.map((code) => code.toUpperCase()),
        vehicle,
      );
    },
  );
}
