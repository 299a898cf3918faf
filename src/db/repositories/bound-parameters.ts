/**
 * The most values one statement may bind: SQLite's SQLITE_MAX_VARIABLE_NUMBER
 * (32 766 since 3.32; PostgreSQL allows 65 535). Multi-row statements are cut
 * into chunks under it whatever the batch size, so `--batch-size 5000` of the
 * widest table still fits on both engines.
 */
export const MAX_BOUND_PARAMETERS = 32_766;

/** `rows` in consecutive chunks of at most `limit` bound values, `valuesPerRow` per row. */
export function* chunksWithinParameterLimit<Row>(rows: readonly Row[], valuesPerRow: number, limit = MAX_BOUND_PARAMETERS): Generator<Row[]> {
  const size = Math.max(1, Math.floor(limit / Math.max(1, valuesPerRow)));
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

/** Values a row binds in an INSERT: one per column it sets. */
export function valuesPerRow(rows: readonly object[]): number {
  return rows.reduce((widest, row) => Math.max(widest, Object.keys(row).length), 1);
}

/**
 * The atomic upsert both NHTSA tables share, chunk by chunk: `insertNew`
 * claims the keys nobody stored yet (INSERT ... ON CONFLICT DO NOTHING
 * RETURNING the key: exactly one of two concurrent imports inserts a key),
 * then `replaceChanged` upserts the rest, changing only rows whose content
 * differs (DO UPDATE ... WHERE, decided inside the statement) and returning
 * how many it changed. Rows go in key order, so two imports never wait on
 * each other's rows in a cycle.
 */
export async function claimThenReplace<Row extends object, Key>(
  rows: readonly Row[],
  keyOf: (row: Row) => Key,
  insertNew: (chunk: Row[]) => Promise<Key[]>,
  replaceChanged: (chunk: Row[]) => Promise<number>,
): Promise<{ inserted: number; updated: number }> {
  const ordered = [...rows].sort((left, right) => {
    const a = keyOf(left);
    const b = keyOf(right);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  let inserted = 0;
  let updated = 0;
  for (const chunk of chunksWithinParameterLimit(ordered, valuesPerRow(ordered))) {
    const added = new Set(await insertNew(chunk));
    inserted += added.size;
    const stored = chunk.filter((row) => !added.has(keyOf(row)));
    if (stored.length > 0) updated += await replaceChanged(stored);
  }
  return { inserted, updated };
}
