import { sql, type Kysely, type Selectable } from 'kysely';
import { toIsoTimestamp, type DatabaseSchema, type RecallsTable } from '../schema.js';
import { contentHash, pageBounds, pickColumns, toCount, toNullableBoolean, type BatchOutcome, type Page, type PageRequest } from './column-values.js';
import { upsertByContentHash, type ContentHashedTable } from './content-hashed-upsert.js';
import { componentMatchesAny, isVehicle } from './nhtsa-filters.js';
import type { VehicleQuery } from './vehicles.js';

/** A recall as the API returns it: one campaign for one make, model, year and component. */
export interface Recall {
  readonly campaign_number: string;
  readonly make: string;
  readonly model: string;
  readonly model_year: number | null;
  readonly component: string;
  readonly manufacturer: string | null;
  readonly manufacturer_campaign_number: string | null;
  /** NHTSA's RCLTYPECD: V vehicle, E equipment, T tire, C child seat. */
  readonly recall_type: string | null;
  readonly potentially_affected: number | null;
  readonly manufactured_from: string | null;
  readonly manufactured_to: string | null;
  readonly report_received_date: string | null;
  readonly owner_notification_date: string | null;
  readonly fmvss: string | null;
  readonly defect_summary: string | null;
  readonly consequence_summary: string | null;
  readonly corrective_action: string | null;
  readonly notes: string | null;
  readonly do_not_drive: boolean | null;
  readonly park_outside: boolean | null;
  readonly updated_at: string;
}

/** One recall line as an importer supplies it: make and model already normalised. */
export type RecallInput = Omit<Recall, 'updated_at'>;

export type RecallPage = Page<Recall>;

/** The row's identity: SHA-256 of (campaign, make, model, model year, component); a null year is its own value. */
export function recallKeyOf(recall: Pick<RecallInput, 'campaign_number' | 'make' | 'model' | 'model_year' | 'component'>): string {
  return contentHash([recall.campaign_number, recall.make, recall.model, recall.model_year, recall.component]);
}

const RECALL_CONTENT_COLUMNS = [
  'campaign_number',
  'make',
  'model',
  'model_year',
  'component',
  'manufacturer',
  'manufacturer_campaign_number',
  'recall_type',
  'potentially_affected',
  'manufactured_from',
  'manufactured_to',
  'report_received_date',
  'owner_notification_date',
  'fmvss',
  'defect_summary',
  'consequence_summary',
  'corrective_action',
  'notes',
  'do_not_drive',
  'park_outside',
] as const satisfies readonly (keyof RecallInput)[];

function toRecall(row: Selectable<RecallsTable>): Recall {
  return {
    ...pickColumns(row, RECALL_CONTENT_COLUMNS),
    do_not_drive: toNullableBoolean(row.do_not_drive),
    park_outside: toNullableBoolean(row.park_outside),
    updated_at: toIsoTimestamp(row.updated_at),
  };
}

const RECALLS: ContentHashedTable<'recalls', RecallInput> = {
  table: 'recalls',
  keyColumn: 'recall_key',
  contentColumns: RECALL_CONTENT_COLUMNS,
  rowOf: (input) => ({ ...input, recall_key: recallKeyOf(input) }),
};

/** NHTSA recalls: per-vehicle pages and the import's writes. */
export class RecallsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Inserts new recalls and replaces changed ones, keyed by {@link recallKeyOf};
   * see {@link upsertByContentHash}.
   */
  async upsert(inputs: readonly RecallInput[], now: string): Promise<BatchOutcome> {
    return upsertByContentHash(this.db, RECALLS, inputs, now);
  }

  /**
   * Recalls for one vehicle, newest report first. With `componentKeywords`,
   * recalls whose component matches one of them come first and are counted in
   * `relevant`.
   */
  async findForVehicle(
    vehicle: VehicleQuery,
    page: PageRequest = {},
    componentKeywords: readonly string[] = [],
  ): Promise<RecallPage & { relevant: number }> {
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const forVehicle = this.db.selectFrom('recalls').where(isVehicle(vehicle));
    const relevance = componentMatchesAny(componentKeywords);
    const [rows, count] = await Promise.all([
      forVehicle
        .selectAll()
        .orderBy(sql`case when ${relevance} then 0 else 1 end`)
        .orderBy(sql`case when report_received_date is null then 1 else 0 end`)
        .orderBy('report_received_date', 'desc')
        .orderBy('campaign_number')
        .orderBy('component')
        .limit(limit)
        .offset(offset)
        .execute(),
      forVehicle
        .select((eb) => [
          eb.fn.countAll<string | number>().as('total'),
          eb.fn.sum<string | number | null>(sql`case when ${relevance} then 1 else 0 end`).as('relevant'),
        ])
        .executeTakeFirst(),
    ]);
    return { items: rows.map(toRecall), total: toCount(count?.total), relevant: toCount(count?.relevant) };
  }
}
