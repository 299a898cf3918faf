import { closeSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { retryWhileBusy } from './sqlite-busy.js';

/** better-sqlite3 binds neither booleans nor Dates; convert them as PostgreSQL would store them. */
function toSqliteParameter(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function convertParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map(toSqliteParameter);
}

/** The database file and its -wal/-shm companions hold password hashes: owner only. */
export const SQLITE_FILE_MODE = 0o600;

/** How long opening the file may wait for another process's lock: once, at start-up, before anything is served. */
const OPEN_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the embedded database file with the settings every connection to it
 * shares. A new file is created with mode 0600 before SQLite opens it (SQLite
 * gives the -wal and -shm files the mode of the database file). Opening, the
 * pragmas and `setup` (a schema) may wait for another process's lock; after
 * that the busy timeout is 0: a locked file fails at once and callers wait
 * asynchronously ({@link retryWhileBusy}), never inside a synchronous call.
 */
export function openSqliteFile(filePath: string, setup?: (database: BetterSqlite3.Database) => void): BetterSqlite3.Database {
  if (filePath !== ':memory:') closeSync(openSync(filePath, 'a', SQLITE_FILE_MODE));
  const database = new BetterSqlite3(filePath, { timeout: OPEN_BUSY_TIMEOUT_MS });
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
    setup?.(database);
    database.pragma('busy_timeout = 0');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** A file or folder others than its owner may access, with its mode in octal. */
export interface LoosePermission {
  readonly path: string;
  readonly mode: string;
}

/**
 * The embedded database's folder, file and -wal/-shm files that exist and
 * give the group or others any access (they hold password hashes). For the
 * start-up warning; nothing is changed.
 */
export function loosePermissions(databaseFilePath: string): LoosePermission[] {
  const candidates = [path.dirname(databaseFilePath), databaseFilePath, `${databaseFilePath}-wal`, `${databaseFilePath}-shm`];
  const loose: LoosePermission[] = [];
  for (const candidate of candidates) {
    let mode: number;
    try {
      mode = statSync(candidate).mode & 0o777;
    } catch {
      continue; // Not there (yet): it will be created owner-only.
    }
    if ((mode & 0o077) !== 0) loose.push({ path: candidate, mode: `0${mode.toString(8)}` });
  }
  return loose;
}

/**
 * Prepared statements kept per SQL text: preparing was a tenth of a signed-in
 * request's CPU (docs/PERFORMANCE.md). Queries with IN lists of every length
 * make many texts, so the oldest is dropped past the bound.
 */
const STATEMENT_CACHE_SIZE = 500;

/** One query on the single connection; a busy file is retried asynchronously outside transactions (and for BEGIN). */
class EmbeddedSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly database: BetterSqlite3.Database) {}

  /** A statement that runs to completion at once (all, run): never one left iterating, so sharing it is safe. */
  private prepared(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next();
        if (oldest.done !== true) this.statements.delete(oldest.value);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const run = (): QueryResult<R> => {
      const statement = this.prepared(sql);
      const values = convertParameters(parameters);
      if (statement.reader) return { rows: statement.all(...values) as R[] };
      const { changes, lastInsertRowid } = statement.run(...values);
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    };
    // Inside a transaction a busy statement is not retried alone: the transaction's snapshot may be stale.
    if (this.database.inTransaction) return run();
    return retryWhileBusy(run);
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.database.prepare(compiledQuery.sql);
    if (!statement.reader) throw new Error('The SQLite driver only streams queries that return rows');
    for (const row of statement.iterate(...convertParameters(compiledQuery.parameters))) yield { rows: [row as R] };
  }
}

/** Kysely's one-connection SQLite driver, with write transactions that take the lock up front. */
class EmbeddedSqliteDriver implements Driver {
  private readonly connection: EmbeddedSqliteConnection;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly database: BetterSqlite3.Database) {
    this.connection = new EmbeddedSqliteConnection(database);
  }

  async init(): Promise<void> {
    // Opened by the caller.
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: queries and transactions of this process take turns on it.
    while (this.held !== undefined) await this.held;
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
    return this.connection;
  }

  /**
   * BEGIN IMMEDIATE for every transaction that may write: a deferred one that
   * reads, then writes, fails with SQLITE_BUSY_SNAPSHOT when another
   * connection wrote in between, which no waiting can repair (issue 22.2).
   * A read-only transaction (a backup's snapshot) stays deferred and never
   * blocks writers.
   */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings.accessMode === 'read only' ? 'begin deferred' : 'begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

/** Kysely's SQLite dialect on {@link EmbeddedSqliteDriver}. */
export class EmbeddedSqliteDialect extends SqliteDialect {
  constructor(private readonly handle: BetterSqlite3.Database) {
    super({ database: handle });
  }

  override createDriver(): Driver {
    return new EmbeddedSqliteDriver(this.handle);
  }
}
