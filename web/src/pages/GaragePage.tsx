import { garage } from '../api/endpoints';
import { AsyncItems } from '../components/feedback';
import { Card } from '../components/forms';
import { VehicleForm, vehicleName } from '../components/garage';
import { CalendarFeedCard } from '../components/calendar-feed';
import { DueReminders } from '../components/reminders';
import { useI18n } from '../i18n/i18n';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

export function GaragePage() {
  const { t } = useI18n();
  const [list] = useAsync(() => garage.list(), []);
  const { user } = useSession();
  usePageTitle(t('garageTitle'));

  return (
    <>
      <section className="card" aria-labelledby="garage-title" aria-busy={list.status === 'loading'}>
        <h1 id="garage-title">{t('garageTitle')}</h1>
        <p className="intro">{t('garageIntro')}</p>
        <AsyncItems state={list} emptyText={t('garageEmpty')}>
          {(items) => (
            <ul className="vehicle-list">
              {items.map((vehicle) => (
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
          )}
        </AsyncItems>
      </section>
      <DueReminders />
      {user?.email_verified === false ? null : <CalendarFeedCard />}
      <Card id="add-vehicle" title={t('addVehicle')}>
        {user?.email_verified === false ? (
          // Adding needs a verified address: say so instead of a form that would fail.
          <>
            <p id="garage-needs-verified-email">{t('garageNeedsVerifiedEmail')}</p>
            <p>
              <Link to="/account">{t('garageAccountLink')}</Link>
            </p>
          </>
        ) : (
          <VehicleForm
            idPrefix="new-vehicle"
            submitLabel={t('addVehicleButton')}
            onSubmit={async (fields) => {
              const added = await garage.add(fields);
              navigate(`/garage/${added.id}`);
            }}
          />
        )}
      </Card>
    </>
  );
}
