import { Kysely, sql } from 'kysely';
import { CatalogIntrospectingPostgresDialect } from './catalog-introspector.js';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSchema } from './schema.js';
import { isSqliteBusy } from './sqlite-busy.js';
import { EmbeddedSqliteDialect, openSqliteFile } from './sqlite-driver.js';

export type DatabaseEngine = 'postgres' | 'sqlite';

export interface Database {
  readonly engine: DatabaseEngine;
  readonly db: Kysely<DatabaseSchema>;
  /** The PostgreSQL schema this handle works in, when one was chosen. */
  readonly schema: string | undefined;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when unset the embedded SQLite file is used. */
  readonly databaseUrl?: string | undefined;
  readonly sqliteFilePath: string;
  /** PostgreSQL schema to work in (created if missing): tests use one per run. */
  readonly schema?: string | undefined;
}

/** The database could not be reached; requests that need it get 503, never 500. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  constructor(options?: { cause?: unknown }) {
    super('The database is unavailable', options);
    this.name = 'DatabaseUnavailableError';
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens PostgreSQL when a URL is given, else the embedded SQLite file. */
export function createDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl === undefined
    ? createSqliteDatabase(options.sqliteFilePath)
    : createPostgresDatabase(options.databaseUrl, options.schema);
}

function createSqliteDatabase(filePath: string): Database {
  mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 });
  const handle = openSqliteFile(filePath);
  const db = new Kysely<DatabaseSchema>({ dialect: new EmbeddedSqliteDialect(handle) });
  return {
    engine: 'sqlite',
    db,
    schema: undefined,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

function createPostgresDatabase(databaseUrl: string, schema: string | undefined): Database {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error('Invalid PostgreSQL schema name');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  let schemaReady: Promise<void> | undefined;
  const db = new Kysely<DatabaseSchema>({ dialect: new CatalogIntrospectingPostgresDialect({ pool }) });
  const ensureSchema = async (): Promise<void> => {
    if (schema === undefined) return;
    schemaReady ??= sql`create schema if not exists ${sql.id(schema)}`.execute(db).then(() => undefined);
    try {
      await schemaReady;
    } catch (error) {
      schemaReady = undefined;
      throw error;
    }
  };
  return {
    engine: 'postgres',
    db,
    schema,
    ping: async () => {
      await ensureSchema();
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

const UNAVAILABLE_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** Whether an error means "the database is not reachable" rather than a bug or bad data. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  // Another connection held the file's write lock for longer than we wait (SQLITE_BUSY_WAIT_MS).
  if (isSqliteBusy(error)) return true;
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (UNAVAILABLE_ERROR_CODES.has(code) || code.startsWith('08')) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}
