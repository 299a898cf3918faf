import { sql, type Insertable, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { toBoolean, type ComplaintsTable, type DatabaseSchema } from '../schema.js';
import { contentHash, fromExcluded, pageBounds, toCount, toNullableBoolean, type BatchOutcome } from './column-values.js';
import { claimThenReplace } from './bound-parameters.js';
import { containsPattern } from './text-search.js';
import type { VehicleQuery } from './vehicles.js';

/** One line of NHTSA's complaint file as the API returns it: no VIN, city or dealer fields. */
export interface Complaint {
  readonly cmplid: number;
  readonly odi_number: number;
  readonly manufacturer: string | null;
  readonly make: string;
  readonly model: string;
  readonly model_year: number | null;
  readonly component: string;
  readonly crash: boolean;
  readonly fire: boolean;
  readonly injured: number;
  readonly deaths: number;
  readonly failure_date: string | null;
  readonly received_date: string | null;
  readonly state: string | null;
  readonly miles: number | null;
  readonly vehicle_speed: number | null;
  readonly description: string | null;
  readonly complaint_type: string | null;
  readonly product_type: string | null;
  readonly police_report: boolean | null;
  readonly medical_attention: boolean | null;
  readonly vehicles_towed: boolean | null;
}

export type ComplaintInput = Complaint;

/**
 * Totals for a vehicle. One complaint (ODI number) may span several lines
 * (components), so each counts once: a crash, fire, injury or death
 * reported on any of its lines counts once for the complaint.
 */
export interface ComplaintTotals {
  readonly complaints: number;
  readonly crashes: number;
  readonly fires: number;
  readonly injuries: number;
  readonly deaths: number;
}

export interface ComplaintPage {
  readonly items: Complaint[];
  /** Lines (records) for the vehicle: what `limit`/`offset` page through. */
  readonly total: number;
}

function toComplaint(row: Selectable<ComplaintsTable>): Complaint {
  return {
    cmplid: row.cmplid,
    odi_number: row.odi_number,
    manufacturer: row.manufacturer,
    make: row.make,
    model: row.model,
    model_year: row.model_year,
    component: row.component,
    crash: toBoolean(row.crash),
    fire: toBoolean(row.fire),
    injured: row.injured,
    deaths: row.deaths,
    failure_date: row.failure_date,
    received_date: row.received_date,
    state: row.state,
    miles: row.miles,
    vehicle_speed: row.vehicle_speed,
    description: row.description,
    complaint_type: row.complaint_type,
    product_type: row.product_type,
    police_report: toNullableBoolean(row.police_report),
    medical_attention: toNullableBoolean(row.medical_attention),
    vehicles_towed: toNullableBoolean(row.vehicles_towed),
  };
}

const COMPLAINT_CONTENT_COLUMNS = [
  'odi_number',
  'manufacturer',
  'make',
  'model',
  'model_year',
  'component',
  'crash',
  'fire',
  'injured',
  'deaths',
  'failure_date',
  'received_date',
  'state',
  'miles',
  'vehicle_speed',
  'description',
  'complaint_type',
  'product_type',
  'police_report',
  'medical_attention',
  'vehicles_towed',
] as const satisfies readonly (keyof ComplaintInput)[];

/** NHTSA owner complaints: per-vehicle pages and totals, and the import's writes. */
export class ComplaintsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Inserts new complaint lines and replaces changed ones (NHTSA may revise a
   * CMPLID between releases); identical ones are left alone. A CMPLID listed
   * twice keeps its first occurrence. Run it inside a transaction.
   *
   * Atomic on both engines, so concurrent imports of the same lines report true
   * counts (see {@link claimThenReplace}): the content hash is compared inside
   * the upsert itself, never from an earlier read.
   */
  async upsert(inputs: readonly ComplaintInput[], now: string): Promise<BatchOutcome> {
    const rows = new Map<number, Insertable<ComplaintsTable> & { cmplid: number; content_hash: string }>();
    for (const input of inputs) {
      if (rows.has(input.cmplid)) continue;
      const hash = contentHash(COMPLAINT_CONTENT_COLUMNS.map((column) => input[column]));
      rows.set(input.cmplid, { ...input, content_hash: hash, updated_at: now });
    }
    const { inserted, updated } = await claimThenReplace(
      [...rows.values()],
      (row) => row.cmplid,
      async (chunk) => {
        const added = await this.db.insertInto('complaints').values(chunk).onConflict((conflict) => conflict.column('cmplid').doNothing()).returning('cmplid').execute();
        return added.map((row) => row.cmplid);
      },
      async (chunk) => {
        const replaced = await this.db
          .insertInto('complaints')
          .values(chunk)
          .onConflict((conflict) =>
            conflict
              .column('cmplid')
              .doUpdateSet(fromExcluded([...COMPLAINT_CONTENT_COLUMNS, 'content_hash', 'updated_at']))
              .where(sql<SqlBool>`${sql.ref('complaints.content_hash')} <> ${sql.ref('excluded.content_hash')}`),
          )
          .returning('cmplid')
          .execute();
        return replaced.length;
      },
    );
    return { inserted, updated, unchanged: rows.size - inserted - updated };
  }

  /** Complaint lines for one vehicle, most recently received first. */
  async findForVehicle(
    vehicle: VehicleQuery,
    page: { limit?: number | undefined; offset?: number | undefined } = {},
  ): Promise<ComplaintPage> {
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const forVehicle = this.db
      .selectFrom('complaints')
      .where('make', '=', vehicle.make)
      .where('model', '=', vehicle.model)
      .where('model_year', '=', vehicle.year);
    const [rows, count] = await Promise.all([
      forVehicle
        .selectAll()
        .orderBy(sql`case when received_date is null then 1 else 0 end`)
        .orderBy('received_date', 'desc')
        .orderBy('cmplid', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      forVehicle.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map(toComplaint), total: toCount(count?.total) };
  }

  /**
   * Per-complaint (ODI number) totals for one vehicle. With `componentKeywords`,
   * only complaints with a line whose component contains one of them count.
   */
  async totalsForVehicle(
    vehicle: VehicleQuery,
    componentKeywords?: readonly string[],
  ): Promise<ComplaintTotals> {
    const componentFilter =
      componentKeywords === undefined
        ? sql<SqlBool>`1 = 1`
        : componentKeywords.length === 0
          ? sql<SqlBool>`1 = 0`
          : sql<SqlBool>`(${sql.join(
              componentKeywords.map((keyword) => sql`component like ${containsPattern(keyword)} escape '\\'`),
              sql` or `,
            )})`;
    // CASE instead of max(boolean): PostgreSQL has no max() for booleans, SQLite no bool_or().
    const result = await sql<{ complaints: string | number; crashes: string | number | null; fires: string | number | null; injuries: string | number | null; deaths: string | number | null }>`
      select count(*) as complaints, sum(crash) as crashes, sum(fire) as fires, sum(injured) as injuries, sum(deaths) as deaths
      from (
        select odi_number,
          max(case when crash then 1 else 0 end) as crash,
          max(case when fire then 1 else 0 end) as fire,
          max(injured) as injured,
          max(deaths) as deaths
        from complaints
        where make = ${vehicle.make} and model = ${vehicle.model} and model_year = ${vehicle.year} and ${componentFilter}
        group by odi_number
      ) as per_complaint`.execute(this.db);
    const row = result.rows[0];
    return {
      complaints: toCount(row?.complaints),
      crashes: toCount(row?.crashes),
      fires: toCount(row?.fires),
      injuries: toCount(row?.injuries),
      deaths: toCount(row?.deaths),
    };
  }
}
