import { useState } from 'react';
import type { GarageVehicle, GarageVehicleFields } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { useSubmission } from '../useSubmission';
import { TextField } from './fields';
import { SubmitForm } from './forms';
import { VehiclePicker, parseYear, vehicleChoiceProblems } from './vehicles';

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
  const submission = useSubmission();

  const change = (field: keyof Draft) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
  };

  const checked = (): boolean => {
    const found = vehicleChoiceProblems(draft, t);
    setProblems(found);
    return Object.keys(found).length === 0;
  };

  const save = async (): Promise<undefined> => {
    const year = parseYear(draft.year);
    if (year === undefined) return undefined; // checked() has marked it already
    await onSubmit({
      make: draft.make.trim(),
      model: draft.model.trim(),
      year,
      vin: draft.vin.trim() === '' ? null : draft.vin.trim().toUpperCase(),
      nickname: draft.nickname.trim() === '' ? null : draft.nickname.trim(),
    });
    if (initial === undefined) setDraft(EMPTY_DRAFT);
    return undefined;
  };

  const problem = (field: keyof Draft): string | undefined => problems[field] ?? submission.fieldError(field);
  return (
    <SubmitForm
      submission={submission}
      className="vehicle-form"
      check={checked}
      action={save}
      submitLabel={submitLabel}
      actions={
        onCancel === undefined ? undefined : (
          <button type="button" className="button" onClick={onCancel}>
            {t('cancel')}
          </button>
        )
      }
    >
      <VehiclePicker
        idPrefix={idPrefix}
        value={draft}
        onChange={(choice) => {
          setDraft((current) => ({ ...current, ...choice }));
        }}
        required
        errors={{ make: problem('make'), model: problem('model'), year: problem('year') }}
      >
        <TextField id={`${idPrefix}-vin`} label={`${t('vin')} ${t('optional')}`} hint={t('vinHint')} maxLength={17} autoComplete="off" value={draft.vin} error={problem('vin')} onValue={change('vin')} />
        <TextField id={`${idPrefix}-nickname`} label={`${t('nickname')} ${t('optional')}`} maxLength={100} value={draft.nickname} error={problem('nickname')} onValue={change('nickname')} />
      </VehiclePicker>
    </SubmitForm>
  );
}
