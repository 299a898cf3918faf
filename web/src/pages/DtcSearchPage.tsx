import { useEffect, useState, type SyntheticEvent } from 'react';
import { dtc } from '../api/endpoints';
import type { DtcSystem } from '../api/types';
import { CodeResult, describe, Pager, SeverityBadge } from '../components/dtc';
import { EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { SelectField, TextField } from '../components/fields';
import { useI18n } from '../i18n/i18n';
import { navigate, pathWithQuery, useLocation } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

const PAGE_SIZE = 20;
const SYSTEMS: readonly DtcSystem[] = ['powertrain', 'body', 'chassis', 'network'];

function systemOf(value: string | null): DtcSystem | '' {
  return SYSTEMS.find((system) => system === value) ?? '';
}

export function DtcSearchPage() {
  const { t, language } = useI18n();
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const system = systemOf(query.get('system'));
  const make = query.get('make') ?? '';
  const offset = Math.max(0, Number.parseInt(query.get('offset') ?? '0', 10) || 0);
  const [draft, setDraft] = useState(q);
  const [draftSystem, setDraftSystem] = useState<DtcSystem | ''>(system);
  const [draftMake, setDraftMake] = useState(make);
  usePageTitle(t('searchTitle'));

  // Back and forward change the URL: the form follows.
  useEffect(() => {
    setDraft(q);
    setDraftSystem(system);
    setDraftMake(make);
  }, [q, system, make]);

  const [results] = useAsync((signal) => dtc.search({ q, system, make: make.trim(), limit: PAGE_SIZE, offset }, signal), [q, system, make, offset]);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    navigate(pathWithQuery('/dtc', { q: draft.trim(), system: draftSystem, make: draftMake.trim() }));
  };

  return (
    <>
      <section className="card" aria-labelledby="search-title">
        <h1 id="search-title">{t('searchTitle')}</h1>
        <p className="intro">{t('searchIntro')}</p>
        <form className="search-form" role="search" onSubmit={submit}>
          <TextField
            id="dtc-query"
            label={t('searchLabel')}
            type="search"
            maxLength={100}
            autoComplete="off"
            value={draft}
            onValue={setDraft}
          />
          <SelectField
            id="dtc-system"
            label={t('systemLabel')}
            value={draftSystem}
            onValue={(text) => {
            setDraftSystem(systemOf(text));
          }}
          >
            <option value="">{t('systemAll')}</option>
            {SYSTEMS.map((option) => (
              <option key={option} value={option}>
                {t(`system_${option}`)}
              </option>
            ))}
          </SelectField>
          <TextField
            id="dtc-make"
            label={t('searchMakeLabel')}
            hint={t('searchMakeHint')}
            maxLength={32}
            autoComplete="off"
            value={draftMake}
            onValue={setDraftMake}
          />
          <button type="submit" className="button primary">
            {t('searchButton')}
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="results-title" aria-busy={results.status === 'loading'}>
        <h2 id="results-title">{t('searchResults')}</h2>
        {results.status === 'loading' ? <Loading /> : null}
        {results.status === 'failed' ? <ErrorNotice error={results.error} /> : null}
        {results.status === 'done' ? (
          results.value.items.length === 0 ? (
            <EmptyState>{t('searchEmpty')}</EmptyState>
          ) : (
            <>
              <ul className="result-list">
                {results.value.items.map((code) => (
                  <CodeResult key={`${code.code} ${code.make ?? ''}`} code={code.code} make={code.make} text={describe(code, language)}>
                    <SeverityBadge severity={code.severity} />
                  </CodeResult>
                ))}
              </ul>
              <Pager
                total={results.value.total}
                limit={PAGE_SIZE}
                offset={offset}
                onOffset={(next) => {
                  navigate(pathWithQuery('/dtc', { q, system, make, offset: next === 0 ? undefined : next }));
                }}
              />
            </>
          )
        ) : null}
      </section>
    </>
  );
}
