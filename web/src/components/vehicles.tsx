import type { ReactNode } from 'react';
import { vehicles } from '../api/endpoints';
import type { ComplaintTotals, Recall } from '../api/types';
import { useI18n, type Translate } from '../i18n/i18n';
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
  children,
}: {
  readonly idPrefix: string;
  readonly value: VehicleChoice;
  readonly onChange: (value: VehicleChoice) => void;
  readonly required?: boolean;
  readonly errors?: Partial<Record<keyof VehicleChoice, string | undefined>>;
  /** More fields in the same grid (the garage's VIN and nickname). */
  readonly children?: ReactNode;
}) {
  const { t } = useI18n();
  const [makes] = useAsync(() => vehicles.makes(), []);
  const makeItems = makes.status === 'done' ? makes.value.items : [];
  const suggestedMake = knownMake(makeItems, value.make);
  const [models] = useAsync(async () => (suggestedMake === undefined ? { items: [] as readonly string[] } : vehicles.models(suggestedMake)), [suggestedMake]);
  const modelItems = models.status === 'done' ? models.value.items : [];
  const noData = makes.status === 'done' && makeItems.length === 0;
  const field = (name: keyof VehicleChoice) => ({
    id: `${idPrefix}-${name}`,
    label: t(name),
    required,
    value: value[name],
    error: errors[name],
    onValue: (text: string) => {
      onChange({ ...value, [name]: text });
    },
  });

  return (
    <div className="vehicle-picker">
      <TextField {...field('make')} maxLength={64} list={`${idPrefix}-makes`} autoComplete="off" hint={noData ? t('noMakesFreeText') : t('makeHint')} />
      <TextField {...field('model')} maxLength={128} list={`${idPrefix}-models`} autoComplete="off" />
      <TextField {...field('year')} type="number" inputMode="numeric" min={1900} max={2100} />
      {children}
      <Suggestions id={`${idPrefix}-makes`} items={makeItems} />
      <Suggestions id={`${idPrefix}-models`} items={modelItems} />
      {makes.status === 'failed' ? <ErrorNotice error={makes.error} /> : null}
    </div>
  );
}

function Suggestions({ id, items }: { readonly id: string; readonly items: readonly string[] }) {
  return (
    <datalist id={id}>
      {items.map((item) => (
        <option key={item} value={item} />
      ))}
    </datalist>
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

/** What is missing or wrong in a make, model and year, checked before anything is sent. */
export function vehicleChoiceProblems(choice: VehicleChoice, t: Translate): Partial<Record<keyof VehicleChoice, string>> {
  return {
    ...(choice.make.trim() === '' ? { make: t('errorRequired') } : {}),
    ...(choice.model.trim() === '' ? { model: t('errorRequired') } : {}),
    ...(parseYear(choice.year) === undefined ? { year: t('errorYear') } : {}),
  };
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
