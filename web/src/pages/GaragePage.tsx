import { garage } from '../api/endpoints';
import { EmptyState, ErrorNotice, Loading } from '../components/feedback';
import { VehicleForm, vehicleName } from '../components/garage';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

export function GaragePage() {
  const { t } = useI18n();
  const [list] = useAsync(() => garage.list(), []);
  usePageTitle(t('garageTitle'));

  return (
    <>
      <section className="card" aria-labelledby="garage-title" aria-busy={list.status === 'loading'}>
        <h1 id="garage-title">{t('garageTitle')}</h1>
        <p className="intro">{t('garageIntro')}</p>
        {list.status === 'loading' ? <Loading /> : null}
        {list.status === 'failed' ? <ErrorNotice error={list.error} /> : null}
        {list.status === 'done' && list.value.items.length === 0 ? <EmptyState>{t('garageEmpty')}</EmptyState> : null}
        {list.status === 'done' && list.value.items.length > 0 ? (
          <ul className="vehicle-list">
            {list.value.items.map((vehicle) => (
              <li key={vehicle.id} className="vehicle-card">
                <Link to={`/garage/${vehicle.id}`} className="vehicle-link" aria-label={t('openVehicle', { vehicle: vehicleName(vehicle) })}>
                  <span className="vehicle-name">{vehicleName(vehicle)}</span>
                  <span className="vehicle-meta">
                    {vehicle.make} {vehicle.model} {vehicle.year}
                    {vehicle.vin === null ? '' : ` · ${vehicle.vin}`}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card" aria-labelledby="add-vehicle-title">
        <h2 id="add-vehicle-title">{t('addVehicle')}</h2>
        <VehicleForm
          idPrefix="new-vehicle"
          submitLabel={t('addVehicleButton')}
          onSubmit={async (fields) => {
            const added = await garage.add(fields);
            navigate(`/garage/${added.id}`);
          }}
        />
      </section>
    </>
  );
}
