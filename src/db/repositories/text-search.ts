/**
 * Portable text matching. PostgreSQL's LIKE is case-sensitive and SQLite's is
 * not, and neither ignores accents; so searchable text is stored already
 * folded ({@link foldForSearch}) and queries are folded the same way, which
 * makes a plain LIKE behave alike on both engines.
 */

/** The escape character every LIKE in the repositories declares with `escape '\'`. */
export const LIKE_ESCAPE = '\\';

/** Makes user text literal inside a LIKE pattern: `%`, `_` and the escape character itself lose their meaning. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `${LIKE_ESCAPE}${character}`);
}

/** `%text%` with `text` escaped. */
export function containsPattern(text: string): string {
  return `%${escapeLikePattern(text)}%`;
}

/** `text%` with `text` escaped. */
export function prefixPattern(text: string): string {
  return `${escapeLikePattern(text)}%`;
}

/** Lower case without diacritics (`Gyújtás` → `gyujtas`, `ő` → `o`), whitespace collapsed. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The folded words of a query, at most `maxTerms` (each must match). */
export function searchTerms(query: string, maxTerms = 8): string[] {
  return foldForSearch(query).split(' ').filter((term) => term !== '').slice(0, maxTerms);
}
