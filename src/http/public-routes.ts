import Type, { type TSchema } from 'typebox';
import type { Database } from '../db/index.js';
import { ERROR_CODES } from '../errors.js';
import type { IpRateLimitPolicy } from '../security/ip-rate-limit.js';
import type { KeyValueStore } from '../stores/key-value-store.js';

/** What every public route plugin (dtc, vehicles, diagnosis) is registered with. */
export interface PublicRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
  /** Per-address limit for the plugin's routes; default 120 requests per minute. */
  readonly rateLimit?: Partial<IpRateLimitPolicy> | undefined;
}

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
