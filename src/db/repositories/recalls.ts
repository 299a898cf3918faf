import { sql, type Insertable, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { toIsoTimestamp, type DatabaseSchema, type RecallsTable } from '../schema.js';
import { contentHash, fromExcluded, pageBounds, toCount, toNullableBoolean, type BatchOutcome } from './column-values.js';
import { claimThenReplace } from './bound-parameters.js';
import { containsPattern } from './text-search.js';
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

export interface RecallPage {
  readonly items: Recall[];
  readonly total: number;
}

function toRecall(row: Selectable<RecallsTable>): Recall {
  return {
    campaign_number: row.campaign_number,
    make: row.make,
    model: row.model,
    model_year: row.model_year,
    component: row.component,
    manufacturer: row.manufacturer,
    manufacturer_campaign_number: row.manufacturer_campaign_number,
    recall_type: row.recall_type,
    potentially_affected: row.potentially_affected,
    manufactured_from: row.manufactured_from,
    manufactured_to: row.manufactured_to,
    report_received_date: row.report_received_date,
    owner_notification_date: row.owner_notification_date,
    fmvss: row.fmvss,
    defect_summary: row.defect_summary,
    consequence_summary: row.consequence_summary,
    corrective_action: row.corrective_action,
    notes: row.notes,
    do_not_drive: toNullableBoolean(row.do_not_drive),
    park_outside: toNullableBoolean(row.park_outside),
    updated_at: toIsoTimestamp(row.updated_at),
  };
}

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

/** Upper-case keywords matched against the component name (contains); constants, still escaped. */
function componentMatchesAny(keywords: readonly string[]) {
  return sql<SqlBool>`(${sql.join(
    keywords.map((keyword) => sql`${sql.ref('component')} like ${containsPattern(keyword)} escape '\\'`),
    sql` or `,
  )})`;
}

/** NHTSA recalls: per-vehicle pages and the import's writes. */
export class RecallsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Inserts new recalls and replaces changed ones; identical ones are left
   * alone. A key listed twice keeps its first occurrence. Run it inside a
   * transaction. Atomic on both engines (see {@link claimThenReplace}): new
   * keys are claimed by the insert itself, changed content detected inside the upsert.
   */
  async upsert(inputs: readonly RecallInput[], now: string): Promise<BatchOutcome> {
    const rows = new Map<string, Insertable<RecallsTable> & { recall_key: string; content_hash: string }>();
    for (const input of inputs) {
      const key = recallKeyOf(input);
      if (rows.has(key)) continue;
      const hash = contentHash(RECALL_CONTENT_COLUMNS.map((column) => input[column]));
      rows.set(key, { ...input, recall_key: key, content_hash: hash, updated_at: now });
    }
    const { inserted, updated } = await claimThenReplace(
      [...rows.values()],
      (row) => row.recall_key,
      async (chunk) => {
        const added = await this.db.insertInto('recalls').values(chunk).onConflict((conflict) => conflict.column('recall_key').doNothing()).returning('recall_key').execute();
        return added.map((row) => row.recall_key);
      },
      async (chunk) => {
        const replaced = await this.db
          .insertInto('recalls')
          .values(chunk)
          .onConflict((conflict) =>
            conflict
              .column('recall_key')
              .doUpdateSet(fromExcluded([...RECALL_CONTENT_COLUMNS, 'content_hash', 'updated_at']))
              .where(sql<SqlBool>`${sql.ref('recalls.content_hash')} <> ${sql.ref('excluded.content_hash')}`),
          )
          .returning('recall_key')
          .execute();
        return replaced.length;
      },
    );
    return { inserted, updated, unchanged: rows.size - inserted - updated };
  }

  /**
   * Recalls for one vehicle, newest report first. With `componentKeywords`,
   * recalls whose component matches one of them come first and are counted in
   * `relevant`.
   */
  async findForVehicle(
    vehicle: VehicleQuery,
    page: { limit?: number | undefined; offset?: number | undefined } = {},
    componentKeywords: readonly string[] = [],
  ): Promise<RecallPage & { relevant: number }> {
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const forVehicle = this.db
      .selectFrom('recalls')
      .where('make', '=', vehicle.make)
      .where('model', '=', vehicle.model)
      .where('model_year', '=', vehicle.year);
    const relevance = componentKeywords.length > 0 ? componentMatchesAny(componentKeywords) : sql<SqlBool>`1 = 0`;
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
