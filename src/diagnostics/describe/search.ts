import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import { pgTrigramSchema } from '../../db/migrations/0010-diagnosis.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { documentKey, parseDocumentKey } from './index-sync.js';
import { stemWord, trigramSimilarity, trigramsOf } from './text.js';

/**
 * The engine-specific half of symptom search: vocabulary look-ups (exact,
 * typo, compound), which documents each term matches, the graph walk and
 * complaint summaries. Each answers the same on both engines; where an engine
 * only narrows candidates (trigram look-ups), the final choice is made here
 * in JS with pg_trgm's formula, so both choose alike.
 */

/** A vocabulary word a user's word resolved to, and how. */
export interface VocabularyMatch {
  readonly word: string;
  readonly folded: string;
  readonly kind: 'exact' | 'typo' | 'compound';
}

/** The least trigram similarity that counts as a typo of a vocabulary word. */
export const TYPO_SIMILARITY = 0.5;
/** Typo corrections kept per word. */
const TYPO_CANDIDATES_KEPT = 2;
/** Candidates a trigram look-up may return before the similarity check. */
const TRIGRAM_CANDIDATE_LIMIT = 200;
/** A word this long may be part of a compound ("hibajel" in "motorhibajelző"), or made of known words. */
const MIN_COMPOUND_PART = 5;
const COMPOUNDS_KEPT = 4;

/** pg_trgm's schema per database handle: looked up once, not on every request. */
const trigramSchemas = new WeakMap<Database, Promise<string>>();

export class DiagnosisSearch {
  constructor(private readonly database: Database) {}

  private get db(): Kysely<DatabaseSchema> {
    return this.database.db;
  }

  /** Each folded word's vocabulary matches: itself when known, else close spellings, and compounds around it. */
  async resolveWords(foldedWords: readonly string[]): Promise<Map<string, VocabularyMatch[]>> {
    const unique = [...new Set(foldedWords)].filter((word) => word.length >= 3);
    const resolved = new Map<string, VocabularyMatch[]>(unique.map((word) => [word, []]));
    if (unique.length === 0) return resolved;
    const parts = new Set<string>();
    for (const word of unique) for (const part of substringsOf(word, MIN_COMPOUND_PART)) parts.add(part);
    const known = await this.db
      .selectFrom('diagnosis_vocabulary')
      .select(['folded', 'word'])
      .where('folded', 'in', [...new Set([...unique, ...parts])])
      .execute();
    const knownByFolded = new Map(known.map((row) => [row.folded, row.word]));

    await Promise.all(
      unique.map(async (folded) => {
        const matches = resolved.get(folded) ?? [];
        const exact = knownByFolded.get(folded);
        if (exact !== undefined) matches.push({ word: exact, folded, kind: 'exact' });
        if (exact === undefined && folded.length >= 4) {
          const candidates = await this.trigramCandidates(folded);
          const ranked = candidates
            .map((candidate) => ({ ...candidate, similarity: trigramSimilarity(folded, candidate.folded) }))
            .filter((candidate) => candidate.similarity >= TYPO_SIMILARITY)
            .sort((left, right) => right.similarity - left.similarity || compareText(left.folded, right.folded))
            .slice(0, TYPO_CANDIDATES_KEPT);
          for (const candidate of ranked) matches.push({ word: candidate.word, folded: candidate.folded, kind: 'typo' });
        }
        if (folded.length >= MIN_COMPOUND_PART) {
          const containing = exact === undefined ? await this.wordsContaining(folded) : [];
          const inside = maximalParts(folded, knownByFolded);
          for (const candidate of [...containing, ...inside].slice(0, COMPOUNDS_KEPT)) {
            if (!matches.some((match) => match.folded === candidate.folded)) matches.push({ ...candidate, kind: 'compound' });
          }
        }
        resolved.set(folded, matches);
      }),
    );
    return resolved;
  }

  private async pgTrigramSchema(): Promise<string> {
    let schema = trigramSchemas.get(this.database);
    if (schema === undefined) {
      schema = pgTrigramSchema(this.db);
      trigramSchemas.set(this.database, schema);
      schema.catch(() => trigramSchemas.delete(this.database));
    }
    return schema;
  }

  /** Vocabulary words sharing trigrams with `folded` (a superset of the close ones; ordered so a limit keeps the closest). */
  private async trigramCandidates(folded: string): Promise<{ folded: string; word: string }[]> {
    if (this.database.engine === 'postgres') {
      const schema = await this.pgTrigramSchema();
      const similarity = sql`${sql.id(schema)}.similarity(folded, ${folded})`;
      return this.db
        .selectFrom('diagnosis_vocabulary')
        .select(['folded', 'word'])
        // lower(folded) is folded itself; the expression is what the trigram index is on (see migration 0010).
        .where(sql<boolean>`lower(folded) operator(${sql.id(schema)}.%) ${folded}`)
        .orderBy(similarity, 'desc')
        .orderBy('folded')
        .limit(TRIGRAM_CANDIDATE_LIMIT)
        .execute();
    }
    const trigrams = [...trigramsOf(folded)].map((trigram) => trigram.trim()).filter((trigram) => trigram.length === 3);
    if (trigrams.length === 0) return [];
    const query = [...new Set(trigrams)].map((trigram) => `"${trigram}"`).join(' OR ');
    const { rows } = await sql<{ folded: string; word: string }>`
      select v.folded, v.word from diagnosis_vocabulary_trigram t join diagnosis_vocabulary v on v.folded = t.folded
      where diagnosis_vocabulary_trigram match ${query} order by t.rank, v.folded limit ${TRIGRAM_CANDIDATE_LIMIT}`.execute(this.db);
    return rows;
  }

  /** Vocabulary words that contain `folded` ("hibajel" → "motorhibajelzo"), shortest first. */
  private async wordsContaining(folded: string): Promise<{ folded: string; word: string }[]> {
    const rows =
      this.database.engine === 'postgres'
        ? await this.db
            .selectFrom('diagnosis_vocabulary')
            .select(['folded', 'word'])
            .where(sql<boolean>`lower(folded) like ${`%${folded}%`}`)
            .where('folded', '!=', folded)
            .execute()
        : (
            await sql<{ folded: string; word: string }>`
              select v.folded, v.word from diagnosis_vocabulary_trigram t join diagnosis_vocabulary v on v.folded = t.folded
              where diagnosis_vocabulary_trigram match ${`"${folded}"`} and v.folded != ${folded}`.execute(this.db)
          ).rows;
    return rows.sort((left, right) => left.folded.length - right.folded.length || compareText(left.folded, right.folded)).slice(0, COMPOUNDS_KEPT);
  }

  /**
   * Which documents (keyed `code:make`) each term matches, by full-text
   * search: PostgreSQL's `hungarian` and `english` configurations, SQLite's
   * FTS5 over the same Snowball stems. A term of four or more stem letters
   * also matches longer words from the same stem (prefix), which joins the
   * Hungarian derivations Snowball leaves apart.
   */
  async matchDocuments(terms: readonly string[]): Promise<Map<number, Set<string>>> {
    const matched = new Map<number, Set<string>>(terms.map((_, index) => [index, new Set<string>()]));
    const queries = terms.map((term, index) => ({ index, word: term.replace(/[^\p{L}\p{N}]+/gu, '') })).filter((term) => term.word.length >= 2);
    if (queries.length === 0) return matched;
    let rows: { code: string; make: string; term: number | string }[];
    if (this.database.engine === 'postgres') {
      // One pass over the documents against every term's two queries, each parsed once (a materialised CTE), not one scan per term.
      const values = queries.map(
        ({ index, word }) =>
          sql`(${sql.lit(index)}, to_tsquery('hungarian', ${tsQueryTerm(word, stemWord(word, 'hu'))}), to_tsquery('english', ${tsQueryTerm(word, stemWord(word, 'en'))}))`,
      );
      rows = (
        await sql<{ code: string; make: string; term: number | string }>`
          with terms (term, hu, en) as materialized (values ${sql.join(values)})
          select d.code, d.make, terms.term from diagnosis_documents d join terms on d.tsv_hu @@ terms.hu or d.tsv_en @@ terms.en`.execute(this.db)
      ).rows;
    } else {
      const selects = queries.map(({ index, word }) => {
        const match = `stems_hu : ${fts5Term(stemWord(word, 'hu'))} OR stems_en : ${fts5Term(stemWord(word, 'en'))}`;
        return sql`select doc_key, ${sql.lit(index)} as term from diagnosis_documents_fts where diagnosis_documents_fts match ${match}`;
      });
      const found = (await sql<{ doc_key: string; term: number | string }>`${sql.join(selects, sql` union all `)}`.execute(this.db)).rows;
      rows = found.map((row) => ({ ...parseDocumentKey(row.doc_key), term: row.term }));
    }
    for (const row of rows) matched.get(Number(row.term))?.add(documentKey(row.code, row.make));
    return matched;
  }

  /** How many documents there are: the N of the terms' inverse document frequency. */
  async documentCount(): Promise<number> {
    const row = await this.db
      .selectFrom('diagnosis_documents')
      .select((eb) => eb.fn.countAll<string | number>().as('total'))
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /**
   * Walks the graph from `starts` along weighted edges, at most `maxDepth`
   * steps, multiplying weights: every node reached, from which start, along
   * which path, with what score. Cycles end at the depth bound.
   */
  async walk(starts: readonly string[], maxDepth = 3): Promise<GraphStep[]> {
    if (starts.length === 0) return [];
    const rows = await this.db
      .withRecursive('walk(node, origin, path, score, depth)', (qb) =>
        qb
          .selectFrom('diagnosis_edges')
          .select([
            'target as node',
            'source as origin',
            sql<string>`cast(source as text)`.as('path'),
            'weight as score',
            sql<number>`1`.as('depth'),
          ])
          .where('source', 'in', [...starts])
          .unionAll((union) =>
            union
              .selectFrom('walk')
              .innerJoin('diagnosis_edges', 'diagnosis_edges.source', 'walk.node')
              .select([
                'diagnosis_edges.target as node',
                'walk.origin as origin',
                sql<string>`walk.path || '>' || diagnosis_edges.source`.as('path'),
                sql<number>`walk.score * diagnosis_edges.weight`.as('score'),
                sql<number>`walk.depth + 1`.as('depth'),
              ])
              .where('walk.depth', '<', maxDepth),
          ),
      )
      .selectFrom('walk')
      .select(['node', 'origin', 'path', 'score'])
      .orderBy('node')
      .orderBy('origin')
      .orderBy('path')
      .execute();
    return rows.map((row) => ({ node: row.node, origin: row.origin, path: row.path.split('>'), score: row.score }));
  }

  /** Graph nodes by id (labels and checks). */
  async nodes(ids: readonly string[]): Promise<Map<string, GraphNodeRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('diagnosis_nodes').selectAll().where('id', 'in', [...ids]).execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Codes each component links to, strongest first. */
  async codesOfComponents(components: readonly string[]): Promise<Map<string, string[]>> {
    if (components.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('diagnosis_edges')
      .select(['source', 'target'])
      .where('source', 'in', [...components])
      .where('target', 'like', 'code:%')
      .orderBy('source')
      .orderBy('weight', 'desc')
      .orderBy('target')
      .execute();
    const codes = new Map<string, string[]>();
    for (const row of rows) codes.set(row.source, [...(codes.get(row.source) ?? []), row.target.slice('code:'.length)]);
    return codes;
  }

  /**
   * Complaints about one vehicle whose summary matches any of the English
   * phrases, best match first (PostgreSQL: `websearch_to_tsquery` and
   * `ts_rank_cd`; SQLite: FTS5's bm25), with the total that match.
   */
  async complaintsMatching(vehicle: { make: string; model: string; year: number }, phrases: readonly string[], limit: number): Promise<{ total: number; items: MatchingComplaint[] }> {
    const cleaned = [...new Set(phrases.map((phrase) => phrase.replace(/[^\p{L}\p{N} ]+/gu, ' ').trim().toLowerCase()).filter((phrase) => phrase !== ''))];
    if (cleaned.length === 0) return { total: 0, items: [] };
    if (this.database.engine === 'postgres') {
      const query = sql`websearch_to_tsquery('english', ${cleaned.map((phrase) => (phrase.includes(' ') ? `"${phrase}"` : phrase)).join(' or ')})`;
      const document = sql`to_tsvector('english', coalesce(description, ''))`;
      const { rows } = await sql<MatchingComplaintRow>`
        select cmplid, odi_number, component, description, crash, fire, failure_date, count(*) over () as total
        from complaints where make = ${vehicle.make} and model = ${vehicle.model} and model_year = ${vehicle.year} and ${document} @@ ${query}
        order by ts_rank_cd(${document}, ${query}) desc, cmplid desc limit ${limit}`.execute(this.db);
      return { total: Number(rows[0]?.total ?? 0), items: rows.map(toMatchingComplaint) };
    }
    const match = cleaned.map((phrase) => `"${phrase}"`).join(' OR ');
    const { rows } = await sql<MatchingComplaintRow>`
      select c.cmplid, c.odi_number, c.component, c.description, c.crash, c.fire, c.failure_date, count(*) over () as total
      from complaints_fts f join complaints c on c.cmplid = f.rowid
      where complaints_fts match ${match} and c.make = ${vehicle.make} and c.model = ${vehicle.model} and c.model_year = ${vehicle.year}
      order by f.rank, c.cmplid desc limit ${limit}`.execute(this.db);
    return { total: Number(rows[0]?.total ?? 0), items: rows.map(toMatchingComplaint) };
  }
}

export interface GraphStep {
  readonly node: string;
  readonly origin: string;
  /** The nodes from the origin up to (not including) `node`. */
  readonly path: readonly string[];
  readonly score: number;
}

export interface GraphNodeRow {
  readonly id: string;
  readonly kind: 'symptom' | 'system' | 'component';
  readonly label_hu: string;
  readonly label_en: string;
  readonly checks_hu: string;
  readonly checks_en: string;
}

/** Complaint summaries are cut to this many characters in an answer. */
export const COMPLAINT_SUMMARY_LENGTH = 300;

export interface MatchingComplaint {
  readonly cmplid: number;
  readonly odi_number: number;
  readonly component: string;
  readonly summary: string;
  readonly crash: boolean;
  readonly fire: boolean;
  readonly failure_date: string | null;
}

interface MatchingComplaintRow {
  cmplid: number;
  odi_number: number;
  component: string;
  description: string | null;
  crash: boolean | number;
  fire: boolean | number;
  failure_date: string | null;
  total: string | number;
}

function toMatchingComplaint(row: MatchingComplaintRow): MatchingComplaint {
  const description = row.description ?? '';
  return {
    cmplid: row.cmplid,
    odi_number: row.odi_number,
    component: row.component,
    summary: description.length > COMPLAINT_SUMMARY_LENGTH ? `${description.slice(0, COMPLAINT_SUMMARY_LENGTH - 1)}…` : description,
    crash: row.crash === true || row.crash === 1,
    fire: row.fire === true || row.fire === 1,
    failure_date: row.failure_date,
  };
}

/** Stems of four letters or more match as prefixes (see {@link DiagnosisSearch.matchDocuments}). */
const MIN_PREFIX_STEM = 4;

function tsQueryTerm(word: string, stem: string): string {
  return stem.length >= MIN_PREFIX_STEM ? `'${word}':*` : `'${word}'`;
}

function fts5Term(stem: string): string {
  const quoted = `"${stem.replace(/"/g, '')}"`;
  return stem.length >= MIN_PREFIX_STEM ? `${quoted}*` : quoted;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Every substring of `word` at least `minLength` long, except the word itself. */
function substringsOf(word: string, minLength: number): string[] {
  const parts: string[] = [];
  for (let start = 0; start < word.length; start += 1) {
    for (let end = start + minLength; end <= word.length; end += 1) if (end - start < word.length) parts.push(word.slice(start, end));
  }
  return parts;
}

/** Known words inside `word` that no longer known word inside it contains ("motorhibalampa" → "motorhiba", "lampa"), longest first. */
function maximalParts(word: string, known: ReadonlyMap<string, string>): { folded: string; word: string }[] {
  const inside = substringsOf(word, MIN_COMPOUND_PART).filter((part) => known.has(part));
  return [...new Set(inside)]
    .filter((part) => !inside.some((other) => other !== part && other.includes(part)))
    .sort((left, right) => right.length - left.length || compareText(left, right))
    .map((part) => ({ folded: part, word: known.get(part) ?? part }));
}

