import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** better-sqlite3 binds neither booleans nor Dates; convert them as PostgreSQL would store them. */
function toSqliteParameter(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function convertParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map(toSqliteParameter);
}

/** Opens the embedded database file with the settings every connection to it shares. */
export function openSqliteFile(filePath: string): BetterSqlite3.Database {
  const database = new BetterSqlite3(filePath);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return database;
}

/** The better-sqlite3 handle as Kysely's SqliteDialect expects it, with parameter conversion. */
export function kyselySqliteDatabase(database: BetterSqlite3.Database): SqliteDatabase {
  return {
    close: () => {
      database.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const statement = database.prepare(sql);
      return {
        get reader() {
          return statement.reader;
        },
        all: (parameters) => statement.all(...convertParameters(parameters)),
        run: (parameters) => {
          const result = statement.run(...convertParameters(parameters));
          return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
        },
        iterate: (parameters) => statement.iterate(...convertParameters(parameters)),
      };
    },
  };
}
