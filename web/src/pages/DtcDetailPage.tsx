import { ApiError } from '../api/client';
import { dtc } from '../api/endpoints';
import type { DecodedDtcCode, DtcLookup } from '../api/types';
import { CodeResult, describe, MakeBadge, makeName, SeverityBadge } from '../components/dtc';
import { ErrorNotice, Loading } from '../components/feedback';
import { useI18n } from '../i18n/i18n';
import { Link, pathWithQuery, useLocation } from '../router';
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

/** Why the meaning shown is not the asked make's own: none is known, so the general one, or only other makes' are. */
function MakeNotice({ code, askedMake }: { readonly code: DtcLookup; readonly askedMake: string }) {
  const { t } = useI18n();
  if (code.make === null) {
    return askedMake === '' ? null : <p className="notice notice-info">{t('codeNoOwnMeaning', { make: makeName(askedMake) })}</p>;
  }
  return code.make === askedMake ? null : <p className="notice notice-info">{t('codeOnlyForMakes', { make: makeName(code.make) })}</p>;
}

/** The same code's other meanings: links to each other make's, and to the general one. */
function Variants({ code }: { readonly code: DtcLookup }) {
  const { t, language } = useI18n();
  if (code.variants.length === 0) return null;
  return (
    <section aria-labelledby="variants-title">
      <h2 id="variants-title">{t('codeVariants')}</h2>
      <ul className="result-list">
        {code.variants.map((variant) => (
          <CodeResult key={variant.make ?? ''} code={code.code} make={variant.make} text={describe(variant, language)}>
            {variant.make === null ? <span className="badge badge-make">{t('codeVariantEveryMake')}</span> : null}
          </CodeResult>
        ))}
      </ul>
    </section>
  );
}

function CodeDetails({ code, askedMake }: { readonly code: DtcLookup; readonly askedMake: string }) {
  const { t, language } = useI18n();
  return (
    <article className="card" aria-labelledby="code-title">
      <p className="eyebrow">
        <Link to="/dtc">{t('navSearch')}</Link>
      </p>
      <h1 id="code-title">{t('codeTitle', { code: code.code })}</h1>
      {code.make === null ? null : (
        <p>
          <MakeBadge make={code.make} />
        </p>
      )}
      <MakeNotice code={code} askedMake={askedMake} />
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
              // The related codes were read for this make: their links keep it.
              <CodeResult key={related.code} code={related.code} make={code.make} text={describe(related, language)} />
            ))}
          </ul>
        )}
      </section>
      <Variants code={code} />
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
  // `?make=FORD`: that make's meaning of the code, as the API stores makes (upper-case, single spaces).
  const askedMake = (useLocation().query.get('make') ?? '').trim().replace(/\s+/g, ' ').toUpperCase();
  usePageTitle(t('codeTitle', { code: normalized }));
  const [lookup] = useAsync((signal) => dtc.lookup(normalized, askedMake, signal), [normalized, askedMake]);

  if (lookup.status === 'loading') return <Loading />;
  if (lookup.status === 'done') return <CodeDetails code={lookup.value} askedMake={askedMake} />;
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
