import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { containsPattern } from './text-search.js';
import type { VehicleQuery } from './vehicles.js';

/** The rows of one make, model and model year: how recalls and complaints are looked up. */
export function isVehicle(vehicle: VehicleQuery): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref('make')} = ${vehicle.make} and ${sql.ref('model')} = ${vehicle.model} and ${sql.ref('model_year')} = ${vehicle.year}`;
}

/**
 * Rows whose component contains one of the upper-case `keywords` (constants,
 * still escaped); none when the list is empty.
 */
export function componentMatchesAny(keywords: readonly string[]): RawBuilder<SqlBool> {
  if (keywords.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(
    keywords.map((keyword) => sql`${sql.ref('component')} like ${containsPattern(keyword)} escape '\\'`),
    sql` or `,
  )})`;
}
