interface Kept {
  readonly revision: string;
  readonly value: string;
}

/**
 * Values computed from data that carries a revision (a row its writes change in
 * the same transaction: `dtc_codes_revision`, `garage_revisions`), each kept
 * with the revision it was computed under. Every use reads the current revision
 * first, so a write by any process (an import beside the server, a restore, a
 * second instance) retires a value at once: exact, not a time-to-live. A value
 * must be computed from data read after its revision was: it is then at least
 * as new as that revision.
 *
 * Bounded by entries and by each value's length; the least recently used go first.
 */
export class RevisionCache {
  private readonly entries = new Map<string, Kept>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxValueLength: number,
  ) {}

  /** The value kept for `key` under `revision`; none under another revision, or without one (its row gone). */
  get(revision: string | undefined, key: string): string | undefined {
    if (revision === undefined) return undefined;
    const kept = this.entries.get(key);
    if (kept === undefined || kept.revision !== revision) return undefined;
    this.entries.delete(key);
    this.entries.set(key, kept);
    return kept.value;
  }

  /** Keeps `value` for `key` under `revision`, unless there is no revision or the value is too long to keep. */
  set(revision: string | undefined, key: string, value: string): void {
    if (revision === undefined || value.length > this.maxValueLength) return;
    this.entries.delete(key);
    this.entries.set(key, { revision, value });
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
