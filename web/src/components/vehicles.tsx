import { vehicles } from '../api/endpoints';
import type { ComplaintTotals, Recall } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { useAsync } from '../useAsync';
import { ErrorNotice } from './feedback';
import { TextField } from './fields';

export interface VehicleChoice {
  readonly make: string;
  readonly model: string;
  /** As typed: validated on submit. */
  readonly year: string;
}

export const NO_VEHICLE: VehicleChoice = { make: '', model: '', year: '' };

/** True when `make` is one of the imported makes (case aside): only then is there a model list to ask for. */
function knownMake(makes: readonly string[], make: string): string | undefined {
  const wanted = make.trim().toUpperCase();
  return wanted === '' ? undefined : makes.find((candidate) => candidate.toUpperCase() === wanted);
}

/**
 * Make, model and year as free text. Makes and models from the imported NHTSA
 * data (/api/v1/vehicles/makes and /models) are offered as suggestions when
 * there are any; with none imported yet, any make and model can still be typed.
 */
export function VehiclePicker({
  idPrefix,
  value,
  onChange,
  required = false,
  errors = {},
}: {
  readonly idPrefix: string;
  readonly value: VehicleChoice;
  readonly onChange: (value: VehicleChoice) => void;
  readonly required?: boolean;
  readonly errors?: Partial<Record<keyof VehicleChoice, string>>;
}) {
  const { t } = useI18n();
  const [makes] = useAsync(() => vehicles.makes(), []);
  const makeItems = makes.status === 'done' ? makes.value.items : [];
  const suggestedMake = knownMake(makeItems, value.make);
  const [models] = useAsync(async () => (suggestedMake === undefined ? { items: [] as readonly string[] } : vehicles.models(suggestedMake)), [suggestedMake]);
  const modelItems = models.status === 'done' ? models.value.items : [];
  const noData = makes.status === 'done' && makeItems.length === 0;

  return (
    <div className="vehicle-picker">
      <TextField
        id={`${idPrefix}-make`}
        label={t('make')}
        required={required}
        maxLength={64}
        list={`${idPrefix}-makes`}
        autoComplete="off"
        value={value.make}
        error={errors.make}
        hint={noData ? t('noMakesFreeText') : t('makeHint')}
        onChange={(event) => {
          onChange({ ...value, make: event.target.value });
        }}
      />
      <TextField
        id={`${idPrefix}-model`}
        label={t('model')}
        required={required}
        maxLength={128}
        list={`${idPrefix}-models`}
        autoComplete="off"
        value={value.model}
        error={errors.model}
        onChange={(event) => {
          onChange({ ...value, model: event.target.value });
        }}
      />
      <TextField
        id={`${idPrefix}-year`}
        label={t('year')}
        type="number"
        inputMode="numeric"
        min={1900}
        max={2100}
        required={required}
        value={value.year}
        error={errors.year}
        onChange={(event) => {
          onChange({ ...value, year: event.target.value });
        }}
      />
      <datalist id={`${idPrefix}-makes`}>
        {makeItems.map((make) => (
          <option key={make} value={make} />
        ))}
      </datalist>
      <datalist id={`${idPrefix}-models`}>
        {modelItems.map((model) => (
          <option key={model} value={model} />
        ))}
      </datalist>
      {makes.status === 'failed' ? <ErrorNotice error={makes.error} /> : null}
    </div>
  );
}

/** Where recall and complaint data comes from, and how an operator loads it: shown where vehicles are looked up. */
export function VehicleDataSource() {
  const { t } = useI18n();
  return (
    <p className="field-hint data-source">
      {t('vehicleDataSource')} <code>npx autocognitix import recalls FLAT_RCL.zip</code>, <code>npx autocognitix import complaints FLAT_CMPL.zip</code>
    </p>
  );
}

/** A year from 1900 to 2100, or undefined. */
export function parseYear(text: string): number | undefined {
  const year = Number(text);
  return Number.isInteger(year) && year >= 1900 && year <= 2100 ? year : undefined;
}

export function RecallList({ recalls, emptyText }: { readonly recalls: readonly Recall[]; readonly emptyText: string }) {
  const { t, formatDate } = useI18n();
  if (recalls.length === 0) return <p className="empty">{emptyText}</p>;
  return (
    <ul className="recall-list">
      {recalls.map((recall) => (
        <li key={`${recall.campaign_number}-${recall.component}`} className="recall">
          <h3>{t('recallCampaign', { campaign: recall.campaign_number })}</h3>
          <p className="recall-meta">
            <span>
              {t('component')}: {recall.component}
            </span>
            {recall.report_received_date === null ? null : (
              <span>
                {t('reported')}: {formatDate(recall.report_received_date)}
              </span>
            )}
          </p>
          {recall.do_not_drive === true ? <p className="badge severity-critical">{t('doNotDrive')}</p> : null}
          {recall.park_outside === true ? <p className="badge severity-high">{t('parkOutside')}</p> : null}
          {recall.defect_summary === null ? null : <p className="recall-text">{recall.defect_summary}</p>}
          {recall.consequence_summary === null ? null : (
            <p className="recall-text">
              <strong>{t('consequence')}:</strong> {recall.consequence_summary}
            </p>
          )}
          {recall.corrective_action === null ? null : (
            <p className="recall-text">
              <strong>{t('remedy')}:</strong> {recall.corrective_action}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ComplaintTotalsLine({ totals }: { readonly totals: ComplaintTotals }) {
  const { t } = useI18n();
  return <p className="totals">{t('complaintTotals', { ...totals })}</p>;
}
