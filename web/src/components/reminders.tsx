import { useState } from 'react';
import { garage } from '../api/endpoints';
import type { DueState, ReminderKind, VehicleReminder } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { useAsync } from '../useAsync';
import { useSubmission } from '../useSubmission';
import { ApiError } from '../api/client';
import { AsyncItems, ErrorNotice } from './feedback';
import { SelectField, TextField } from './fields';
import { Card, SubmitForm } from './forms';

const KINDS: readonly ReminderKind[] = ['oil_service', 'timing_belt', 'brake_fluid', 'inspection', 'insurance', 'custom'];
const kindKey = (kind: ReminderKind): MessageKey => `kind_${kind}`;
const stateKey = (state: DueState): MessageKey => `state_${state}`;

export function formatKm(km: number, language: string): string {
  return km.toLocaleString(language === 'hu' ? 'hu-HU' : 'en-GB');
}

export function DueBadge({ state }: { readonly state: DueState }) {
  const { t } = useI18n();
  return <span className={`badge badge-due-${state}`}>{t(stateKey(state))}</span>;
}

/** "2027-06-01 · 115 000 km": whichever of the two the reminder has. */
export function useDueText(): (reminder: VehicleReminder) => string {
  const { formatDate, language } = useI18n();
  // Noon UTC: the calendar day stays the same day in every time zone.
  return (reminder) =>
    [
      reminder.next_due.due_date === null ? undefined : formatDate(`${reminder.next_due.due_date}T12:00:00Z`),
      reminder.next_due.due_km === null ? undefined : `${formatKm(reminder.next_due.due_km, language)} km`,
    ]
      .filter((part) => part !== undefined)
      .join(' · ');
}

export function reminderName(reminder: VehicleReminder, t: (key: MessageKey) => string): string {
  return reminder.title === '' ? t(kindKey(reminder.kind)) : reminder.title;
}

/** The vehicle page's odometer field and reminder list with due-state badges. */
export function MileageAndReminders({ vehicleId }: { readonly vehicleId: string }) {
  const { t, language } = useI18n();
  const dueText = useDueText();
  const [reminders, reload] = useAsync(() => garage.reminders(vehicleId), [vehicleId]);
  const [km, setKm] = useState('');
  const [correct, setCorrect] = useState(false);
  const [kind, setKind] = useState<ReminderKind>('oil_service');
  const [title, setTitle] = useState('');
  const [dueDate, setDueDate] = useState('');
  const reading = useSubmission();
  const adding = useSubmission();
  const acting = useSubmission();
  const latestKm = reminders.status === 'done' ? reminders.value.latest_km : null;

  const act = (action: () => Promise<unknown>) => {
    void acting.run(async () => {
      await action();
      reload();
      return undefined;
    });
  };

  return (
    <Card id="reminders" title={t('reminders')}>
      <h3>{t('odometer')}</h3>
      <p id="odometer-latest">{latestKm === null ? t('odometerNone') : t('odometerLatest', { km: formatKm(latestKm, language) })}</p>
      <SubmitForm
        submission={reading}
        action={async () => {
          await garage.addReading(vehicleId, { km: Number(km), ...(correct ? { correct: true } : {}) });
          setKm('');
          setCorrect(false);
          reload();
          return 'odometerSaved';
        }}
        submitLabel={t('odometerSave')}
      >
        <TextField id="odometer-km" label={t('odometerKm')} inputMode="numeric" autoComplete="off" value={km} error={reading.fieldError('km')} onValue={setKm} />
        {(reading.error instanceof ApiError && reading.error.code === 'odometer_reading_lower') || correct ? (
          <label className="checkbox">
            <input
              id="odometer-correct"
              type="checkbox"
              checked={correct}
              onChange={(event) => {
                setCorrect(event.target.checked);
              }}
            />{' '}
            {t('odometerCorrect')}
          </label>
        ) : null}
      </SubmitForm>

      <h3>{t('reminders')}</h3>
      <ErrorNotice error={acting.error} />
      <AsyncItems state={reminders} emptyText={t('remindersEmpty')}>
        {(items) => (
          <ul className="reminder-list">
            {items.map((reminder) => (
              <li key={reminder.id} className="reminder" data-state={reminder.next_due.state}>
                <DueBadge state={reminder.next_due.state} /> <strong>{reminderName(reminder, t)}</strong>{' '}
                <span className="reminder-due">{t('reminderDue', { due: dueText(reminder) })}</span>
                <span className="button-row">
                  {reminder.every_months === null && reminder.every_km === null ? null : (
                    <button
                      type="button"
                      className="button small"
                      disabled={acting.busy}
                      onClick={() => {
                        act(() => garage.reminderDone(vehicleId, reminder.id, {}));
                      }}
                    >
                      {t('reminderDone')}
                    </button>
                  )}
                  <button
                    type="button"
                    className="button small"
                    disabled={acting.busy}
                    onClick={() => {
                      act(() => garage.removeReminder(vehicleId, reminder.id));
                    }}
                  >
                    {t('removeReminder')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
      </AsyncItems>

      <h3>{t('addReminder')}</h3>
      <SubmitForm
        submission={adding}
        action={async () => {
          await garage.addReminder(vehicleId, { kind, ...(title.trim() === '' ? {} : { title: title.trim() }), ...(dueDate === '' ? {} : { due_date: dueDate }) });
          setTitle('');
          setDueDate('');
          reload();
          return 'reminderAdded';
        }}
        submitLabel={t('addReminderButton')}
      >
        <SelectField
          id="reminder-kind"
          label={t('reminderKind')}
          value={kind}
          error={adding.fieldError('kind')}
          onValue={(value) => {
            setKind(KINDS.find((candidate) => candidate === value) ?? 'custom');
          }}
        >
          {KINDS.map((candidate) => (
            <option key={candidate} value={candidate}>
              {t(kindKey(candidate))}
            </option>
          ))}
        </SelectField>
        <TextField id="reminder-title" label={t('reminderTitle')} maxLength={100} value={title} error={adding.fieldError('title')} onValue={setTitle} />
        <TextField id="reminder-due-date" label={t('reminderDueDate')} hint={t('reminderDueDateHint')} type="date" value={dueDate} error={adding.fieldError('due_date')} onValue={setDueDate} />
      </SubmitForm>
    </Card>
  );
}

/** The garage page's "due / overdue" across every vehicle. */
export function DueReminders() {
  const { t } = useI18n();
  const dueText = useDueText();
  const [due] = useAsync(() => garage.dueReminders(), []);
  return (
    <section className="card" aria-labelledby="due-title" aria-busy={due.status === 'loading'}>
      <h2 id="due-title">{t('dueTitle')}</h2>
      <AsyncItems state={due} emptyText={t('dueEmpty')}>
        {(items) => (
          <ul className="reminder-list">
            {items.map(({ vehicle, reminder }) => (
              <li key={reminder.id} className="reminder" data-state={reminder.next_due.state}>
                <DueBadge state={reminder.next_due.state} /> <strong>{reminderName(reminder, t)}</strong> · {vehicle.nickname ?? `${vehicle.make} ${vehicle.model}`}{' '}
                <span className="reminder-due">{t('reminderDue', { due: dueText(reminder) })}</span>
              </li>
            ))}
          </ul>
        )}
      </AsyncItems>
    </section>
  );
}
