import { useState, type SyntheticEvent } from 'react';
import { vehicles } from '../api/endpoints';
import type { GarageVehicle, GarageVehicleFields } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { useAsync, useDebounced } from '../useAsync';
import { ErrorNotice, fieldError } from './feedback';
import { TextField } from './fields';
import { parseYear } from './vehicles';

/** How a garage vehicle is named on screen: its nickname, else make, model and year. Always rendered as text. */
export function vehicleName(vehicle: Pick<GarageVehicle, 'nickname' | 'make' | 'model' | 'year'>): string {
  const description = `${vehicle.make} ${vehicle.model} ${vehicle.year}`;
  return vehicle.nickname === null || vehicle.nickname === '' ? description : vehicle.nickname;
}

interface Draft {
  readonly make: string;
  readonly model: string;
  readonly year: string;
  readonly vin: string;
  readonly nickname: string;
}

const EMPTY_DRAFT: Draft = { make: '', model: '', year: '', vin: '', nickname: '' };

/**
 * Add or edit a vehicle. Make and model are free text (not every car is in
 * NHTSA's data) with the known names offered as suggestions.
 */
export function VehicleForm({
  idPrefix,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  readonly idPrefix: string;
  readonly initial?: GarageVehicle;
  readonly submitLabel: string;
  readonly onSubmit: (fields: GarageVehicleFields) => Promise<void>;
  readonly onCancel?: () => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Draft>(
    initial === undefined
      ? EMPTY_DRAFT
      : { make: initial.make, model: initial.model, year: String(initial.year), vin: initial.vin ?? '', nickname: initial.nickname ?? '' },
  );
  const [problems, setProblems] = useState<Partial<Record<keyof Draft, string>>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [makes] = useAsync(() => vehicles.makes(), []);
  const makeForSuggestions = useDebounced(draft.make.trim(), 300);
  const [models] = useAsync(async () => (makeForSuggestions === '' ? { items: [] as readonly string[] } : vehicles.models(makeForSuggestions)), [makeForSuggestions]);

  const change = (field: keyof Draft) => (event: { target: { value: string } }) => {
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  };

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const year = parseYear(draft.year);
    const found: Partial<Record<keyof Draft, string>> = {};
    if (draft.make.trim() === '') found.make = t('errorRequired');
    if (draft.model.trim() === '') found.model = t('errorRequired');
    if (year === undefined) found.year = t('errorYear');
    setProblems(found);
    if (year === undefined || Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit({
        make: draft.make.trim(),
        model: draft.model.trim(),
        year,
        vin: draft.vin.trim() === '' ? null : draft.vin.trim().toUpperCase(),
        nickname: draft.nickname.trim() === '' ? null : draft.nickname.trim(),
      });
      if (initial === undefined) setDraft(EMPTY_DRAFT);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const problem = (field: keyof Draft): string | undefined => problems[field] ?? fieldError(error, field, t);
  return (
    <form
      className="vehicle-form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <ErrorNotice error={error} />
      <div className="form-grid">
        <TextField id={`${idPrefix}-make`} label={t('make')} required maxLength={64} list={`${idPrefix}-makes`} autoComplete="off" value={draft.make} error={problem('make')} onChange={change('make')} />
        <TextField id={`${idPrefix}-model`} label={t('model')} required maxLength={128} list={`${idPrefix}-models`} autoComplete="off" value={draft.model} error={problem('model')} onChange={change('model')} />
        <TextField id={`${idPrefix}-year`} label={t('year')} required type="number" inputMode="numeric" min={1900} max={2100} value={draft.year} error={problem('year')} onChange={change('year')} />
        <TextField id={`${idPrefix}-vin`} label={`${t('vin')} ${t('optional')}`} hint={t('vinHint')} maxLength={17} autoComplete="off" value={draft.vin} error={problem('vin')} onChange={change('vin')} />
        <TextField id={`${idPrefix}-nickname`} label={`${t('nickname')} ${t('optional')}`} maxLength={100} value={draft.nickname} error={problem('nickname')} onChange={change('nickname')} />
      </div>
      <datalist id={`${idPrefix}-makes`}>
        {(makes.status === 'done' ? makes.value.items : []).map((make) => (
          <option key={make} value={make} />
        ))}
      </datalist>
      <datalist id={`${idPrefix}-models`}>
        {(models.status === 'done' ? models.value.items : []).map((model) => (
          <option key={model} value={model} />
        ))}
      </datalist>
      <div className="button-row">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t('saving') : submitLabel}
        </button>
        {onCancel === undefined ? null : (
          <button type="button" className="button" onClick={onCancel}>
            {t('cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
