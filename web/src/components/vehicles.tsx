import { vehicles } from '../api/endpoints';
import type { ComplaintTotals, Recall } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { useAsync } from '../useAsync';
import { ErrorNotice } from './feedback';
import { SelectField, TextField } from './fields';

export interface VehicleChoice {
  readonly make: string;
  readonly model: string;
  /** As typed: validated on submit. */
  readonly year: string;
}

export const NO_VEHICLE: VehicleChoice = { make: '', model: '', year: '' };

/** Make and model from /api/v1/vehicles/makes and /models, year typed. */
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
  const [models] = useAsync(async () => (value.make === '' ? { items: [] as readonly string[] } : vehicles.models(value.make)), [value.make]);
  const makeItems = makes.status === 'done' ? makes.value.items : [];
  const modelItems = models.status === 'done' ? models.value.items : [];

  return (
    <div className="vehicle-picker">
      <SelectField
        id={`${idPrefix}-make`}
        label={t('make')}
        required={required}
        value={value.make}
        error={errors.make}
        hint={makes.status === 'done' && makeItems.length === 0 ? t('noMakes') : undefined}
        onChange={(event) => {
          onChange({ ...value, make: event.target.value, model: '' });
        }}
      >
        <option value="">{makes.status === 'loading' ? t('loading') : t('chooseMake')}</option>
        {makeItems.map((make) => (
          <option key={make} value={make}>
            {make}
          </option>
        ))}
      </SelectField>
      <SelectField
        id={`${idPrefix}-model`}
        label={t('model')}
        required={required}
        value={value.model}
        error={errors.model}
        disabled={value.make === ''}
        onChange={(event) => {
          onChange({ ...value, model: event.target.value });
        }}
      >
        <option value="">{models.status === 'loading' && value.make !== '' ? t('loading') : t('chooseModel')}</option>
        {modelItems.map((model) => (
          <option key={model} value={model}>
            {model}
          </option>
        ))}
      </SelectField>
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
      {makes.status === 'failed' ? <ErrorNotice error={makes.error} /> : null}
    </div>
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
