import type { ColumnType } from 'kysely';

/**
 * Column types as both engines hand them back. Timestamps are ISO-8601 strings
 * when written; PostgreSQL returns them as Date, SQLite as text, so
 * repositories normalise them with {@link toIsoTimestamp}.
 */
export type Timestamp = ColumnType<Date | string, string, string>;
/** SQLite keeps booleans as 0/1. */
export type DatabaseBoolean = ColumnType<boolean | number, boolean, boolean>;

export interface UsersTable {
  id: string;
  /** Lower-cased, so uniqueness is case-insensitive on both engines. */
  email: string;
  password_hash: string;
  full_name: string | null;
  role: 'user' | 'admin';
  is_active: DatabaseBoolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DatabaseSchema {
  users: UsersTable;
}

export function toIsoTimestamp(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function toBoolean(value: boolean | number): boolean {
  return value === true || value === 1;
}
