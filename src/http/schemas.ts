import Type, { type TSchema } from 'typebox';
import { ERROR_CODES } from '../errors.js';

/** Schema pieces several route files share. */

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
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  }),
});

/** `limit` 1–100 (default 20) and `offset`, for paginated lists `{ items, total, limit, offset }`. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
});
