import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { ERROR_CODES, FIELD_PROBLEM_KINDS } from '../errors.js';

/** Schema pieces several route files share, and the app type that reads them. */

/**
 * The app as a route plugin sees it: each handler's `request` (body, params,
 * query) and `reply.send` take their types from the route's TypeBox schema,
 * so no request type is written by hand.
 */
export type SchemaTypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * `T` or JSON null. Null comes first: with Fastify's type coercion a request
 * `null` would otherwise be coerced into the first branch (`null` → `""`).
 */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

/** The `{ error: { code, message, details? } }` shape of every error; `code` is one of the catalog's (src/errors.ts). */
export const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.Enum(ERROR_CODES, { type: 'string' }),
    message: Type.String(),
    details: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String(),
          message: Type.String(),
          problem: Type.Enum(FIELD_PROBLEM_KINDS, { type: 'string' }),
          params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
        }),
      ),
    ),
    /** `scan_invalid`: the 1-based line of the refused input and why, in English. */
    line: Type.Optional(Type.Integer({ minimum: 1 })),
    reason: Type.Optional(Type.String()),
  }),
});

/** `limit` 1–100 (default 20) and `offset`, for paginated lists `{ items, total, limit, offset }`. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
});

/** OpenAPI answer of a route that answers 204: documented as null, typed as no body at all (`reply.code(204).send()`). */
export const NO_CONTENT = { 204: Type.Unsafe<undefined>(Type.Null({ description: 'No content' })) };
