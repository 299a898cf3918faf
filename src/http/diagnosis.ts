import Type from 'typebox';
import { normalizeVehicleName } from '../db/repositories/index.js';
import { DTC_CODE_INPUT_PATTERN, quickAnalyze } from '../diagnostics/index.js';
import { DESCRIBE_CANDIDATE_LIMIT, describeProblem, ensureDiagnosisIndex } from '../diagnostics/describe/index.js';
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

/** The longest description accepted: a few sentences, not an essay. */
export const DESCRIBE_MAX_TEXT_LENGTH = 1000;

const LanguageSchema = Type.Union([Type.Literal('hu'), Type.Literal('en')]);

const DescribeBody = Type.Object(
  {
    text: Type.String({ minLength: 3, maxLength: DESCRIBE_MAX_TEXT_LENGTH, pattern: '\\S', description: 'what the car does, in Hungarian or English' }),
    language: Type.Optional(LanguageSchema),
    make: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "alone: read that make's own codes too; with model and year: also the vehicle's recalls and complaints" })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    year: Type.Optional(Type.Integer({ minimum: 1900, maximum: 2100 })),
    codes: Type.Optional(Type.Array(Type.String({ pattern: DTC_CODE_INPUT_PATTERN }), { maxItems: QUICK_ANALYZE_MAX_CODES })),
  },
  { additionalProperties: false },
);

const LabelledNodeSchema = Type.Object({ id: Type.String(), label: Type.String() });

const DescribeResponse = Type.Object({
  language: LanguageSchema,
  understood: Type.Object({
    symptoms: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), label: Type.String(), matched: Type.Array(Type.String()) })),
    components: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), label: Type.String(), matched: Type.Array(Type.String()) })),
    corrections: Type.Array(Type.Object({ from: Type.String(), to: Type.String() }), { description: 'words read as another (typo) or as part of a compound' }),
  }),
  candidates: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('code'), Type.Literal('component')]),
      code: Nullable(Type.String()),
      make: Nullable(Type.String()),
      component: Nullable(Type.String()),
      title: Type.String(),
      system: Nullable(DtcSystemSchema),
      severity: Nullable(DtcSeveritySchema),
      score: Type.Number({ minimum: 0, maximum: 1 }),
      reasons: Type.Object({
        symptoms: Type.Array(LabelledNodeSchema),
        words: Type.Array(Type.String()),
        via: Type.Array(LabelledNodeSchema),
        given: Type.Boolean(),
      }),
      causes: Type.Array(Type.String()),
      checks: Type.Array(Type.String()),
      codes: Type.Array(Type.String()),
    }),
    { maxItems: DESCRIBE_CANDIDATE_LIMIT, description: 'highest score first' },
  ),
  vehicle: Nullable(
    Type.Object({
      make: Type.String(),
      model: Type.String(),
      year: Type.Integer(),
      recalls: Type.Object({ total: Type.Integer(), items: Type.Array(RecallSchema) }),
      complaints: Type.Object({
        total: Type.Integer(),
        items: Type.Array(
          Type.Object({
            cmplid: Type.Integer(),
            odi_number: Type.Integer(),
            component: Type.String(),
            summary: Type.String(),
            crash: Type.Boolean(),
            fire: Type.Boolean(),
            failure_date: Nullable(Type.String()),
          }),
        ),
      }),
    }),
  ),
});

/**
 * make, model and year together or not at all: a 422 naming the missing ones.
 * With `makeAlone`, a make by itself is fine too (describe reads a make's own
 * codes without a vehicle); a model or year still needs all three.
 */
function vehicleOf(
  body: { make?: string | undefined; model?: string | undefined; year?: number | undefined },
  options: { makeAlone?: boolean } = {},
): { make: string; model: string; year: number } | undefined {
  const given = VEHICLE_FIELDS.filter((field) => body[field] !== undefined);
  const makeAlone = options.makeAlone === true && given.length === 1 && given[0] === 'make';
  if (given.length > 0 && given.length < VEHICLE_FIELDS.length && !makeAlone) {
    const message = 'make, model and year go together: give all three or none';
    throw new HttpError('validation_failed', {
      details: VEHICLE_FIELDS.filter((field) => !given.includes(field)).map((field) => ({ field, message, problem: 'vehicle_incomplete' as const })),
    });
  }
  const { make, model, year } = body;
  return make !== undefined && model !== undefined && year !== undefined ? { make: normalizeVehicleName(make), model: normalizeVehicleName(model), year } : undefined;
}

/** `/api/v1/diagnosis/*`: deterministic analysis of trouble codes, optionally for one vehicle; public, rate-limited. */
export async function diagnosisRoutes(app: SchemaTypedApp, options: PublicRouteOptions): Promise<void> {
  const db = options.database.db;
  app.addHook('preHandler', ipRateLimit({ store: options.rateLimitCounters, group: 'diagnosis', ...options.rateLimit }));

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
      return quickAnalyze(
        db,
        request.body.codes.map((code) => code.toUpperCase()),
        vehicleOf(request.body),
      );
    },
  );

  app.post(
    '/describe',
    {
      schema: {
        tags: ['diagnosis'],
        summary: 'Likely codes and components for a description of what the car does (Hungarian or English), each with why',
        body: DescribeBody,
        response: { 200: DescribeResponse, 422: ErrorSchema },
      },
    },
    async (request) => {
      const vehicle = vehicleOf(request.body, { makeAlone: true });
      await ensureDiagnosisIndex(options.database);
      return describeProblem(options.database, {
        text: request.body.text,
        language: request.body.language,
        make: vehicle?.make ?? (request.body.make === undefined ? undefined : normalizeVehicleName(request.body.make)),
        model: vehicle?.model,
        year: vehicle?.year,
        codes: request.body.codes?.map((code) => code.toUpperCase()),
      });
    },
  );
}
