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
