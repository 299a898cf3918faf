import Type, { type Static } from 'typebox';
import { DtcCodesRepository, normalizeDtcMake } from '../db/repositories/index.js';
import { RevisionCache } from '../db/revision-cache.js';
import { sendSerialized, serializedBy } from './serialized.js';
import { DTC_CODE_FORMAT_MESSAGE, DTC_SYSTEMS, decodeDtcCode, normalizeDtcCode, type DtcSystem } from '../diagnostics/index.js';
import { ipRateLimit } from '../security/ip-rate-limit.js';
import { ERROR_CATALOG, HttpError } from '../errors.js';
import { ErrorSchema, Nullable, PageQuery, type SchemaTypedApp } from './schemas.js';
import type { PublicRouteOptions } from './public-route-options.js';

/** One of the four systems; built from the list, so typed by hand (a mapped union has no literal type). */
export const DtcSystemSchema = Type.Unsafe<DtcSystem>(Type.Union(DTC_SYSTEMS.map((entry) => Type.Literal(entry.system))));
export const DtcSeveritySchema = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);

export const DecodedDtcCodeSchema = Type.Object({
  code: Type.String(),
  system: DtcSystemSchema,
  is_generic: Type.Boolean({ description: 'SAE/ISO-defined (same meaning for every make), by the SAE J2012 rule on the second character' }),
  controlled_by: Type.Union([Type.Literal('sae'), Type.Literal('manufacturer')]),
  subsystem: Type.Object({ group: Type.String({ description: 'the first three characters, e.g. P03' }), name: Type.String() }),
});

/** A make as a query names it; matched upper-case with spaces trimmed (`ford` is FORD). */
function makeQuery(description: string) {
  return Type.String({ minLength: 1, maxLength: 32, description: `${description} (case-insensitive, e.g. FORD)` });
}

export const DtcCodeSchema = Type.Object({
  code: Type.String({ examples: ['P0301'] }),
  make: Nullable(Type.String({ description: 'the make whose meaning this is (upper-case); null: the meaning for every make (generic SAE codes)' })),
  system: DtcSystemSchema,
  is_generic: Type.Boolean(),
  description_en: Type.String(),
  description_hu: Nullable(Type.String()),
  severity: Nullable(DtcSeveritySchema),
  symptoms: Type.Array(Type.String()),
  possible_causes: Type.Array(Type.String()),
  symptoms_hu: Type.Array(Type.String(), { description: 'the symptoms in Hungarian; empty where no import gave them' }),
  possible_causes_hu: Type.Array(Type.String(), { description: 'the possible causes in Hungarian; empty where no import gave them' }),
  related_codes: Type.Array(Type.String()),
  sources: Type.Array(Type.String()),
  updated_at: Type.String({ format: 'date-time' }),
});

const DtcNotFoundSchema = Type.Object({
  error: Type.Object({ code: Type.Literal('dtc_not_found'), message: Type.String(), decoded: DecodedDtcCodeSchema }),
});

const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'a code prefix (P03) or words from the English or Hungarian description' })),
  system: Type.Optional(DtcSystemSchema),
  make: Type.Optional(makeQuery('only the meanings for every make and this make’s own; without it, every make’s')),
  ...PageQuery.properties,
});

const SearchResponse = Type.Object({ items: Type.Array(DtcCodeSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

const SystemsResponse = Type.Object({
  items: Type.Array(
    Type.Object({ letter: Type.String(), system: DtcSystemSchema, description: Type.String(), code_count: Type.Integer({ description: 'codes in the database' }) }),
  ),
});

const CodeParams = Type.Object({ code: Type.String({ maxLength: 16 }) });

const LookupQuery = Type.Object({
  make: Type.Optional(makeQuery('the vehicle’s make: its own meaning of the code when it has one, else the meaning for every make')),
});

const LookupResponse = Type.Object({
  ...DtcCodeSchema.properties,
  decoded: DecodedDtcCodeSchema,
  variants: Type.Array(Type.Object({ make: Nullable(Type.String()), description_en: Type.String(), description_hu: Nullable(Type.String()) }), {
    description: 'the code’s other meanings: each other make’s (alphabetically), and the one for every make (make null) when this one is a make’s',
  }),
  related: Type.Array(Type.Object({ code: Type.String(), description_en: Type.String(), description_hu: Nullable(Type.String()) }), {
    description: 'the related codes the database knows',
  }),
});

/** Lookup answers kept per process (a few KiB each; a code with a very long related list is not kept). */
const LOOKUP_CACHE_ENTRIES = 1000;
const LOOKUP_CACHE_MAX_LENGTH = 64 * 1024;

/** `/api/v1/dtc/*`: trouble-code search and lookup; public, rate-limited per address. */
export async function dtcRoutes(app: SchemaTypedApp, options: PublicRouteOptions): Promise<void> {
  const dtcCodes = new DtcCodesRepository(options.database.db);
  const lookupAnswers = new RevisionCache(LOOKUP_CACHE_ENTRIES, LOOKUP_CACHE_MAX_LENGTH);
  app.addHook('preHandler', ipRateLimit({ store: options.rateLimitCounters, group: 'dtc', ...options.rateLimit }));

  app.get(
    '/search',
    {
      schema: {
        tags: ['dtc'],
        summary: 'Search codes: code-prefix matches first, then description matches (English or Hungarian, accents optional)',
        querystring: SearchQuery,
        response: { 200: SearchResponse, 422: ErrorSchema },
      },
    },
    async (request) => {
      const { q, system, make, limit = 20, offset = 0 } = request.query;
      const result = await dtcCodes.search({ q, system, make, limit, offset });
      return { ...result, limit, offset };
    },
  );

  app.get('/systems', { schema: { tags: ['dtc'], summary: 'The four DTC systems and how many codes each has', response: { 200: SystemsResponse } } }, async () => {
    const counts = await dtcCodes.countBySystem();
    return { items: DTC_SYSTEMS.map((entry) => ({ ...entry, code_count: counts[entry.system] })) };
  });

  app.get(
    '/:code',
    {
      schema: {
        tags: ['dtc'],
        summary:
          'One code with its structural decode and its other makes’ meanings. With make: that make’s meaning, else the one for every make; a code known only for other makes answers with the alphabetically first make’s. An unknown but well-formed code is 404 with the decode',
        params: CodeParams,
        querystring: LookupQuery,
        response: { 200: LookupResponse, 404: DtcNotFoundSchema, 422: ErrorSchema },
      },
    },
    async (request, reply) => {
      const code = normalizeDtcCode(request.params.code);
      if (code === null) throw new HttpError('validation_failed', { message: DTC_CODE_FORMAT_MESSAGE, details: [{ field: 'code', message: DTC_CODE_FORMAT_MESSAGE, problem: 'dtc_code' }] });
      const { make } = request.query;
      // The answer as sent, while the codes' revision (read first) stays the same: see src/db/revision-cache.ts.
      const cacheKey = `${code} ${make === undefined ? '' : normalizeDtcMake(make)}`;
      const revision = await dtcCodes.revision();
      const cached = lookupAnswers.get(revision, cacheKey);
      if (cached !== undefined) return sendSerialized(reply, cached);
      const decoded = decodeDtcCode(code);
      // The make's own meaning, else the one for every make, else (only other makes know the code) the first make's.
      const { meaning: found, variants } = await dtcCodes.lookup(code, make);
      if (found === undefined) {
        return reply.code(404).send({ error: { code: 'dtc_not_found' as const, message: ERROR_CATALOG.dtc_not_found.message, decoded } });
      }
      const related = await dtcCodes.descriptions(found.related_codes, found.make ?? make);
      const body: Static<typeof LookupResponse> = {
        ...found,
        decoded,
        variants: variants
          .filter((variant) => variant.make !== found.make)
          .map((variant) => ({ make: variant.make, description_en: variant.description_en, description_hu: variant.description_hu })),
        related: found.related_codes.flatMap((relatedCode) => {
          const known = related.get(relatedCode);
          return known === undefined ? [] : [known];
        }),
      };
      const answer = serializedBy(reply, '200', body);
      lookupAnswers.set(revision, cacheKey, answer);
      return sendSerialized(reply, answer);
    },
  );
}
