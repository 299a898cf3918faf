import { closeSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { isSqliteBusy, retryWhileBusy } from './sqlite-busy.js';

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

/** The one better-sqlite3 connection's prepared statements, and running one statement to completion. */
class StatementRunner {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly database: BetterSqlite3.Database) {}

  /** A statement that runs to completion at once (all, run): never one left iterating, so sharing it is safe. */
  prepared(sql: string): BetterSqlite3.Statement {
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

  run<R>(statement: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<R> {
    const values = convertParameters(parameters);
    if (statement.reader) return { rows: statement.all(...values) as R[] };
    const { changes, lastInsertRowid } = statement.run(...values);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }
}

interface PendingRead {
  readonly statement: BetterSqlite3.Statement;
  readonly parameters: readonly unknown[];
  readonly resolve: (result: QueryResult<never>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Kysely's one-connection SQLite driver. Transactions (and writes outside
 * them) take turns on the connection; each transaction that may write takes
 * the file's write lock up front. Reads outside a transaction are collected
 * per event-loop round and run together in one read transaction: every
 * SQLite read transaction costs a lock and unlock of the file (system calls,
 * the larger part of a small query's time), so under load one set of them
 * serves the whole round instead of each query (docs/PERFORMANCE.md). A read
 * runs after it was issued, so it sees every write committed before it.
 */
class EmbeddedSqliteDriver implements Driver {
  private readonly runner: StatementRunner;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private pendingReads: PendingRead[] = [];

  constructor(database: BetterSqlite3.Database) {
    this.runner = new StatementRunner(database);
  }

  async init(): Promise<void> {
    // Opened by the caller.
  }

  /** A handle that holds nothing until it begins a transaction or writes: reads do not wait for each other. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return new EmbeddedSqliteConnection(this, this.runner);
  }

  /** Waits for the connection (a transaction, a write or a round of reads in progress), then holds it. */
  async lock(): Promise<void> {
    while (this.held !== undefined) await this.held;
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  unlock(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }

  /** Queues a read-only statement for this round's read transaction. */
  read<R>(statement: BetterSqlite3.Statement, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    return new Promise((resolve, reject) => {
      this.pendingReads.push({ statement, parameters, resolve, reject });
      if (this.pendingReads.length === 1) setImmediate(this.runReadRound);
    });
  }

  private readonly runReadRound = (): void => {
    // Taken now: reads queued while the round waits for a transaction start the next round.
    const round = this.pendingReads;
    this.pendingReads = [];
    this.lock()
      .then(() => retryWhileBusy(() => this.readAll(round)))
      .then(
        (outcomes) => {
          outcomes.forEach((outcome, index) => {
            const read = round[index];
            if (read === undefined) return;
            if (outcome.ok) read.resolve(outcome.result);
            else read.reject(outcome.error);
          });
        },
        (error: unknown) => {
          for (const read of round) read.reject(error);
        },
      )
      .finally(() => {
        this.unlock();
      });
  };

  /**
   * Runs one round's reads: alone, or in one deferred (read) transaction. A
   * read's own error is its answer alone; SQLITE_BUSY fails the whole attempt,
   * which is tried again ({@link retryWhileBusy}).
   */
  private readAll(round: readonly PendingRead[]): ({ ok: true; result: QueryResult<never> } | { ok: false; error: unknown })[] {
    const database = this.runner.database;
    const together = round.length > 1;
    if (together) this.runner.prepared('begin deferred').run();
    try {
      return round.map((read) => {
        try {
          return { ok: true as const, result: this.runner.run<never>(read.statement, read.parameters) };
        } catch (error) {
          if (isSqliteBusy(error)) throw error;
          return { ok: false as const, error };
        }
      });
    } finally {
      if (together && database.inTransaction) this.runner.prepared('commit').run();
    }
  }

  /**
   * BEGIN IMMEDIATE for every transaction that may write: a deferred one that
   * reads, then writes, fails with SQLITE_BUSY_SNAPSHOT when another
   * connection wrote in between, which no waiting can repair (issue 22.2).
   * A read-only transaction (a backup's snapshot) stays deferred and never
   * blocks writers.
   */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (!(connection instanceof EmbeddedSqliteConnection)) throw new Error('not a connection of this driver');
    await connection.begin(settings.accessMode === 'read only' ? 'begin deferred' : 'begin immediate');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof EmbeddedSqliteConnection) connection.releaseLock();
  }

  async destroy(): Promise<void> {
    this.runner.database.close();
  }
}

/** One acquisition of the connection: Kysely runs a single query or a whole transaction on it. */
class EmbeddedSqliteConnection implements DatabaseConnection {
  /** Whether this handle holds the driver's lock: from BEGIN until released, or while streaming. */
  private locked = false;

  constructor(
    private readonly driver: EmbeddedSqliteDriver,
    private readonly runner: StatementRunner,
  ) {}

  async begin(sql: 'begin deferred' | 'begin immediate'): Promise<void> {
    await this.driver.lock();
    this.locked = true;
    // BEGIN IMMEDIATE waits for another process's writer asynchronously.
    await retryWhileBusy(() => this.runner.prepared(sql).run());
  }

  releaseLock(): void {
    if (!this.locked) return;
    this.locked = false;
    this.driver.unlock();
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.runner.prepared(compiledQuery.sql);
    // Inside a transaction a busy statement is not retried alone: the transaction's snapshot may be stale.
    if (this.locked) return this.runner.run<R>(statement, compiledQuery.parameters);
    if (statement.readonly && statement.reader) return this.driver.read<R>(statement, compiledQuery.parameters);
    await this.driver.lock();
    try {
      return await retryWhileBusy(() => this.runner.run<R>(statement, compiledQuery.parameters));
    } finally {
      this.driver.unlock();
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.runner.database.prepare(compiledQuery.sql);
    if (!statement.reader) throw new Error('The SQLite driver only streams queries that return rows');
    // An iterating statement keeps the connection busy: nothing else may run on it until the stream ends.
    const holdsLock = this.locked;
    if (!holdsLock) await this.driver.lock();
    try {
      for (const row of statement.iterate(...convertParameters(compiledQuery.parameters))) yield { rows: [row as R] };
    } finally {
      if (!holdsLock) this.driver.unlock();
    }
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
