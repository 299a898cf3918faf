import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { ReminderKind } from '../../garage/reminders.js';
import type { DatabaseSchema, OdometerReadingsTable, VehicleRemindersTable } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';
import { pageBounds, toCount, type Page, type PageRequest } from './column-values.js';

export interface OdometerReading {
  readonly id: string;
  readonly vehicle_id: string;
  readonly km: number;
  readonly read_at: string;
  readonly source: 'manual' | 'scan';
  readonly created_at: string;
}

export interface VehicleReminder {
  readonly id: string;
  readonly vehicle_id: string;
  readonly kind: ReminderKind;
  readonly title: string;
  readonly every_months: number | null;
  readonly every_km: number | null;
  readonly due_date: string | null;
  readonly due_km: number | null;
  readonly last_done_date: string | null;
  readonly last_done_km: number | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export type ReminderFields = Omit<VehicleReminder, 'id' | 'vehicle_id' | 'created_at' | 'updated_at'>;

function toReading(row: Selectable<OdometerReadingsTable>): OdometerReading {
  return { id: row.id, vehicle_id: row.vehicle_id, km: row.km, read_at: toIsoTimestamp(row.read_at), source: row.source, created_at: toIsoTimestamp(row.created_at) };
}

function toReminder(row: Selectable<VehicleRemindersTable>): VehicleReminder {
  return {
    id: row.id,
    vehicle_id: row.vehicle_id,
    kind: row.kind,
    title: row.title,
    every_months: row.every_months,
    every_km: row.every_km,
    due_date: row.due_date,
    due_km: row.due_km,
    last_done_date: row.last_done_date,
    last_done_km: row.last_done_km,
    created_at: toIsoTimestamp(row.created_at),
    updated_at: toIsoTimestamp(row.updated_at),
  };
}

/** What adding a reading found: stored, the vehicle is not the user's, or lower than the latest (not stored). */
export type AddReadingResult = { readonly kind: 'added'; readonly reading: OdometerReading } | { readonly kind: 'not_found' } | { readonly kind: 'lower'; readonly latestKm: number };

/** What adding a reminder found: stored, the vehicle is not the user's, or it already has the most it may have. */
export type AddReminderResult = { readonly kind: 'added'; readonly reminder: VehicleReminder } | { readonly kind: 'not_found' } | { readonly kind: 'limit' };

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/**
 * A user's odometer readings and reminders. Like the garage repository, every
 * query is scoped by the owner's id: another user's vehicle is not found.
 */
export class RemindersRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  private async ownsVehicle(db: Db, userId: string, vehicleId: string): Promise<boolean> {
    const row = await db.selectFrom('garage_vehicles').select('id').where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
    return row !== undefined;
  }

  private async latestReading(db: Db, vehicleId: string): Promise<Selectable<OdometerReadingsTable> | undefined> {
    return db.selectFrom('odometer_readings').selectAll().where('vehicle_id', '=', vehicleId).orderBy('read_at', 'desc').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** The km of a vehicle's latest reading (by reading time); null without one; undefined when the vehicle is not the user's. */
  async latestKm(userId: string, vehicleId: string): Promise<number | null | undefined> {
    if (!(await this.ownsVehicle(this.db, userId, vehicleId))) return undefined;
    const latest = await this.latestReading(this.db, vehicleId);
    return latest === undefined ? null : latest.km;
  }

  /** Readings, newest first; undefined when the vehicle is not the user's. */
  async listReadings(userId: string, vehicleId: string, page: PageRequest): Promise<Page<OdometerReading> | undefined> {
    if (!(await this.ownsVehicle(this.db, userId, vehicleId))) return undefined;
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const owned = this.db.selectFrom('odometer_readings').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId);
    const [rows, count] = await Promise.all([
      owned.selectAll().orderBy('read_at', 'desc').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
      owned.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map(toReading), total: toCount(count?.total) };
  }

  /**
   * Adds a reading; one lower than the latest is refused unless `correct`
   * (the earlier one was mistyped). Checked and written in one transaction.
   */
  async addReading(userId: string, vehicleId: string, input: { km: number; readAt: string; source: 'manual' | 'scan'; correct: boolean; now: string }): Promise<AddReadingResult> {
    return this.db.transaction().execute(async (transaction): Promise<AddReadingResult> => {
      // Locks the vehicle row (PostgreSQL) so two readings at once are checked one after the other.
      const locked = await transaction.updateTable('garage_vehicles').set({ id: vehicleId }).where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
      if (locked.numUpdatedRows === 0n) return { kind: 'not_found' };
      const latest = await this.latestReading(transaction, vehicleId);
      if (latest !== undefined && input.km < latest.km && !input.correct) return { kind: 'lower', latestKm: latest.km };
      const row = { id: randomUUID(), vehicle_id: vehicleId, user_id: userId, km: input.km, read_at: input.readAt, source: input.source, created_at: input.now };
      await transaction.insertInto('odometer_readings').values(row).execute();
      return { kind: 'added', reading: toReading(row) };
    });
  }

  /** Reminders of a vehicle, oldest first; undefined when the vehicle is not the user's. */
  async listReminders(userId: string, vehicleId: string): Promise<VehicleReminder[] | undefined> {
    if (!(await this.ownsVehicle(this.db, userId, vehicleId))) return undefined;
    const rows = await this.db.selectFrom('vehicle_reminders').selectAll().where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toReminder);
  }

  async findReminder(userId: string, vehicleId: string, reminderId: string): Promise<VehicleReminder | undefined> {
    const row = await this.db.selectFrom('vehicle_reminders').selectAll().where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', reminderId).executeTakeFirst();
    return row === undefined ? undefined : toReminder(row);
  }

  /** Adds a reminder unless the vehicle already has `maxPerVehicle` (counted under the vehicle's row lock). */
  async addReminder(userId: string, vehicleId: string, fields: ReminderFields, options: { maxPerVehicle: number; now: string }): Promise<AddReminderResult> {
    return this.db.transaction().execute(async (transaction): Promise<AddReminderResult> => {
      const locked = await transaction.updateTable('garage_vehicles').set({ id: vehicleId }).where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
      if (locked.numUpdatedRows === 0n) return { kind: 'not_found' };
      const count = await transaction.selectFrom('vehicle_reminders').select((eb) => eb.fn.countAll<string | number>().as('total')).where('vehicle_id', '=', vehicleId).executeTakeFirst();
      if (toCount(count?.total) >= options.maxPerVehicle) return { kind: 'limit' };
      const row = { id: randomUUID(), vehicle_id: vehicleId, user_id: userId, ...fields, notified_for: null, created_at: options.now, updated_at: options.now };
      await transaction.insertInto('vehicle_reminders').values(row).execute();
      return { kind: 'added', reminder: toReminder(row) };
    });
  }

  /** Replaces a reminder's fields (its due moved: the scheduler's mark is cleared); undefined when not the user's. */
  async updateReminder(userId: string, vehicleId: string, reminderId: string, fields: ReminderFields, now: string): Promise<VehicleReminder | undefined> {
    const values: Updateable<VehicleRemindersTable> = { ...fields, notified_for: null, updated_at: now };
    const result = await this.db.updateTable('vehicle_reminders').set(values).where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', reminderId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    return this.findReminder(userId, vehicleId, reminderId);
  }

  async removeReminder(userId: string, vehicleId: string, reminderId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('vehicle_reminders').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', reminderId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * Every reminder of the user's vehicles with its vehicle and the vehicle's
   * latest reading, for the garage page's "due / overdue" (the caller computes
   * the state).
   */
  async remindersWithMileage(userId: string): Promise<{ reminder: VehicleReminder; vehicle: { id: string; make: string; model: string; nickname: string | null }; latestKm: number | null }[]> {
    const rows = await this.db
      .selectFrom('vehicle_reminders')
      .innerJoin('garage_vehicles', 'garage_vehicles.id', 'vehicle_reminders.vehicle_id')
      .selectAll('vehicle_reminders')
      .select(['garage_vehicles.make as vehicle_make', 'garage_vehicles.model as vehicle_model', 'garage_vehicles.nickname as vehicle_nickname'])
      .where('vehicle_reminders.user_id', '=', userId)
      .where('garage_vehicles.user_id', '=', userId)
      .orderBy('vehicle_reminders.created_at')
      .orderBy('vehicle_reminders.id')
      .execute();
    const latest = new Map<string, number | null>();
    for (const vehicleId of new Set(rows.map((row) => row.vehicle_id))) {
      const reading = await this.latestReading(this.db, vehicleId);
      latest.set(vehicleId, reading === undefined ? null : reading.km);
    }
    return rows.map((row) => ({
      reminder: toReminder(row),
      vehicle: { id: row.vehicle_id, make: row.vehicle_make, model: row.vehicle_model, nickname: row.vehicle_nickname },
      latestKm: latest.get(row.vehicle_id) ?? null,
    }));
  }
}
