import { sql, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { dtcSystemOf, isGenericDtcCode, type DtcSystem } from '../../diagnostics/dtc-code.js';
import { toBoolean, toIsoTimestamp, type DatabaseSchema, type DtcCodesTable } from '../schema.js';
import type { DatabaseEngine } from '../database.js';
import { reusableQuery } from '../reusable-query.js';
import { chunksWithinParameterLimit } from './bound-parameters.js';
import { contentHash, decodeStringArray, encodeStringArray, fromExcluded, pageBounds, toCount, type BatchOutcome } from './column-values.js';
import { containsPattern, foldForSearch, prefixPattern, searchTerms } from './text-search.js';
import { normalizeVehicleName } from './vehicles.js';

export type DtcSeverity = 'low' | 'medium' | 'high' | 'critical';

export const DTC_SEVERITIES: readonly DtcSeverity[] = ['low', 'medium', 'high', 'critical'];

/** The stored `make` of a code's meaning for every make (generic SAE codes). */
const EVERY_MAKE = '';

/**
 * A make as stored: trimmed, inner spaces collapsed, upper-case: the way
 * NHTSA data and the quick analysis name makes, so `Ford ` finds FORD's codes.
 */
export function normalizeDtcMake(make: string): string {
  return normalizeVehicleName(make);
}

/** A trouble code as the API returns it. */
export interface DtcCode {
  readonly code: string;
  /** The make whose meaning this is; null: the meaning for every make. */
  readonly make: string | null;
  readonly system: DtcSystem;
  readonly is_generic: boolean;
  readonly description_en: string;
  readonly description_hu: string | null;
  readonly severity: DtcSeverity | null;
  readonly symptoms: string[];
  readonly possible_causes: string[];
  /** The same in Hungarian; empty where no import gave them. */
  readonly symptoms_hu: string[];
  readonly possible_causes_hu: string[];
  readonly related_codes: string[];
  readonly sources: string[];
  readonly updated_at: string;
}

/**
 * One code as an import supplies it. The code must already be normalised
 * (upper case, valid). Empty fields keep what the database has: a file with
 * only English descriptions does not erase Hungarian ones.
 */
export interface DtcCodeInput {
  readonly code: string;
  /** The make whose meaning this is (normalised here, see {@link normalizeDtcMake}); absent or empty: every make. */
  readonly make?: string;
  readonly description_en: string;
  readonly description_hu: string | null;
  readonly severity: DtcSeverity | null;
  readonly symptoms: readonly string[];
  readonly possible_causes: readonly string[];
  /** Hungarian lists; absent or empty keeps what is stored. */
  readonly symptoms_hu?: readonly string[];
  readonly possible_causes_hu?: readonly string[];
  readonly related_codes: readonly string[];
  /** Where this record came from; added to the code's existing sources. */
  readonly sources: readonly string[];
}

export interface DtcSearchQuery {
  /** Free text or a code prefix; empty lists every code. */
  readonly q?: string | undefined;
  readonly system?: DtcSystem | undefined;
  /** Only the meanings for every make and this make's own; without it, every row. */
  readonly make?: string | undefined;
  /** 1–100, default 20. */
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

export interface DtcSearchResult {
  readonly items: DtcCode[];
  readonly total: number;
}

type DtcCodeRow = Selectable<DtcCodesTable>;

function toDtcCode(row: DtcCodeRow): DtcCode {
  return {
    code: row.code,
    make: row.make === EVERY_MAKE ? null : row.make,
    system: row.system,
    is_generic: toBoolean(row.is_generic),
    description_en: row.description_en,
    description_hu: row.description_hu,
    severity: row.severity,
    symptoms: decodeStringArray(row.symptoms),
    possible_causes: decodeStringArray(row.possible_causes),
    symptoms_hu: decodeStringArray(row.symptoms_hu),
    possible_causes_hu: decodeStringArray(row.possible_causes_hu),
    related_codes: decodeStringArray(row.related_codes),
    sources: decodeStringArray(row.sources),
    updated_at: toIsoTimestamp(row.updated_at),
  };
}

/** What a code stores besides the code itself: an input's fields, or a merge's result. */
type DtcContent = Required<Omit<DtcCodeInput, 'code' | 'make'>>;

/** New values win; empty ones keep the stored value; sources accumulate in first-seen order. */
function mergeDtcContent(stored: DtcContent | undefined, input: DtcCodeInput): DtcContent {
  const pick = <T>(incoming: readonly T[], kept: readonly T[] | undefined): readonly T[] => (incoming.length > 0 ? incoming : (kept ?? []));
  return {
    description_en: input.description_en,
    description_hu: input.description_hu ?? stored?.description_hu ?? null,
    severity: input.severity ?? stored?.severity ?? null,
    symptoms: pick(input.symptoms, stored?.symptoms),
    possible_causes: pick(input.possible_causes, stored?.possible_causes),
    symptoms_hu: pick(input.symptoms_hu ?? [], stored?.symptoms_hu),
    possible_causes_hu: pick(input.possible_causes_hu ?? [], stored?.possible_causes_hu),
    related_codes: pick(input.related_codes, stored?.related_codes),
    sources: [...new Set([...(stored?.sources ?? []), ...input.sources])],
  };
}

/** A stored row's key: (code, make). */
function dtcKey(code: string, make: string): string {
  return `${code} ${make}`;
}

function inputMake(input: DtcCodeInput): string {
  return normalizeDtcMake(input.make ?? EVERY_MAKE);
}

/** Code order; within a code the row for every make (`''`) first, then makes alphabetically. */
function byCodeThenMake(left: { code: string; make: string }, right: { code: string; make: string }): number {
  if (left.code !== right.code) return left.code < right.code ? -1 : 1;
  return left.make < right.make ? -1 : left.make > right.make ? 1 : 0;
}

/** The row a look-up answers with from one code's rows: the (normalised) make's own, else the one for every make. */
function preferredRow<Row extends { readonly make: string }>(rows: readonly Row[], make: string): Row | undefined {
  return (make === EVERY_MAKE ? undefined : rows.find((row) => row.make === make)) ?? rows.find((row) => row.make === EVERY_MAKE);
}

/** Each of `codes` that has a row: its preferred row (see {@link preferredRow}), keyed by code, in the order given. */
function preferredRows<Row extends { readonly code: string; readonly make: string }>(rows: readonly Row[], codes: readonly string[], make: string): Map<string, Row> {
  const found = new Map<string, Row>();
  for (const code of new Set(codes)) {
    const row = preferredRow(
      rows.filter((candidate) => candidate.code === code),
      make,
    );
    if (row !== undefined) found.set(code, row);
  }
  return found;
}

function dtcRow(code: string, make: string, content: DtcContent, now: string) {
  const system = dtcSystemOf(code);
  const isGeneric = isGenericDtcCode(code);
  const values = [
    system,
    isGeneric,
    content.description_en,
    content.description_hu,
    content.severity,
    content.symptoms,
    content.possible_causes,
    content.related_codes,
    content.sources,
    content.symptoms_hu,
    content.possible_causes_hu,
  ];
  return {
    code,
    make,
    system,
    is_generic: isGeneric,
    description_en: content.description_en,
    description_hu: content.description_hu,
    severity: content.severity,
    symptoms: encodeStringArray(content.symptoms),
    possible_causes: encodeStringArray(content.possible_causes),
    symptoms_hu: encodeStringArray(content.symptoms_hu),
    possible_causes_hu: encodeStringArray(content.possible_causes_hu),
    related_codes: encodeStringArray(content.related_codes),
    sources: encodeStringArray(content.sources),
    search_text: foldForSearch(`${content.description_en} ${content.description_hu ?? ''}`),
    content_hash: contentHash(values),
    updated_at: now,
  };
}

const DTC_WRITTEN_COLUMNS = [
  'system',
  'is_generic',
  'description_en',
  'description_hu',
  'severity',
  'symptoms',
  'possible_causes',
  'symptoms_hu',
  'possible_causes_hu',
  'related_codes',
  'sources',
  'search_text',
  'content_hash',
  'updated_at',
] as const;

/**
 * Related codes looked up per query: an import does not bound a code's list, so
 * longer lists take several queries, and at most this many compiled shapes exist.
 */
const RELATED_CODES_PER_QUERY = 50;
// A code's related codes: compiled once per list length.
const descriptionsOf = reusableQuery((db: Kysely<DatabaseSchema>, make: string, ...codes: string[]) =>
  db.selectFrom('dtc_codes').select(['code', 'make', 'description_en', 'description_hu']).where('code', 'in', codes).where('make', 'in', [EVERY_MAKE, make]),
);
/** The codes' revision: changes with every write to `dtc_codes`, in its transaction (migration 0020). */
const revisionOfCodes = reusableQuery((db: Kysely<DatabaseSchema>) => db.selectFrom('dtc_codes_revision').select('revision').where('id', '=', 1));
/** A code's rows, every make's (the DTC page's query, compiled once: src/db/reusable-query.ts). */
const meaningsOf = reusableQuery((db: Kysely<DatabaseSchema>, code: string) => db.selectFrom('dtc_codes').selectAll().where('code', '=', code).orderBy('make'));

/** Trouble codes: search, look-up, per-system counts and the import's merge. */
export class DtcCodesRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Searches codes: code-prefix matches first (`P03` → P0300…P03FF), then
   * codes whose English or Hungarian description contains every word of `q`
   * (case- and accent-insensitive). `%` and `_` in `q` are literal characters.
   */
  async search(query: DtcSearchQuery): Promise<DtcSearchResult> {
    const { limit, offset } = pageBounds(query.limit, query.offset);
    const text = query.q?.trim() ?? '';
    const terms = searchTerms(text);
    const codePrefix = prefixPattern(text.toUpperCase());
    const codeMatches = sql<SqlBool>`${sql.ref('code')} like ${codePrefix} escape '\\'`;

    const matches = (eb: ExpressionBuilder<DatabaseSchema, 'dtc_codes'>) => {
      const conditions = [];
      if (terms.length > 0) {
        const textMatches = eb.and(terms.map((term) => sql<SqlBool>`${sql.ref('search_text')} like ${containsPattern(term)} escape '\\'`));
        conditions.push(eb.or([codeMatches, textMatches]));
      }
      if (query.system !== undefined) conditions.push(eb('system', '=', query.system));
      const make = query.make === undefined ? EVERY_MAKE : normalizeDtcMake(query.make);
      if (make !== EVERY_MAKE) conditions.push(eb('make', 'in', [EVERY_MAKE, make]));
      return eb.and(conditions);
    };

    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('dtc_codes')
        .selectAll()
        .where(matches)
        .orderBy(sql`case when ${codeMatches} then 0 else 1 end`)
        .orderBy('code')
        .orderBy('make')
        .limit(limit)
        .offset(offset)
        .execute(),
      this.db
        .selectFrom('dtc_codes')
        .select((eb) => eb.fn.countAll<string | number>().as('total'))
        .where(matches)
        .executeTakeFirst(),
    ]);
    return { items: rows.map(toDtcCode), total: toCount(count?.total) };
  }

  /**
   * One code's meaning: with `make`, that make's own row, else the one for
   * every make; without, the one for every make. Undefined when there is no
   * such row (the code may still have rows of other makes: see {@link variants}).
   */
  async find(code: string, make?: string): Promise<DtcCode | undefined> {
    return (await this.findMany([code], make)).get(code);
  }

  /** {@link find} for each of `codes`: the known ones, keyed by code. */
  async findMany(codes: readonly string[], make?: string): Promise<Map<string, DtcCode>> {
    if (codes.length === 0) return new Map();
    const wanted = make === undefined ? EVERY_MAKE : normalizeDtcMake(make);
    const rows = await this.db
      .selectFrom('dtc_codes')
      .selectAll()
      .where('code', 'in', [...codes])
      .where('make', 'in', [...new Set([EVERY_MAKE, wanted])])
      .execute();
    return new Map([...preferredRows(rows, codes, wanted)].map(([code, row]) => [code, toDtcCode(row)]));
  }

  /** Only the descriptions of {@link findMany}'s meanings: what a code's page lists of its related codes. */
  async descriptions(codes: readonly string[], make?: string): Promise<Map<string, { code: string; description_en: string; description_hu: string | null }>> {
    if (codes.length === 0) return new Map();
    const wanted = make === undefined ? EVERY_MAKE : normalizeDtcMake(make);
    const chunks: string[][] = [];
    for (let start = 0; start < codes.length; start += RELATED_CODES_PER_QUERY) chunks.push(codes.slice(start, start + RELATED_CODES_PER_QUERY));
    const rows = (await Promise.all(chunks.map((chunk) => descriptionsOf(this.db, wanted, ...chunk)))).flat();
    return new Map([...preferredRows(rows, codes, wanted)].map(([code, row]) => [code, { code: row.code, description_en: row.description_en, description_hu: row.description_hu }]));
  }

  /**
   * The codes' current revision: a new one with every write to them, made by
   * any process; undefined when its row is gone (then nothing may be cached).
   */
  async revision(): Promise<string | undefined> {
    return (await revisionOfCodes(this.db))[0]?.revision;
  }

  /** Every meaning of a code: the one for every make first, then each make's, alphabetically. */
  async variants(code: string): Promise<DtcCode[]> {
    return (await this.lookup(code)).variants;
  }

  /**
   * One code's lookup in one query: {@link variants}, and the meaning {@link find}
   * would give for `make`, else (only other makes know the code) the first make's.
   */
  async lookup(code: string, make?: string): Promise<{ meaning: DtcCode | undefined; variants: DtcCode[] }> {
    const rows = await meaningsOf(this.db, code);
    const preferred = preferredRow(rows, make === undefined ? EVERY_MAKE : normalizeDtcMake(make)) ?? rows[0];
    return { meaning: preferred === undefined ? undefined : toDtcCode(preferred), variants: rows.map(toDtcCode) };
  }

  /** How many codes each system has (zero for systems without codes); a code with several makes' meanings counts once. */
  async countBySystem(): Promise<Record<DtcSystem, number>> {
    const rows = await this.db
      .selectFrom('dtc_codes')
      .select(['system', (eb) => eb.fn.count<string | number>('code').distinct().as('total')])
      .groupBy('system')
      .execute();
    const counts: Record<DtcSystem, number> = { powertrain: 0, body: 0, chassis: 0, network: 0 };
    for (const row of rows) counts[row.system] = toCount(row.total);
    return counts;
  }

  /**
   * Inserts new codes and merges into stored ones (see {@link mergeDtcContent});
   * a code whose merged content equals what is stored is left alone (its
   * `updated_at` too). Rows are keyed by (code, make): each make's meaning of
   * a code is merged on its own. A key listed twice keeps its first occurrence.
   * Run it inside a transaction.
   *
   * Concurrent imports lose no merge and report true counts: new codes are
   * claimed by the insert itself (ON CONFLICT DO NOTHING RETURNING: exactly one
   * import inserts a code), and stored codes are read for the merge under a row
   * lock on PostgreSQL (`engine: 'postgres'`, SELECT ... FOR UPDATE, in code
   * order), so a second import merges into the first one's committed result.
   * SQLite runs one write transaction at a time, and this one holds the write
   * lock from its first insert, so its read is current there too.
   */
  async upsert(inputs: readonly DtcCodeInput[], now: string, engine?: DatabaseEngine): Promise<BatchOutcome> {
    const unique = new Map<string, { input: DtcCodeInput; code: string; make: string }>();
    for (const input of inputs) {
      const make = inputMake(input);
      const key = dtcKey(input.code, make);
      if (!unique.has(key)) unique.set(key, { input, code: input.code, make });
    }
    const ordered = [...unique.values()].sort(byCodeThenMake);
    let inserted = 0;
    let updated = 0;
    for (const chunk of chunksWithinParameterLimit(ordered, DTC_WRITTEN_COLUMNS.length + 2)) {
      const added = await this.db
        .insertInto('dtc_codes')
        .values(chunk.map(({ input, code, make }) => dtcRow(code, make, mergeDtcContent(undefined, input), now)))
        .onConflict((conflict) => conflict.columns(['code', 'make']).doNothing())
        .returning(['code', 'make'])
        .execute();
      inserted += added.length;
      const addedKeys = new Set(added.map((row) => dtcKey(row.code, row.make)));
      const existing = chunk.filter(({ code, make }) => !addedKeys.has(dtcKey(code, make)));
      if (existing.length === 0) continue;
      // Other makes' rows of these codes are read (and locked) too: few, and simpler than matching pairs in SQL.
      const read = this.db
        .selectFrom('dtc_codes')
        .selectAll()
        .where('code', 'in', [...new Set(existing.map(({ code }) => code))])
        .orderBy('code')
        .orderBy('make');
      const stored = await (engine === 'postgres' ? read.forUpdate() : read).execute();
      const storedByKey = new Map(stored.map((row) => [dtcKey(row.code, row.make), row]));
      const changed: ReturnType<typeof dtcRow>[] = [];
      for (const { input, code, make } of existing) {
        const current = storedByKey.get(dtcKey(code, make));
        const row = dtcRow(code, make, mergeDtcContent(current === undefined ? undefined : toDtcCode(current), input), now);
        if (current?.content_hash !== row.content_hash) changed.push(row);
      }
      if (changed.length === 0) continue;
      await this.db
        .insertInto('dtc_codes')
        .values(changed)
        .onConflict((conflict) => conflict.columns(['code', 'make']).doUpdateSet(fromExcluded(DTC_WRITTEN_COLUMNS)))
        .execute();
      updated += changed.length;
    }
    return { inserted, updated, unchanged: unique.size - inserted - updated };
  }
}
