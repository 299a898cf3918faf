import { useState } from 'react';
import { garage } from '../api/endpoints';
import type { GarageVehicle } from '../api/types';
import { parseCodes } from '../components/dtc';
import { AsyncItems, ErrorNotice, Loading, StatusNotice } from '../components/feedback';
import { TextAreaField, TextField } from '../components/fields';
import { Card, SubmitForm } from '../components/forms';
import { VehicleForm, vehicleName } from '../components/garage';
import { MileageAndReminders } from '../components/reminders';
import { VehicleScans } from '../components/scans';
import { RecallList } from '../components/vehicles';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

function Recalls({ vehicleId }: { readonly vehicleId: string }) {
  const { t } = useI18n();
  const [recalls] = useAsync(() => garage.recalls(vehicleId), [vehicleId]);
  return (
    <section className="card" aria-labelledby="garage-recalls-title" aria-busy={recalls.status === 'loading'}>
      <h2 id="garage-recalls-title">
        {t('recalls')}
        {recalls.status === 'done' ? ` (${recalls.value.total})` : ''}
      </h2>
      {recalls.status === 'loading' ? <Loading /> : null}
      {recalls.status === 'failed' ? <ErrorNotice error={recalls.error} /> : null}
      {recalls.status === 'done' ? <RecallList recalls={recalls.value.items} emptyText={t('noRecalls')} /> : null}
    </section>
  );
}

function Notes({ vehicleId }: { readonly vehicleId: string }) {
  const { t, formatDate } = useI18n();
  const [notes, reload] = useAsync(() => garage.notes(vehicleId), [vehicleId]);
  const [codes, setCodes] = useState('');
  const [symptoms, setSymptoms] = useState('');
  const submission = useSubmission();

  const remove = (noteId: string) => {
    void submission.run(async () => {
      await garage.removeNote(vehicleId, noteId);
      reload();
      return undefined;
    });
  };

  return (
    <Card id="notes" title={t('notes')}>
      <AsyncItems state={notes} emptyText={t('notesEmpty')}>
        {(items) => (
          <ul className="note-list">
            {items.map((note) => (
              <li key={note.id} className="note">
                <p className="note-meta">
                  <time dateTime={note.created_at}>{formatDate(note.created_at)}</time>
                  {note.codes.map((code) => (
                    <Link key={code} to={`/dtc/${code}`} className="code-chip">
                      {code}
                    </Link>
                  ))}
                </p>
                {note.symptoms === '' ? null : <p className="note-text">{note.symptoms}</p>}
                <button
                  type="button"
                  className="button small"
                  onClick={() => {
                    remove(note.id);
                  }}
                >
                  {t('removeNote')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </AsyncItems>
      <h3>{t('addNote')}</h3>
      <SubmitForm
        submission={submission}
        action={async () => {
          await garage.addNote(vehicleId, { codes: parseCodes(codes), symptoms: symptoms.trim() });
          setCodes('');
          setSymptoms('');
          reload();
          return 'noteAdded';
        }}
        submitLabel={t('addNoteButton')}
      >
        <TextField
          id="note-codes"
          label={`${t('noteCodes')} ${t('optional')}`}
          hint={t('codesHint')}
          autoComplete="off"
          value={codes}
          error={submission.fieldError('codes')}
          onValue={setCodes}
        />
        <TextAreaField id="note-symptoms" label={t('noteSymptoms')} rows={3} maxLength={4000} value={symptoms} error={submission.fieldError('symptoms')} onValue={setSymptoms} />
      </SubmitForm>
    </Card>
  );
}

function VehicleHeader({ vehicle, onChanged }: { readonly vehicle: GarageVehicle; readonly onChanged: (vehicle: GarageVehicle) => void }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState(false);
  const removal = useSubmission();

  const confirm = (asking: boolean) => () => {
    setConfirming(asking);
  };

  const remove = () => {
    void removal.run(async () => {
      await garage.remove(vehicle.id);
      navigate('/garage');
      return undefined;
    });
  };

  return (
    <section className="card" aria-labelledby="vehicle-title">
      <p className="eyebrow">
        <Link to="/garage">{t('backToGarage')}</Link>
      </p>
      <h1 id="vehicle-title">{vehicleName(vehicle)}</h1>
      <p className="vehicle-meta">
        {vehicle.make} {vehicle.model} {vehicle.year}
        {vehicle.vin === null ? '' : ` · ${t('vin')}: ${vehicle.vin}`}
      </p>
      <StatusNotice message={saved ? t('vehicleSaved') : undefined} />
      <ErrorNotice error={removal.error} />
      {editing ? (
        <VehicleForm
          idPrefix="edit-vehicle"
          initial={vehicle}
          submitLabel={t('save')}
          onCancel={() => {
            setEditing(false);
          }}
          onSubmit={async (fields) => {
            onChanged(await garage.update(vehicle.id, fields));
            setEditing(false);
            setSaved(true);
          }}
        />
      ) : (
        <div className="button-row">
          <button
            type="button"
            className="button"
            onClick={() => {
              setEditing(true);
              setSaved(false);
            }}
          >
            {t('editVehicle')}
          </button>
          {confirming ? (
            <>
              <span role="alert">{t('removeVehicleConfirm')}</span>
              <button type="button" className="button danger" disabled={removal.busy} onClick={remove}>
                {t('confirmRemove')}
              </button>
              <button type="button" className="button" onClick={confirm(false)}>
                {t('cancel')}
              </button>
            </>
          ) : (
            <button type="button" className="button danger" onClick={confirm(true)}>
              {t('removeVehicle')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

export function GarageVehiclePage({ id }: { readonly id: string }) {
  const { t } = useI18n();
  const [loaded] = useAsync(() => garage.get(id), [id]);
  const [changed, setChanged] = useState<GarageVehicle>();
  const vehicle = changed?.id === id ? changed : loaded.status === 'done' ? loaded.value : undefined;
  usePageTitle(vehicle === undefined ? t('garageTitle') : vehicleName(vehicle));

  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'failed' || vehicle === undefined) {
    return (
      <section className="card">
        <h1>{t('garageTitle')}</h1>
        <ErrorNotice error={loaded.status === 'failed' ? loaded.error : undefined} />
        <p>
          <Link to="/garage">{t('backToGarage')}</Link>
        </p>
      </section>
    );
  }
  return (
    <>
      <VehicleHeader vehicle={vehicle} onChanged={setChanged} />
      <div className="columns">
        {/* Keyed by make/model/year: editing the vehicle reloads its recalls. */}
        <Recalls key={`${vehicle.make}/${vehicle.model}/${vehicle.year}`} vehicleId={vehicle.id} />
        <Notes vehicleId={vehicle.id} />
      </div>
      <MileageAndReminders vehicleId={vehicle.id} />
      <VehicleScans vehicleId={vehicle.id} />
    </>
  );
}
