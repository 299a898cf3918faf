import { ApiError } from '../api/client';
import { dtc } from '../api/endpoints';
import type { DecodedDtcCode, DtcLookup } from '../api/types';
import { CodeResult, describe, SeverityBadge } from '../components/dtc';
import { ErrorNotice, Loading } from '../components/feedback';
import { useI18n } from '../i18n/i18n';
import { Link, pathWithQuery } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

function Decoded({ decoded }: { readonly decoded: DecodedDtcCode }) {
  const { t } = useI18n();
  return (
    <dl className="facts">
      <dt>{t('systemLabel')}</dt>
      <dd>{t(`system_${decoded.system}`)}</dd>
      <dt>{t('codeSubsystem')}</dt>
      <dd>
        {decoded.subsystem.group} · {decoded.subsystem.name}
      </dd>
      <dt>SAE J2012</dt>
      <dd>{decoded.is_generic ? t('codeGeneric') : t('codeManufacturer')}</dd>
    </dl>
  );
}

/** A list in the UI's language; where only the English one exists (an import gave no Hungarian), that one, marked as English. */
function TextList({ english, hungarian }: { readonly english: readonly string[]; readonly hungarian: readonly string[] }) {
  const { t, language } = useI18n();
  const inHungarian = language === 'hu' && hungarian.length > 0;
  const items = inHungarian ? hungarian : english;
  return items.length === 0 ? (
    <p className="empty">{t('noneListed')}</p>
  ) : (
    <ul className="plain-list" lang={language === 'hu' && !inHungarian ? 'en' : undefined}>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

function CodeDetails({ code }: { readonly code: DtcLookup }) {
  const { t, language } = useI18n();
  return (
    <article className="card" aria-labelledby="code-title">
      <p className="eyebrow">
        <Link to="/dtc">{t('navSearch')}</Link>
      </p>
      <h1 id="code-title">{t('codeTitle', { code: code.code })}</h1>
      <p className="lead">{describe(code, language)}</p>
      {language === 'hu' && code.description_hu !== null ? (
        <p className="secondary-text" lang="en">
          <span className="visually-hidden">{t('descriptionEnglish')}: </span>
          {code.description_en}
        </p>
      ) : null}
      <p>
        {t('severity')}: <SeverityBadge severity={code.severity} />
      </p>
      <Decoded decoded={code.decoded} />
      <div className="columns">
        <section aria-labelledby="symptoms-title">
          <h2 id="symptoms-title">{t('symptoms')}</h2>
          <TextList english={code.symptoms} hungarian={code.symptoms_hu} />
        </section>
        <section aria-labelledby="causes-title">
          <h2 id="causes-title">{t('possibleCauses')}</h2>
          <TextList english={code.possible_causes} hungarian={code.possible_causes_hu} />
        </section>
      </div>
      <section aria-labelledby="related-title">
        <h2 id="related-title">{t('relatedCodes')}</h2>
        {code.related.length === 0 ? (
          <p className="empty">{t('noneListed')}</p>
        ) : (
          <ul className="result-list">
            {code.related.map((related) => (
              <CodeResult key={related.code} code={related.code} text={describe(related, language)} />
            ))}
          </ul>
        )}
      </section>
      <p>
        <Link to={pathWithQuery('/analysis', { codes: [code.code, ...code.related.map((related) => related.code)].join(' ') })} className="button">
          {t('analyzeThisCode')}
        </Link>
      </p>
    </article>
  );
}

export function DtcDetailPage({ code }: { readonly code: string }) {
  const { t } = useI18n();
  const normalized = code.toUpperCase();
  usePageTitle(t('codeTitle', { code: normalized }));
  const [lookup] = useAsync((signal) => dtc.lookup(normalized, signal), [normalized]);

  if (lookup.status === 'loading') return <Loading />;
  if (lookup.status === 'done') return <CodeDetails code={lookup.value} />;
  const { error } = lookup;
  if (error instanceof ApiError && error.code === 'dtc_not_found') {
    const decoded = error.body.decoded as DecodedDtcCode | undefined;
    return (
      <section className="card">
        <h1>{t('codeTitle', { code: normalized })}</h1>
        <p className="notice notice-info">{t('codeUnknown', { code: normalized })}</p>
        {decoded === undefined ? null : <Decoded decoded={decoded} />}
      </section>
    );
  }
  return (
    <section className="card">
      <h1>{t('codeTitle', { code: normalized })}</h1>
      {error instanceof ApiError && error.status === 422 ? (
        <p className="notice notice-error" role="alert">
          {t('codeInvalid')}
        </p>
      ) : (
        <ErrorNotice error={error} />
      )}
    </section>
  );
}
