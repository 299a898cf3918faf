import type { Migration } from 'kysely';
import * as users from './0001-users.js';

/**
 * Every migration, in order. Names are stable forever: they are the version
 * recorded in the database. Each one must run on PostgreSQL and SQLite.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-users': users,
};
