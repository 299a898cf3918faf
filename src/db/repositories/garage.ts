import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { DatabaseSchema, DiagnosisNotesTable, GarageVehiclesTable } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';
import { reusableQuery } from '../reusable-query.js';
import { decodeStringArray, encodeStringArray, pageBounds, toCount, totalFromPage, type Page, type PageRequest } from './column-values.js';
import { normalizeVehicleName } from './vehicles.js';

export interface GarageVehicle {
  readonly id: string;
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly vin: string | null;
  readonly nickname: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface GarageVehicleInput {
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly vin?: string | null | undefined;
  readonly nickname?: string | null | undefined;
}

export interface DiagnosisNote {
  readonly id: string;
  readonly vehicle_id: string;
  readonly codes: string[];
  readonly symptoms: string;
  readonly created_at: string;
}

/** What the API shows of a vehicle: every column but the owner's id, which the caller already knows. */
const VEHICLE_COLUMNS = ['id', 'make', 'model', 'year', 'vin', 'nickname', 'created_at', 'updated_at'] as const satisfies readonly (keyof GarageVehiclesTable)[];

function toVehicle(row: Pick<Selectable<GarageVehiclesTable>, (typeof VEHICLE_COLUMNS)[number]>): GarageVehicle {
  return {
    id: row.id,
    make: row.make,
    model: row.model,
    year: row.year,
    vin: row.vin,
    nickname: row.nickname,
    created_at: toIsoTimestamp(row.created_at),
    updated_at: toIsoTimestamp(row.updated_at),
  };
}

function toNote(row: Selectable<DiagnosisNotesTable>): DiagnosisNote {
  return { id: row.id, vehicle_id: row.vehicle_id, codes: decodeStringArray(row.codes), symptoms: row.symptoms, created_at: toIsoTimestamp(row.created_at) };
}

// The garage page's query and, for a full page, its count, compiled once (src/db/reusable-query.ts).
const vehiclesPage = reusableQuery((db: Kysely<DatabaseSchema>, userId: string, limit: number, offset: number) =>
  db.selectFrom('garage_vehicles').select(VEHICLE_COLUMNS).where('user_id', '=', userId).orderBy('created_at').orderBy('id').limit(limit).offset(offset),
);
const garageRevision = reusableQuery((db: Kysely<DatabaseSchema>, userId: string) => db.selectFrom('garage_revisions').select('revision').where('user_id', '=', userId));
const vehicleCount = reusableQuery((db: Kysely<DatabaseSchema>, userId: string) =>
  db.selectFrom('garage_vehicles').select((eb) => eb.fn.countAll<string | number>().as('total')).where('user_id', '=', userId),
);

/**
 * One user's garage. Every method takes the owner's id and every query filters
 * on it, so another user's rows are simply not found (the API answers 404,
 * never 403: it does not even confirm they exist).
 */
export class GarageRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async listVehicles(userId: string, page: PageRequest): Promise<Page<GarageVehicle>> {
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const rows = await vehiclesPage(this.db, userId, limit, offset);
    const total = totalFromPage(rows.length, limit, offset) ?? toCount((await vehicleCount(this.db, userId))[0]?.total);
    return { items: rows.map(toVehicle), total };
  }

  /**
   * The revision of the user's vehicles: a new one with every change to them,
   * made by any process (migration 0021); undefined before the first.
   */
  async vehiclesRevision(userId: string): Promise<string | undefined> {
    return (await garageRevision(this.db, userId))[0]?.revision;
  }

  async findVehicle(userId: string, vehicleId: string): Promise<GarageVehicle | undefined> {
    const row = await this.db.selectFrom('garage_vehicles').selectAll().where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
    return row === undefined ? undefined : toVehicle(row);
  }

  async addVehicle(userId: string, input: GarageVehicleInput): Promise<GarageVehicle> {
    const now = new Date().toISOString();
    const row = {
      id: randomUUID(),
      user_id: userId,
      make: normalizeVehicleName(input.make),
      model: normalizeVehicleName(input.model),
      year: input.year,
      vin: input.vin ?? null,
      nickname: input.nickname ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('garage_vehicles').values(row).execute();
    return toVehicle(row);
  }

  /** Undefined when the vehicle is not this user's. */
  async updateVehicle(userId: string, vehicleId: string, changes: Partial<GarageVehicleInput>): Promise<GarageVehicle | undefined> {
    const values: Updateable<GarageVehiclesTable> = { updated_at: new Date().toISOString() };
    if (changes.make !== undefined) values.make = normalizeVehicleName(changes.make);
    if (changes.model !== undefined) values.model = normalizeVehicleName(changes.model);
    if (changes.year !== undefined) values.year = changes.year;
    if (changes.vin !== undefined) values.vin = changes.vin;
    if (changes.nickname !== undefined) values.nickname = changes.nickname;
    const result = await this.db.updateTable('garage_vehicles').set(values).where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    return this.findVehicle(userId, vehicleId);
  }

  /** Removes the vehicle and its notes in one transaction; false when it is not this user's. */
  async removeVehicle(userId: string, vehicleId: string): Promise<boolean> {
    return this.db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom('diagnosis_notes').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).execute();
      const result = await transaction.deleteFrom('garage_vehicles').where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** Notes of one of the user's vehicles, newest first; undefined when the vehicle is not this user's. */
  async listNotes(userId: string, vehicleId: string, page: PageRequest): Promise<Page<DiagnosisNote> | undefined> {
    if ((await this.findVehicle(userId, vehicleId)) === undefined) return undefined;
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const owned = this.db.selectFrom('diagnosis_notes').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId);
    const rows = await owned.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute();
    const total = totalFromPage(rows.length, limit, offset) ?? toCount((await owned.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst())?.total);
    return { items: rows.map(toNote), total };
  }

  /** Undefined when the vehicle is not this user's. */
  async addNote(userId: string, vehicleId: string, input: { codes: readonly string[]; symptoms: string }): Promise<DiagnosisNote | undefined> {
    if ((await this.findVehicle(userId, vehicleId)) === undefined) return undefined;
    const row = { id: randomUUID(), user_id: userId, vehicle_id: vehicleId, codes: encodeStringArray(input.codes), symptoms: input.symptoms, created_at: new Date().toISOString() };
    await this.db.insertInto('diagnosis_notes').values(row).execute();
    return toNote(row);
  }

  async removeNote(userId: string, vehicleId: string, noteId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('diagnosis_notes').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', noteId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
