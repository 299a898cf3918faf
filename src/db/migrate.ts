import { Migrator, sql, type MigrationResult } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

export interface MigrationOutcome {
  readonly applied: readonly string[];
  readonly latest: string | undefined;
}

/** Applies every pending migration in order; throws (and applies nothing further) on the first failure. */
export async function migrateToLatest(database: Database): Promise<MigrationOutcome> {
  await database.ping();
  const migrationTableSchema = await migrationSchemaOf(database);
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((result: MigrationResult) => result.status === 'Success').map((result) => result.migrationName);
  if (error !== undefined) {
    const failed = (results ?? []).find((result) => result.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  const names = Object.keys(migrations);
  return { applied, latest: names[names.length - 1] };
}

/**
 * On PostgreSQL, the schema the migration tables belong in. Named explicitly because
 * Kysely otherwise finds another schema's migration table and skips creating its own.
 */
async function migrationSchemaOf(database: Database): Promise<string | undefined> {
  if (database.engine !== 'postgres') return undefined;
  if (database.schema !== undefined) return database.schema;
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return result.rows[0]?.schema;
}

/** Names of applied migrations, oldest first. */
export async function appliedMigrations(database: Database): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
  return rows.rows.map((row) => row.name);
}
