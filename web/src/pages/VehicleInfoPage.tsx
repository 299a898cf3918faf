import { useEffect, useState, type SyntheticEvent } from 'react';
import { vehicles } from '../api/endpoints';
import type { VehicleKey } from '../api/types';
import { EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { ComplaintTotalsLine, NO_VEHICLE, RecallList, VehicleDataSource, VehiclePicker, parseYear, vehicleChoiceProblems, type VehicleChoice } from '../components/vehicles';
import { useI18n } from '../i18n/i18n';
import { navigate, pathWithQuery, useLocation } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

function VehicleReport({ vehicle }: { readonly vehicle: VehicleKey }) {
  const { t, formatDate } = useI18n();
  const [report] = useAsync(
    async () => {
      const [recalls, complaints] = await Promise.all([vehicles.recalls(vehicle), vehicles.complaints(vehicle)]);
      return { recalls, complaints };
    },
    [vehicle.make, vehicle.model, vehicle.year],
  );
  const title = `${vehicle.make} ${vehicle.model} ${vehicle.year}`;
  if (report.status === 'loading') return <Loading />;
  if (report.status === 'failed') return <ErrorNotice error={report.error} />;
  const { recalls, complaints } = report.value;
  return (
    <div className="columns">
      <section className="card" aria-labelledby="recalls-title">
        <h2 id="recalls-title">
          {t('recalls')} · {title} ({recalls.total})
        </h2>
        <RecallList recalls={recalls.items} emptyText={t('noRecalls')} />
      </section>
      <section className="card" aria-labelledby="complaints-title">
        <h2 id="complaints-title">
          {t('complaints')} · {title}
        </h2>
        <ComplaintTotalsLine totals={complaints.totals} />
        {complaints.items.length === 0 ? (
          <EmptyState>{t('noComplaints')}</EmptyState>
        ) : (
          <ul className="recall-list">
            {complaints.items.map((complaint) => (
              <li key={complaint.cmplid} className="recall">
                <h3>
                  ODI {complaint.odi_number} · {complaint.component}
                </h3>
                <p className="recall-meta">
                  {complaint.received_date === null ? null : (
                    <span>
                      {t('reported')}: {formatDate(complaint.received_date)}
                    </span>
                  )}
                  {complaint.crash ? <span className="badge severity-critical">{t('crash')}</span> : null}
                  {complaint.fire ? <span className="badge severity-critical">{t('fire')}</span> : null}
                </p>
                {complaint.description === null ? null : <p className="recall-text">{complaint.description}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function VehicleInfoPage() {
  const { t } = useI18n();
  const { query } = useLocation();
  const fromUrl: VehicleChoice = { make: query.get('make') ?? '', model: query.get('model') ?? '', year: query.get('year') ?? '' };
  const [choice, setChoice] = useState<VehicleChoice>(fromUrl.make === '' ? NO_VEHICLE : fromUrl);
  const [errors, setErrors] = useState<Partial<Record<keyof VehicleChoice, string>>>({});
  usePageTitle(t('vehiclesTitle'));

  useEffect(() => {
    setChoice({ make: fromUrl.make, model: fromUrl.model, year: fromUrl.year });
  }, [fromUrl.make, fromUrl.model, fromUrl.year]);

  const year = parseYear(fromUrl.year);
  const selected = fromUrl.make !== '' && fromUrl.model !== '' && year !== undefined ? { make: fromUrl.make, model: fromUrl.model, year } : undefined;

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const problems = vehicleChoiceProblems(choice, t);
    setErrors(problems);
    if (Object.keys(problems).length === 0) navigate(pathWithQuery('/vehicles', { ...choice, make: choice.make.trim(), model: choice.model.trim() }));
  };

  return (
    <>
      <section className="card" aria-labelledby="vehicles-title">
        <h1 id="vehicles-title">{t('vehiclesTitle')}</h1>
        <p className="intro">{t('vehiclesIntro')}</p>
        <form onSubmit={submit} noValidate className="inline-form">
          <VehiclePicker idPrefix="lookup" value={choice} onChange={setChoice} required errors={errors} />
          <button type="submit" className="button primary">
            {t('showButton')}
          </button>
        </form>
        <VehicleDataSource />
      </section>
      {selected === undefined ? null : <VehicleReport vehicle={selected} />}
    </>
  );
}
