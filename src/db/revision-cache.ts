/**
 * Values computed from data that carries a revision (a row its writes change in
 * the same transaction, e.g. `dtc_codes_revision`), kept while the revision
 * stays the same. Every use reads the current revision first, so a write by any
 * process (an import beside the server, a restore) retires the values at once:
 * exact, not a time-to-live. A value must be computed from data read after its
 * revision was: it is then at least as new as that revision.
 *
 * Bounded by entries and by each value's size; the least recently used go first.
 */
export class RevisionCache {
  private revision: string | undefined;
  private readonly entries = new Map<string, string>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxValueLength: number,
  ) {}

  /** The value kept for `key` under `revision`. A new revision forgets every value; no revision (its row gone) keeps nothing. */
  get(revision: string | undefined, key: string): string | undefined {
    if (revision === undefined) return undefined;
    if (revision !== this.revision) {
      this.entries.clear();
      this.revision = revision;
      return undefined;
    }
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Keeps `value` for `key` if `revision` is still the one the cache is at, and the value is not too long to keep. */
  set(revision: string | undefined, key: string, value: string): void {
    if (revision === undefined || revision !== this.revision || value.length > this.maxValueLength) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** How many values are kept (for tests). */
  get size(): number {
    return this.entries.size;
  }
}
