import { sql, type Kysely } from 'kysely';
import type { ReminderKind } from '../../garage/reminders.js';
import type { DatabaseSchema } from '../schema.js';

/** A reminder the mailer may have to mail about, with what the mail needs. */
export interface ReminderMailCandidate {
  readonly id: string;
  readonly kind: ReminderKind;
  readonly title: string;
  readonly due_date: string | null;
  readonly due_km: number | null;
  readonly notified_for: string | null;
  readonly latest_km: number | null;
  readonly vehicle: { readonly make: string; readonly model: string; readonly nickname: string | null };
  readonly user: { readonly email: string; readonly language: 'hu' | 'en' };
}

/**
 * The reminder mailer's queries (src/garage/reminder-mail.ts). Not scoped by
 * user: the mailer works for every account, and reads and writes only the
 * `notified_for` mark (the due that was mailed) besides what a mail says.
 */
export class ReminderMailRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Reminders whose due date is on or before `dateLimit`, or whose due
   * mileage is at most `kmMargin` above the vehicle's latest reading, that
   * were not mailed for their current due, of active accounts with a
   * verified address; at most `limit`, the earliest due first. The caller
   * decides with `nextDue` (the same rule the garage page shows).
   */
  async candidates(options: { dateLimit: string; kmMargin: number; limit: number }): Promise<ReminderMailCandidate[]> {
    const latestKm = sql<number | null>`(select o.km from odometer_readings o where o.vehicle_id = vehicle_reminders.vehicle_id order by o.read_at desc, o.created_at desc, o.id desc limit 1)`;
    const rows = await this.db
      .selectFrom('vehicle_reminders')
      .innerJoin('garage_vehicles', 'garage_vehicles.id', 'vehicle_reminders.vehicle_id')
      .innerJoin('users', 'users.id', 'vehicle_reminders.user_id')
      .select([
        'vehicle_reminders.id as id',
        'vehicle_reminders.kind as kind',
        'vehicle_reminders.title as title',
        'vehicle_reminders.due_date as due_date',
        'vehicle_reminders.due_km as due_km',
        'vehicle_reminders.notified_for as notified_for',
        'garage_vehicles.make as make',
        'garage_vehicles.model as model',
        'garage_vehicles.nickname as nickname',
        'users.email as email',
        'users.language as language',
        latestKm.as('latest_km'),
      ])
      .where('users.is_active', '=', true)
      .where('users.locked_at', 'is', null)
      .where('users.email_verified_at', 'is not', null)
      .whereRef('garage_vehicles.user_id', '=', 'vehicle_reminders.user_id')
      // The due's mark (reminders.ts dueMark): `<due_date>|<due_km>`.
      .where((eb) =>
        eb.or([
          eb('vehicle_reminders.notified_for', 'is', null),
          eb('vehicle_reminders.notified_for', '<>', sql<string>`coalesce(vehicle_reminders.due_date, '') || '|' || coalesce(cast(vehicle_reminders.due_km as varchar(16)), '')`),
        ]),
      )
      .where((eb) =>
        eb.or([
          eb('vehicle_reminders.due_date', '<=', options.dateLimit),
          eb.and([eb('vehicle_reminders.due_km', 'is not', null), eb(sql<number>`vehicle_reminders.due_km - ${latestKm}`, '<=', options.kmMargin)]),
        ]),
      )
      .orderBy('vehicle_reminders.due_date')
      .orderBy('vehicle_reminders.id')
      .limit(options.limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      title: row.title,
      due_date: row.due_date,
      due_km: row.due_km,
      notified_for: row.notified_for,
      latest_km: row.latest_km,
      vehicle: { make: row.make, model: row.model, nickname: row.nickname },
      user: { email: row.email, language: row.language },
    }));
  }

  /**
   * Claims the reminder's current due for one mail: sets the mark only if
   * the due is still the one read and the mark is not already set to it.
   * True for exactly one caller per due, across every instance.
   */
  async claim(reminder: Pick<ReminderMailCandidate, 'id' | 'due_date' | 'due_km'>, mark: string): Promise<boolean> {
    const result = await this.db
      .updateTable('vehicle_reminders')
      .set({ notified_for: mark })
      .where('id', '=', reminder.id)
      .where('due_date', reminder.due_date === null ? 'is' : '=', reminder.due_date)
      .where('due_km', reminder.due_km === null ? 'is' : '=', reminder.due_km)
      .where((eb) => eb.or([eb('notified_for', 'is', null), eb('notified_for', '<>', mark)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Gives a claim back after the mail failed: the mark before it, only if the claim is still there. */
  async unclaim(reminderId: string, mark: string, previous: string | null): Promise<void> {
    await this.db.updateTable('vehicle_reminders').set({ notified_for: previous }).where('id', '=', reminderId).where('notified_for', '=', mark).execute();
  }
}
