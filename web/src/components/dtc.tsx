import type { ReactNode } from 'react';
import type { DtcCode, Severity } from '../api/types';
import type { Language } from '../i18n/messages';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router';

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

/** One code in a list of codes: a link to its page, a line of text, and whatever follows (its severity). */
export function CodeResult({ code, text, children }: { readonly code: string; readonly text: string; readonly children?: ReactNode }) {
  return (
    <li className="result">
      <Link to={`/dtc/${code}`} className="code-link">
        {code}
      </Link>
      <span className="result-text">{text}</span>
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
