/**
 * A per-user cut-off mark: `<ms>` (every token issued at or before it is
 * dead) or `<ms>:<family>` (the same, except that session: a password change
 * keeps the caller signed in).
 */
export interface CutoffMark {
  readonly cutoffMs: number;
  readonly exemptFamily: string | undefined;
}

/** Undefined for a malformed mark (which revokes everything: fail closed). */
export function parseCutoffMark(mark: string): CutoffMark | undefined {
  const [markMs = '', exemptFamily] = mark.split(':');
  const cutoffMs = Number(markMs);
  return markMs !== '' && Number.isFinite(cutoffMs) ? { cutoffMs, exemptFamily } : undefined;
}

/**
 * Whether `candidate` should replace `stored`: it is later, or as late and
 * exempts nothing. A malformed stored mark stays (it revokes everything).
 */
export function cutoffReplaces(candidate: string, stored: string): boolean {
  const next = parseCutoffMark(candidate);
  const current = parseCutoffMark(stored);
  if (next === undefined || current === undefined) return false;
  if (next.cutoffMs !== current.cutoffMs) return next.cutoffMs > current.cutoffMs;
  return next.exemptFamily === undefined && current.exemptFamily !== undefined;
}
