import { useState } from 'react';
import { diagnosis } from '../api/endpoints';
import type { QuickAnalysis } from '../api/types';
import { CodeResult, describe, parseCodes, SeverityBadge } from '../components/dtc';
import { TextField } from '../components/fields';
import { SubmitForm } from '../components/forms';
import { ComplaintTotalsLine, NO_VEHICLE, RecallList, VehicleDataSource, VehiclePicker, parseYear, type VehicleChoice } from '../components/vehicles';
import { useI18n } from '../i18n/i18n';
import { useLocation } from '../router';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

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
          <CodeResult key={entry.code} code={entry.code} make={entry.details?.make ?? null} text={entry.details === null ? t('unknownCode') : describe(entry.details, language)}>
            <SeverityBadge severity={entry.details?.severity ?? null} />
          </CodeResult>
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
  const [codesProblem, setCodesProblem] = useState<string>();
  const submission = useSubmission();
  usePageTitle(t('analysisTitle'));

  const checked = (): boolean => {
    const given = parseCodes(codesText).length > 0;
    setCodesProblem(given ? undefined : t('errorRequired'));
    return given;
  };

  const analyze = async (): Promise<undefined> => {
    const year = parseYear(vehicle.year);
    const make = vehicle.make.trim();
    const model = vehicle.model.trim();
    const withVehicle = make !== '' && model !== '' && year !== undefined;
    setAnalysis(undefined);
    setAnalysis(await diagnosis.quickAnalyze({ codes: parseCodes(codesText), ...(withVehicle ? { make, model, year } : {}) }));
    return undefined;
  };

  return (
    <>
      <section className="card" aria-labelledby="analysis-title">
        <h1 id="analysis-title">{t('analysisTitle')}</h1>
        <p className="intro">{t('analysisIntro')}</p>
        <SubmitForm submission={submission} check={checked} action={analyze} submitLabel={t('analyzeButton')} busyLabel={t('analyzing')}>
          <TextField
            id="analysis-codes"
            label={t('codesLabel')}
            hint={t('codesHint')}
            autoComplete="off"
            required
            value={codesText}
            error={codesProblem ?? submission.fieldError('codes')}
            onValue={setCodesText}
          />
          <fieldset className="fieldset">
            <legend>{t('vehicleOptional')}</legend>
            <VehiclePicker idPrefix="analysis" value={vehicle} onChange={setVehicle} errors={{ make: submission.fieldError('make'), model: submission.fieldError('model'), year: submission.fieldError('year') }} />
            <VehicleDataSource />
          </fieldset>
        </SubmitForm>
      </section>
      <div aria-live="polite">{analysis === undefined ? null : <Results analysis={analysis} />}</div>
    </>
  );
}
