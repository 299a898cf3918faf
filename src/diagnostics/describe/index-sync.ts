import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, DatabaseEngine } from '../../db/index.js';
import { chunksWithinParameterLimit } from '../../db/repositories/bound-parameters.js';
import { contentHash, decodeStringArray } from '../../db/repositories/column-values.js';
import type { DatabaseSchema } from '../../db/schema.js';
import { bundledKnowledge, codesOfLink, type Knowledge } from './knowledge.js';
import { DESCRIBE_LANGUAGES, foldWord, stemWord, wordsOf, type DescribeLanguage } from './text.js';

/**
 * Keeps the derived diagnosis tables in step with what they come from: the
 * graph with the knowledge file and the set of codes (ranges expand against
 * it), the documents with each code's content hash. Cheap when nothing
 * changed (two fingerprint reads), so it runs at start-up and after every
 * import, seed and restore.
 */

/** The edge target that stands for a trouble code. */
export function codeNodeId(code: string): string {
  return `code:${code}`;
}

/** How documents are keyed (in the SQLite full-text table, and in the scoring). */
export function documentKey(code: string, make: string): string {
  return `${code}:${make}`;
}

export function parseDocumentKey(key: string): { code: string; make: string } {
  const separator = key.indexOf(':');
  return { code: key.slice(0, separator), make: key.slice(separator + 1) };
}

export interface IndexSyncReport {
  readonly graphRebuilt: boolean;
  readonly documentsWritten: number;
  readonly documentsRemoved: number;
}

/** Words a vocabulary entry may hold: longer ones are not words a driver types. */
const MAX_VOCABULARY_WORD_LENGTH = 64;

/** Serialises syncs of one PostgreSQL database (two instances starting together); SQLite has one writer anyway. */
const SYNC_LOCK_KEY = 0x4443_4453;

async function lockForSync(transaction: Transaction<DatabaseSchema>, engine: DatabaseEngine): Promise<void> {
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${SYNC_LOCK_KEY})`.execute(transaction);
}

async function storedState(db: Kysely<DatabaseSchema>, name: string): Promise<string | undefined> {
  return (await db.selectFrom('diagnosis_state').select('value').where('name', '=', name).executeTakeFirst())?.value;
}

async function writeState(db: Kysely<DatabaseSchema>, name: string, value: string): Promise<void> {
  await db
    .insertInto('diagnosis_state')
    .values({ name, value })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ value }))
    .execute();
}

const firstSync = new WeakMap<Database, Promise<IndexSyncReport>>();

/**
 * Syncs once per database handle and process: what a request awaits, so a
 * server started any way (and a test app) answers from an index built from
 * its data. Later imports sync themselves; a failed sync is retried by the
 * next request.
 */
export async function ensureDiagnosisIndex(database: Database): Promise<void> {
  let sync = firstSync.get(database);
  if (sync === undefined) {
    sync = syncDiagnosisIndex(database);
    firstSync.set(database, sync);
  }
  try {
    await sync;
  } catch (error) {
    if (firstSync.get(database) === sync) firstSync.delete(database);
    throw error;
  }
}

/** Brings the derived tables up to date; see the module comment. */
export async function syncDiagnosisIndex(database: Database, knowledge: Knowledge = bundledKnowledge()): Promise<IndexSyncReport> {
  const graphRebuilt = await syncGraph(database, knowledge);
  const documents = await syncDocuments(database);
  return { graphRebuilt, ...documents };
}

async function syncGraph(database: Database, knowledge: Knowledge): Promise<boolean> {
  const codes = (await database.db.selectFrom('dtc_codes').select('code').distinct().orderBy('code').execute()).map((row) => row.code);
  const wanted = contentHash([
    [...knowledge.nodes.values()].map((node) => [node.id, node.kind, node.label, node.checks, node.phrases.map((phrase) => phrase.text)]),
    knowledge.edges,
    [...knowledge.codeLinks.entries()],
    codes,
  ]);
  if ((await storedState(database.db, 'graph')) === wanted) return false;

  const nodes = [...knowledge.nodes.values()].map((node) => ({
    id: node.id,
    kind: node.kind,
    label_hu: node.label.hu,
    label_en: node.label.en,
    checks_hu: JSON.stringify(node.checks.hu),
    checks_en: JSON.stringify(node.checks.en),
  }));
  const edges = new Map<string, { source: string; target: string; weight: number }>();
  const addEdge = (source: string, target: string, weight: number): void => {
    const key = `${source}>${target}`;
    if ((edges.get(key)?.weight ?? 0) < weight) edges.set(key, { source, target, weight });
  };
  for (const edge of knowledge.edges) addEdge(edge.from, edge.to, edge.weight);
  for (const [component, links] of knowledge.codeLinks) for (const link of links) for (const code of codesOfLink(link, codes)) addEdge(component, codeNodeId(code), link.weight);

  await database.db.transaction().execute(async (transaction) => {
    await lockForSync(transaction, database.engine);
    await transaction.deleteFrom('diagnosis_edges').execute();
    await transaction.deleteFrom('diagnosis_nodes').execute();
    for (const chunk of chunksWithinParameterLimit(nodes, 6)) await transaction.insertInto('diagnosis_nodes').values(chunk).execute();
    for (const chunk of chunksWithinParameterLimit([...edges.values()], 3)) await transaction.insertInto('diagnosis_edges').values(chunk).execute();
    await insertVocabulary(
      transaction,
      database.engine,
      [...knowledge.nodes.values()].flatMap((node) => node.phrases.flatMap((phrase) => wordsOf(phrase.text))),
    );
    await writeState(transaction, 'graph', wanted);
  });
  return true;
}

/** Documents written per transaction. */
const DOCUMENT_BATCH = 500;

async function syncDocuments(database: Database): Promise<{ documentsWritten: number; documentsRemoved: number }> {
  const db = database.db;
  const [sources, indexed] = await Promise.all([
    db.selectFrom('dtc_codes').select(['code', 'make', 'content_hash']).execute(),
    db.selectFrom('diagnosis_documents').select(['code', 'make', 'content_hash']).execute(),
  ]);
  const sourceHashes = new Map(sources.map((row) => [documentKey(row.code, row.make), row.content_hash]));
  const indexedHashes = new Map(indexed.map((row) => [documentKey(row.code, row.make), row.content_hash]));
  const stale = sources.filter((row) => indexedHashes.get(documentKey(row.code, row.make)) !== row.content_hash);
  const removed = indexed.filter((row) => !sourceHashes.has(documentKey(row.code, row.make)));

  for (let start = 0; start < stale.length; start += DOCUMENT_BATCH) {
    const batch = stale.slice(start, start + DOCUMENT_BATCH);
    const wanted = new Set(batch.map((row) => documentKey(row.code, row.make)));
    const rows = (
      await db
        .selectFrom('dtc_codes')
        .select(['code', 'make', 'content_hash', 'description_en', 'description_hu', 'symptoms', 'possible_causes', 'symptoms_hu', 'possible_causes_hu'])
        .where('code', 'in', [...new Set(batch.map((row) => row.code))])
        .execute()
    ).filter((row) => wanted.has(documentKey(row.code, row.make)));
    const documents = rows.map((row) => ({
      code: row.code,
      make: row.make,
      content_hash: row.content_hash,
      text_hu: [row.description_hu ?? '', ...decodeStringArray(row.symptoms_hu), ...decodeStringArray(row.possible_causes_hu)].join('\n'),
      text_en: [row.description_en, ...decodeStringArray(row.symptoms), ...decodeStringArray(row.possible_causes)].join('\n'),
    }));
    await db.transaction().execute(async (transaction) => {
      await lockForSync(transaction, database.engine);
      for (const chunk of chunksWithinParameterLimit(documents, 5)) {
        await transaction
          .insertInto('diagnosis_documents')
          .values(chunk)
          .onConflict((conflict) =>
            conflict.columns(['code', 'make']).doUpdateSet((eb) => ({
              content_hash: eb.ref('excluded.content_hash'),
              text_hu: eb.ref('excluded.text_hu'),
              text_en: eb.ref('excluded.text_en'),
            })),
          )
          .execute();
      }
      if (database.engine === 'sqlite') await writeSqliteDocumentStems(transaction, documents);
      await insertVocabulary(
        transaction,
        database.engine,
        documents.flatMap((document) => [...wordsOf(document.text_hu), ...wordsOf(document.text_en)]),
      );
    });
  }
  if (removed.length > 0) {
    await db.transaction().execute(async (transaction) => {
      await lockForSync(transaction, database.engine);
      for (const row of removed) {
        await transaction.deleteFrom('diagnosis_documents').where('code', '=', row.code).where('make', '=', row.make).execute();
        if (database.engine === 'sqlite') await sql`delete from diagnosis_documents_fts where doc_key = ${documentKey(row.code, row.make)}`.execute(transaction);
      }
    });
  }
  return { documentsWritten: stale.length, documentsRemoved: removed.length };
}

/** Every word's stem in one language, space-separated: what the SQLite FTS5 table indexes (its tokenizer folds the accents). */
export function stemmedText(text: string, language: DescribeLanguage): string {
  return wordsOf(text)
    .map((word) => stemWord(word, language))
    .join(' ');
}

async function writeSqliteDocumentStems(
  transaction: Transaction<DatabaseSchema>,
  documents: readonly { code: string; make: string; text_hu: string; text_en: string }[],
): Promise<void> {
  for (const document of documents) {
    const key = documentKey(document.code, document.make);
    await sql`delete from diagnosis_documents_fts where doc_key = ${key}`.execute(transaction);
    const [stemsHu, stemsEn] = DESCRIBE_LANGUAGES.map((language) => stemmedText(language === 'hu' ? document.text_hu : document.text_en, language));
    await sql`insert into diagnosis_documents_fts (doc_key, stems_hu, stems_en) values (${key}, ${stemsHu}, ${stemsEn})`.execute(transaction);
  }
}

async function insertVocabulary(transaction: Transaction<DatabaseSchema>, engine: DatabaseEngine, words: readonly string[]): Promise<void> {
  const entries = new Map<string, string>();
  for (const word of words) {
    const folded = foldWord(word);
    if (folded.length < 3 || folded.length > MAX_VOCABULARY_WORD_LENGTH || /^\d+$/.test(folded) || entries.has(folded)) continue;
    entries.set(folded, word);
  }
  for (const chunk of chunksWithinParameterLimit([...entries].map(([folded, word]) => ({ folded, word })), 2)) {
    const added = await transaction
      .insertInto('diagnosis_vocabulary')
      .values(chunk)
      .onConflict((conflict) => conflict.column('folded').doNothing())
      .returning('folded')
      .execute();
    if (engine === 'sqlite') for (const row of added) await sql`insert into diagnosis_vocabulary_trigram (folded) values (${row.folded})`.execute(transaction);
  }
}
