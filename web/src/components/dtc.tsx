import type { ReactNode } from 'react';
import type { DtcCode, Severity } from '../api/types';
import type { Language } from '../i18n/messages';
import { useI18n } from '../i18n/i18n';
import { Link, pathWithQuery } from '../router';

/** "p0301, P0300;p0171" → ["P0301", "P0300", "P0171"]. */
export function parseCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code !== '');
}

/** The description in the chosen language; English when there is no Hungarian text. */
export function describe(code: Pick<DtcCode, 'description_en' | 'description_hu'>, language: Language): string {
  return language === 'hu' ? (code.description_hu ?? code.description_en) : code.description_en;
}

export function SeverityBadge({ severity }: { readonly severity: Severity | null }) {
  const { t } = useI18n();
  const level = severity ?? 'unknown';
  return (
    <span className={`badge severity-${level}`}>
      <span className="visually-hidden">{t('severity')}: </span>
      {t(`severity_${level}`)}
    </span>
  );
}

/**
 * A make as people write it: stored makes are upper-case (FORD, MERCEDES-BENZ);
 * words of up to three letters stay capitals (BMW, KIA), longer ones read Ford, Mercedes-Benz.
 */
export function makeName(make: string): string {
  return make.replace(/\p{L}+/gu, (word) => (word.length <= 3 ? word : `${word.charAt(0)}${word.slice(1).toLowerCase()}`));
}

/** A code's page, for a make's meaning of it when `make` is given. */
export function codePath(code: string, make: string | null | undefined): string {
  return pathWithQuery(`/dtc/${code}`, { make: make ?? undefined });
}

/** Whose meaning a code is: "Ford-specific code"; nothing for a code that means the same for every make. */
export function MakeBadge({ make }: { readonly make: string | null }) {
  const { t } = useI18n();
  return make === null ? null : <span className="badge badge-make">{t('codeMakeSpecific', { make: makeName(make) })}</span>;
}

/** One code in a list of codes: a link to its page (the make's meaning, if any), a line of text, and whatever follows (its severity). */
export function CodeResult({ code, make, text, children }: { readonly code: string; readonly make?: string | null; readonly text: string; readonly children?: ReactNode }) {
  return (
    <li className="result">
      <Link to={codePath(code, make)} className="code-link">
        {code}
      </Link>
      <span className="result-text">
        {make === undefined || make === null ? null : (
          <>
            <MakeBadge make={make} />{' '}
          </>
        )}
        {text}
      </span>
      {children}
    </li>
  );
}

export function Pager({ total, limit, offset, onOffset }: { readonly total: number; readonly limit: number; readonly offset: number; readonly onOffset: (offset: number) => void }) {
  const { t } = useI18n();
  if (total === 0) return null;
  return (
    <div className="pager">
      <p>{t('pageOf', { from: offset + 1, to: Math.min(offset + limit, total), total })}</p>
      {total > limit ? (
        <div className="pager-buttons">
          <button
            type="button"
            className="button"
            disabled={offset === 0}
            onClick={() => {
              onOffset(Math.max(0, offset - limit));
            }}
          >
            {t('previous')}
          </button>
          <button
            type="button"
            className="button"
            disabled={offset + limit >= total}
            onClick={() => {
              onOffset(offset + limit);
            }}
          >
            {t('next')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
