export { createDatabase, DatabaseUnavailableError, isDatabaseUnavailable, type Database, type DatabaseEngine, type DatabaseOptions } from './database.js';
export { migrateToLatest, appliedMigrations, type MigrationOutcome } from './migrate.js';
export type { DatabaseSchema, UsersTable } from './schema.js';
export { toBoolean, toIsoTimestamp } from './schema.js';
