import { PostgresAdapter, sql, type Kysely, type QueryExecutorProvider } from 'kysely';

/**
 * Symptom-based diagnosis: the knowledge graph (symptoms, systems and
 * components as nodes, weighted edges to each other and to codes), one search
 * document per trouble code, the vocabulary typo correction works on, and
 * full-text indexes. Everything here is derived, rebuilt from the bundled
 * knowledge file and `dtc_codes` (see src/diagnostics/describe/index-sync.ts),
 * so backups leave it out.
 *
 * PostgreSQL indexes the documents with its `hungarian` and `english`
 * configurations and the vocabulary with pg_trgm; SQLite gets FTS5 tables over
 * text stemmed in JS with the same Snowball algorithms, and a trigram FTS5
 * table. Complaint summaries get English full-text search on both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('diagnosis_nodes')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('kind', 'varchar(16)', (column) => column.notNull().check(sql`kind in ('symptom', 'system', 'component')`))
    .addColumn('label_hu', 'text', (column) => column.notNull())
    .addColumn('label_en', 'text', (column) => column.notNull())
    .addColumn('checks_hu', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('checks_en', 'text', (column) => column.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .createTable('diagnosis_edges')
    .addColumn('source', 'varchar(64)', (column) => column.notNull())
    .addColumn('target', 'varchar(64)', (column) => column.notNull())
    .addColumn('weight', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('diagnosis_edges_pkey', ['source', 'target'])
    .execute();
  await db.schema
    .createTable('diagnosis_documents')
    .addColumn('code', 'varchar(5)', (column) => column.notNull())
    .addColumn('make', 'varchar(32)', (column) => column.notNull().defaultTo(''))
    .addColumn('content_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('text_hu', 'text', (column) => column.notNull())
    .addColumn('text_en', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('diagnosis_documents_pkey', ['code', 'make'])
    .execute();
  await db.schema
    .createTable('diagnosis_vocabulary')
    .addColumn('folded', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('word', 'varchar(64)', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('diagnosis_state')
    .addColumn('name', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .execute();

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // pg_trgm is a trusted extension (a database owner may create it), put in `public` so every schema of the database shares one copy; where an administrator installed it elsewhere first, that copy is used.
    await sql`create extension if not exists pg_trgm with schema public`.execute(db);
    const trigramSchema = await pgTrigramSchema(db);
    // Stored vectors: a term query reads them instead of parsing every document again when the planner scans.
    await sql`alter table diagnosis_documents add column tsv_hu tsvector generated always as (to_tsvector('hungarian', text_hu)) stored`.execute(db);
    await sql`alter table diagnosis_documents add column tsv_en tsvector generated always as (to_tsvector('english', text_en)) stored`.execute(db);
    await sql`create index diagnosis_documents_hu on diagnosis_documents using gin (tsv_hu)`.execute(db);
    await sql`create index diagnosis_documents_en on diagnosis_documents using gin (tsv_en)`.execute(db);
    // On an expression, so equality look-ups keep the primary key: gin_trgm_ops also serves `=`, and once analysed the planner would take it (100 times slower).
    await sql`create index diagnosis_vocabulary_trigram on diagnosis_vocabulary using gin (lower(folded) ${sql.id(trigramSchema)}.gin_trgm_ops)`.execute(db);
    await sql`create index complaints_description_en on complaints using gin (to_tsvector('english', coalesce(description, '')))`.execute(db);
    return;
  }
  await sql`create virtual table diagnosis_documents_fts using fts5(doc_key unindexed, stems_hu, stems_en, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql`create virtual table diagnosis_vocabulary_trigram using fts5(folded, tokenize = 'trigram')`.execute(db);
  // English stems for complaint summaries, kept in step with the table by triggers (external content: the text is stored once).
  await sql`create virtual table complaints_fts using fts5(description, content = 'complaints', content_rowid = 'cmplid', tokenize = 'porter unicode61 remove_diacritics 2')`.execute(db);
  await sql`create trigger complaints_fts_insert after insert on complaints begin insert into complaints_fts(rowid, description) values (new.cmplid, new.description); end`.execute(db);
  await sql`create trigger complaints_fts_delete after delete on complaints begin insert into complaints_fts(complaints_fts, rowid, description) values ('delete', old.cmplid, old.description); end`.execute(db);
  await sql`create trigger complaints_fts_update after update of description on complaints begin insert into complaints_fts(complaints_fts, rowid, description) values ('delete', old.cmplid, old.description); insert into complaints_fts(rowid, description) values (new.cmplid, new.description); end`.execute(db);
  await sql`insert into complaints_fts(complaints_fts) values ('rebuild')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index if exists complaints_description_en`.execute(db);
  } else {
    for (const trigger of ['complaints_fts_insert', 'complaints_fts_delete', 'complaints_fts_update']) await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
    for (const table of ['complaints_fts', 'diagnosis_vocabulary_trigram', 'diagnosis_documents_fts']) await sql`drop table if exists ${sql.id(table)}`.execute(db);
  }
  for (const table of ['diagnosis_state', 'diagnosis_vocabulary', 'diagnosis_documents', 'diagnosis_edges', 'diagnosis_nodes']) await db.schema.dropTable(table).execute();
}

/** The schema pg_trgm's functions and operator classes live in. */
export async function pgTrigramSchema(db: QueryExecutorProvider): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select nspname as schema from pg_extension join pg_namespace on pg_namespace.oid = extnamespace where extname = 'pg_trgm'`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined) throw new Error('The pg_trgm extension is not installed');
  return schema;
}
