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

/** The makes and models recalls and complaints name. */
export class VehicleNamesRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Every make that has a recall or a complaint, alphabetically. */
  async listMakes(
    page: { limit?: number | undefined; offset?: number | undefined } = {},
  ): Promise<NamePage> {
    const { limit, offset } = pageBounds(page.limit, page.offset, DEFAULT_NAMES_PER_PAGE, MAX_NAMES_PER_PAGE);
    const makes = () => this.db.selectFrom('recalls').select('make').union(this.db.selectFrom('complaints').select('make'));
    const [rows, count] = await Promise.all([
      this.db.selectFrom(makes().as('makes')).select('make').orderBy('make').limit(limit).offset(offset).execute(),
      this.db.selectFrom(makes().as('makes')).select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map((row) => row.make), total: toCount(count?.total) };
  }

  /** Every model of `make` (normalised) that has a recall or a complaint, alphabetically. */
  async listModels(
    make: string,
    page: { limit?: number | undefined; offset?: number | undefined } = {},
  ): Promise<NamePage> {
    const { limit, offset } = pageBounds(page.limit, page.offset, DEFAULT_NAMES_PER_PAGE, MAX_NAMES_PER_PAGE);
    const models = () =>
      this.db
        .selectFrom('recalls')
        .select('model')
        .where('make', '=', make)
        .union(this.db.selectFrom('complaints').select('model').where('make', '=', make));
    const [rows, count] = await Promise.all([
      this.db.selectFrom(models().as('models')).select('model').orderBy('model').limit(limit).offset(offset).execute(),
      this.db.selectFrom(models().as('models')).select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map((row) => row.model), total: toCount(count?.total) };
  }
}
