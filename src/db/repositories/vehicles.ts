import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { pageBounds, toCount } from './column-values.js';

/** One vehicle as NHTSA names it: make and model upper-case (see {@link normalizeVehicleName}). */
export interface VehicleQuery {
  readonly make: string;
  readonly model: string;
  readonly year: number;
}

export interface NamePage {
  readonly items: string[];
  readonly total: number;
}

/** How makes and models are stored and looked up: trimmed, inner whitespace collapsed, upper-case. */
export function normalizeVehicleName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toUpperCase();
}

const MAX_NAMES_PER_PAGE = 1000;
const DEFAULT_NAMES_PER_PAGE = 100;

/** Every make that has a recall or a complaint, alphabetically. */
export async function listVehicleMakes(
  db: Kysely<DatabaseSchema>,
  page: { limit?: number | undefined; offset?: number | undefined } = {},
): Promise<NamePage> {
  const { limit, offset } = pageBounds(page.limit, page.offset, DEFAULT_NAMES_PER_PAGE, MAX_NAMES_PER_PAGE);
  const makes = () => db.selectFrom('recalls').select('make').union(db.selectFrom('complaints').select('make'));
  const [rows, count] = await Promise.all([
    db.selectFrom(makes().as('makes')).select('make').orderBy('make').limit(limit).offset(offset).execute(),
    db.selectFrom(makes().as('makes')).select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
  ]);
  return { items: rows.map((row) => row.make), total: toCount(count?.total) };
}

/** Every model of `make` (normalised) that has a recall or a complaint, alphabetically. */
export async function listVehicleModels(
  db: Kysely<DatabaseSchema>,
  make: string,
  page: { limit?: number | undefined; offset?: number | undefined } = {},
): Promise<NamePage> {
  const { limit, offset } = pageBounds(page.limit, page.offset, DEFAULT_NAMES_PER_PAGE, MAX_NAMES_PER_PAGE);
  const models = () =>
    db
      .selectFrom('recalls')
      .select('model')
      .where('make', '=', make)
      .union(db.selectFrom('complaints').select('model').where('make', '=', make));
  const [rows, count] = await Promise.all([
    db.selectFrom(models().as('models')).select('model').orderBy('model').limit(limit).offset(offset).execute(),
    db.selectFrom(models().as('models')).select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
  ]);
  return { items: rows.map((row) => row.model), total: toCount(count?.total) };
}
