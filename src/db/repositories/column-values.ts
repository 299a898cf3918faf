import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { toBoolean } from '../schema.js';

/** What one batched write did, row by row. */
export interface BatchOutcome {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** Lists are JSON text on both engines. */
export function encodeStringArray(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** Reads a JSON text list back; anything that is not a list of strings reads as empty rather than failing a request. */
export function decodeStringArray(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((value): value is string => typeof value === 'string') : [];
  } catch {
    return [];
  }
}

/** SHA-256 over the content a row stores: equal hashes mean a re-import would change nothing. */
export function contentHash(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('hex');
}

export function toNullableBoolean(value: boolean | number | null): boolean | null {
  return value === null ? null : toBoolean(value);
}

/** COUNT and SUM come back as bigint strings from PostgreSQL and numbers from SQLite. */
export function toCount(value: string | number | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/**
 * `{ column: excluded.column, ... }` for an upsert's DO UPDATE SET: the
 * conflicting row takes every listed column of the row that was proposed.
 * Typed `never` so it fits any column type; the names come from the table types.
 */
export function fromExcluded<Column extends string>(columns: readonly Column[]): Record<Column, RawBuilder<never>> {
  return Object.fromEntries(columns.map((column) => [column, sql.ref(`excluded.${column}`)])) as Record<Column, RawBuilder<never>>;
}

/** Which page of a list a caller asks for; missing or out-of-range bounds fall back (see {@link pageBounds}). */
export interface PageRequest {
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** One page of a list and how many items the whole list has. */
export interface Page<Item> {
  readonly items: Item[];
  readonly total: number;
}

/** The listed columns of a row, in that order: what a row mapper copies unchanged. */
export function pickColumns<Row, Column extends keyof Row>(row: Row, columns: readonly Column[]): Pick<Row, Column> {
  return Object.fromEntries(columns.map((column) => [column, row[column]])) as Pick<Row, Column>;
}

/**
 * A list's total as its page tells it: a page that is not full ends the list,
 * and an empty first page is an empty list. Undefined when only a count can
 * say (a full page, or an empty page past the start): the count query is then
 * the only extra one, and the common short list needs none.
 */
export function totalFromPage(rowCount: number, limit: number, offset: number): number | undefined {
  if (rowCount > 0 && rowCount < limit) return offset + rowCount;
  if (rowCount === 0 && offset === 0) return 0;
  return undefined;
}

/** Page bounds every list shares: limit 1–`maximum` (default `fallback`), offset ≥ 0. */
export function pageBounds(limit: number | undefined, offset: number | undefined, fallback = 20, maximum = 100): { limit: number; offset: number } {
  const safeLimit = limit === undefined || !Number.isInteger(limit) ? fallback : Math.min(Math.max(limit, 1), maximum);
  const safeOffset = offset === undefined || !Number.isInteger(offset) ? 0 : Math.max(offset, 0);
  return { limit: safeLimit, offset: safeOffset };
}
