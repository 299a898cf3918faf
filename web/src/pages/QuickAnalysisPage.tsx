import { useState, type SyntheticEvent } from 'react';
import { diagnosis } from '../api/endpoints';
import type { QuickAnalysis } from '../api/types';
import { describe, parseCodes, SeverityBadge } from '../components/dtc';
import { ErrorNotice, fieldError } from '../components/feedback';
import { TextField } from '../components/fields';
import { ComplaintTotalsLine, NO_VEHICLE, RecallList, VehicleDataSource, VehiclePicker, parseYear, type VehicleChoice } from '../components/vehicles';
import { useI18n } from '../i18n/i18n';
import { Link, useLocation } from '../router';
import { usePageTitle } from '../usePageTitle';

function Results({ analysis }: { readonly analysis: QuickAnalysis }) {
  const { t, language } = useI18n();
  return (
    <section className="card" aria-labelledby="analysis-results-title">
      <h2 id="analysis-results-title">{t('analysisResults')}</h2>
      <p>
        {t('highestSeverity')}: <SeverityBadge severity={analysis.highest_severity} />
      </p>
      <ul className="result-list">
        {analysis.codes.map((entry) => (
          <li key={entry.code} className="result">
            <Link to={`/dtc/${entry.code}`} className="code-link">
              {entry.code}
            </Link>
            <span className="result-text">{entry.details === null ? t('unknownCode') : describe(entry.details, language)}</span>
            <SeverityBadge severity={entry.details?.severity ?? null} />
          </li>
        ))}
      </ul>
      <dl className="facts">
        <dt>{t('systemsAffected')}</dt>
        <dd>{analysis.systems.map((entry) => `${t(`system_${entry.system}`)}: ${entry.codes.join(', ')}`).join(' · ')}</dd>
        <dt>{t('sharedSystems')}</dt>
        <dd>{analysis.shared_systems.length === 0 ? t('noneListed') : analysis.shared_systems.map((system) => t(`system_${system}`)).join(', ')}</dd>
        <dt>{t('relatedPairs')}</dt>
        <dd>{analysis.related_pairs.length === 0 ? t('noneListed') : analysis.related_pairs.map((pair) => `${pair.code} → ${pair.related_code}`).join(', ')}</dd>
      </dl>
      {analysis.vehicle === null ? null : (
        <section aria-labelledby="analysis-vehicle-title">
          <h3 id="analysis-vehicle-title">
            {t('vehicleRecalls', {
              vehicle: `${analysis.vehicle.make} ${analysis.vehicle.model} ${analysis.vehicle.year}`,
              total: analysis.vehicle.recalls.total,
              relevant: analysis.vehicle.recalls.relevant,
            })}
          </h3>
          <RecallList recalls={analysis.vehicle.recalls.items} emptyText={t('noRecalls')} />
          <p>{t('vehicleComplaints', { all: analysis.vehicle.complaints.all.complaints, relevant: analysis.vehicle.complaints.relevant.complaints })}</p>
          <ComplaintTotalsLine totals={analysis.vehicle.complaints.all} />
        </section>
      )}
    </section>
  );
}

export function QuickAnalysisPage() {
  const { t } = useI18n();
  const { query } = useLocation();
  const [codesText, setCodesText] = useState(query.get('codes') ?? '');
  const [vehicle, setVehicle] = useState<VehicleChoice>(NO_VEHICLE);
  const [analysis, setAnalysis] = useState<QuickAnalysis>();
  const [error, setError] = useState<unknown>();
  const [codesProblem, setCodesProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  usePageTitle(t('analysisTitle'));

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const codes = parseCodes(codesText);
    setCodesProblem(codes.length === 0 ? t('errorRequired') : undefined);
    if (codes.length === 0) return;
    const year = parseYear(vehicle.year);
    const make = vehicle.make.trim();
    const model = vehicle.model.trim();
    const withVehicle = make !== '' && model !== '' && year !== undefined;
    setBusy(true);
    setError(undefined);
    try {
      setAnalysis(await diagnosis.quickAnalyze({ codes, ...(withVehicle ? { make, model, year } : {}) }));
    } catch (failure) {
      setError(failure);
      setAnalysis(undefined);
    } finally {
      setBusy(false);
    }
  };

  const codesError = codesProblem ?? fieldError(error, 'codes', t);
  return (
    <>
      <section className="card" aria-labelledby="analysis-title">
        <h1 id="analysis-title">{t('analysisTitle')}</h1>
        <p className="intro">{t('analysisIntro')}</p>
        <ErrorNotice error={error} />
        <form
          onSubmit={(event) => {
            void submit(event);
          }}
          noValidate
        >
          <TextField
            id="analysis-codes"
            label={t('codesLabel')}
            hint={t('codesHint')}
            autoComplete="off"
            required
            value={codesText}
            error={codesError}
            onChange={(event) => {
              setCodesText(event.target.value);
            }}
          />
          <fieldset className="fieldset">
            <legend>{t('vehicleOptional')}</legend>
            <VehiclePicker idPrefix="analysis" value={vehicle} onChange={setVehicle} />
            <VehicleDataSource />
          </fieldset>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? t('analyzing') : t('analyzeButton')}
          </button>
        </form>
      </section>
      <div aria-live="polite">{analysis === undefined ? null : <Results analysis={analysis} />}</div>
    </>
  );
}
