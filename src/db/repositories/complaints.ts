import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { toBoolean, type ComplaintsTable, type DatabaseSchema } from '../schema.js';
import { pageBounds, pickColumns, toCount, toNullableBoolean, type BatchOutcome, type Page, type PageRequest } from './column-values.js';
import { upsertByContentHash, type ContentHashedTable } from './content-hashed-upsert.js';
import { componentMatchesAny, isVehicle } from './nhtsa-filters.js';
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

/** `total` counts lines (records) for the vehicle: what `limit`/`offset` page through. */
export type ComplaintPage = Page<Complaint>;

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

const COMPLAINTS: ContentHashedTable<'complaints', ComplaintInput> = {
  table: 'complaints',
  keyColumn: 'cmplid',
  contentColumns: COMPLAINT_CONTENT_COLUMNS,
  rowOf: (input) => input,
};

function toComplaint(row: Selectable<ComplaintsTable>): Complaint {
  return {
    cmplid: row.cmplid,
    ...pickColumns(row, COMPLAINT_CONTENT_COLUMNS),
    crash: toBoolean(row.crash),
    fire: toBoolean(row.fire),
    police_report: toNullableBoolean(row.police_report),
    medical_attention: toNullableBoolean(row.medical_attention),
    vehicles_towed: toNullableBoolean(row.vehicles_towed),
  };
}

/** NHTSA owner complaints: per-vehicle pages and totals, and the import's writes. */
export class ComplaintsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Inserts new complaint lines and replaces changed ones (NHTSA may revise a
   * CMPLID between releases); see {@link upsertByContentHash}.
   */
  async upsert(inputs: readonly ComplaintInput[], now: string): Promise<BatchOutcome> {
    return upsertByContentHash(this.db, COMPLAINTS, inputs, now);
  }

  /** Complaint lines for one vehicle, most recently received first. */
  async findForVehicle(vehicle: VehicleQuery, page: PageRequest = {}): Promise<ComplaintPage> {
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const forVehicle = this.db.selectFrom('complaints').where(isVehicle(vehicle));
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
  async totalsForVehicle(vehicle: VehicleQuery, componentKeywords?: readonly string[]): Promise<ComplaintTotals> {
    const componentFilter = componentKeywords === undefined ? sql<SqlBool>`1 = 1` : componentMatchesAny(componentKeywords);
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
        where ${isVehicle(vehicle)} and ${componentFilter}
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
