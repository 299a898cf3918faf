import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Scan, ScanCodeStatus, ScanFormat, ScanSeries, ScanValue } from '../../garage/scans/types.js';
import type { DatabaseSchema, GarageScansTable } from '../schema.js';
import { toIsoTimestamp } from '../schema.js';
import { decodeStringArray, encodeStringArray, pageBounds, toCount, toNullableBoolean, type Page, type PageRequest } from './column-values.js';

/** What a list of scans shows (the API's summary, docs/API.md "Scans"). */
export interface ScanSummary {
  readonly id: string;
  readonly vehicle_id: string;
  readonly format: ScanFormat;
  readonly file_name: string;
  readonly taken_at: string | null;
  readonly uploaded_at: string;
  readonly mileage_km: number | null;
  readonly code_counts: { readonly stored: number; readonly pending: number; readonly permanent: number };
  readonly series_names: string[];
}

/** What `body` holds, in the API's field names. */
export interface StoredScanBody {
  readonly codes: { code: string; status: ScanCodeStatus; ecu: string | null }[];
  readonly freeze_frames: { code: string | null; ecu: string | null; values: Record<string, ScanValue> }[];
  readonly series: Record<string, ScanSeries>;
  readonly unknown_columns: string[];
}

/** Whether the scan's mileage became an odometer reading; null when the scan had none. */
export type ScanOdometer = { readonly km: number; readonly recorded: boolean; readonly reason: null | 'lower_than_latest' } | null;

export interface StoredScan extends ScanSummary, StoredScanBody {
  readonly odometer: ScanOdometer;
}

/** A scan about to be stored: the parsed scan (bounded by the caller) and where it came from. */
export interface NewScan {
  readonly format: ScanFormat;
  readonly fileName: string;
  readonly scan: Scan;
  /** Whole kilometres, already checked against the odometer bound; undefined: none. */
  readonly mileageKm: number | undefined;
  /** The mileage corrects a mistyped latest reading: recorded even when lower (like a reading sent with `correct`). */
  readonly correctOdometer?: boolean | undefined;
}

export type AddScanResult = { readonly kind: 'added'; readonly scan: StoredScan } | { readonly kind: 'not_found' } | { readonly kind: 'limit' };

const EMPTY_BODY: StoredScanBody = { codes: [], freeze_frames: [], series: {}, unknown_columns: [] };

/** The body as stored; a row that cannot be read shows an empty scan rather than failing a request. */
function decodeBody(text: string): StoredScanBody {
  try {
    const parsed = JSON.parse(text) as Partial<StoredScanBody> | null;
    if (parsed === null || typeof parsed !== 'object') return EMPTY_BODY;
    return {
      codes: Array.isArray(parsed.codes) ? parsed.codes : [],
      freeze_frames: Array.isArray(parsed.freeze_frames) ? parsed.freeze_frames : [],
      series: typeof parsed.series === 'object' ? parsed.series : {},
      unknown_columns: Array.isArray(parsed.unknown_columns) ? parsed.unknown_columns : [],
    };
  } catch {
    return EMPTY_BODY;
  }
}

/** The canonical scan's parts in the stored (API) shape. */
export function encodeScanBody(scan: Scan): StoredScanBody {
  return {
    codes: scan.codes.map((code) => ({ code: code.code, status: code.status, ecu: code.ecu ?? null })),
    freeze_frames: scan.freezeFrames.map((frame) => ({ code: frame.code, ecu: frame.ecu ?? null, values: { ...frame.values } })),
    series: { ...scan.series },
    unknown_columns: [...scan.unknownColumns],
  };
}

/** A stored scan as the canonical {@link Scan} the analysis and the CSV export read. */
export function toCanonicalScan(stored: StoredScan): Scan {
  return {
    ...(stored.taken_at === null ? {} : { takenAt: stored.taken_at }),
    ...(stored.mileage_km === null ? {} : { mileageKm: stored.mileage_km }),
    codes: stored.codes.map((code) => (code.ecu === null ? { code: code.code, status: code.status } : { code: code.code, status: code.status, ecu: code.ecu })),
    freezeFrames: stored.freeze_frames.map((frame) => (frame.ecu === null ? { code: frame.code, values: frame.values } : { code: frame.code, ecu: frame.ecu, values: frame.values })),
    series: stored.series,
    unknownColumns: stored.unknown_columns,
  };
}

type SummaryRow = Omit<Selectable<GarageScansTable>, 'body' | 'user_id'>;

function toSummary(row: SummaryRow): ScanSummary {
  return {
    id: row.id,
    vehicle_id: row.vehicle_id,
    format: row.format,
    file_name: row.file_name,
    taken_at: row.taken_at === null ? null : toIsoTimestamp(row.taken_at),
    uploaded_at: toIsoTimestamp(row.uploaded_at),
    mileage_km: row.mileage_km,
    code_counts: { stored: row.stored_count, pending: row.pending_count, permanent: row.permanent_count },
    series_names: decodeStringArray(row.series_names),
  };
}

function toStored(row: Selectable<GarageScansTable>): StoredScan {
  const recorded = toNullableBoolean(row.odometer_recorded);
  const odometer: ScanOdometer = row.mileage_km === null || recorded === null ? null : { km: row.mileage_km, recorded, reason: recorded ? null : 'lower_than_latest' };
  return { ...toSummary(row), ...decodeBody(row.body), odometer };
}

const SUMMARY_COLUMNS = [
  'id',
  'vehicle_id',
  'format',
  'file_name',
  'taken_at',
  'uploaded_at',
  'mileage_km',
  'odometer_recorded',
  'stored_count',
  'pending_count',
  'permanent_count',
  'series_names',
] as const;

/**
 * A user's scans. Like the garage repository, every query is scoped by the
 * owner's id: another user's vehicle or scan is not found.
 */
export class ScansRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** How many scans the user's vehicle has; undefined when the vehicle is not the user's. */
  async countForVehicle(userId: string, vehicleId: string): Promise<number | undefined> {
    const vehicle = await this.db.selectFrom('garage_vehicles').select('id').where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
    if (vehicle === undefined) return undefined;
    const count = await this.db.selectFrom('garage_scans').select((eb) => eb.fn.countAll<string | number>().as('total')).where('vehicle_id', '=', vehicleId).executeTakeFirst();
    return toCount(count?.total);
  }

  /** The owner of a vehicle, for the command line (an operator names a vehicle by id alone); undefined when there is no such vehicle. */
  async ownerOfVehicle(vehicleId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('garage_vehicles').select('user_id').where('id', '=', vehicleId).executeTakeFirst();
    return row?.user_id;
  }

  /**
   * Stores a scan and, when it has a mileage not lower than the vehicle's
   * latest reading, an odometer reading (`source: 'scan'`), in one
   * transaction: both or neither. The per-vehicle count is checked under the
   * vehicle's row lock, so two uploads at once cannot pass it together.
   */
  async add(userId: string, vehicleId: string, input: NewScan, options: { maxPerVehicle: number; now: string }): Promise<AddScanResult> {
    const body = encodeScanBody(input.scan);
    // Serialised before the transaction: nothing slow happens while it holds the lock.
    const bodyText = JSON.stringify(body);
    const seriesNames = Object.keys(body.series);
    const count = (status: ScanCodeStatus): number => body.codes.filter((code) => code.status === status).length;
    const takenAt = input.scan.takenAt ?? null;
    return this.db.transaction().execute(async (transaction): Promise<AddScanResult> => {
      // Locks the vehicle row (PostgreSQL): uploads and readings of one vehicle are checked one after the other.
      const locked = await transaction.updateTable('garage_vehicles').set({ id: vehicleId }).where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
      if (locked.numUpdatedRows === 0n) return { kind: 'not_found' };
      const existing = await transaction.selectFrom('garage_scans').select((eb) => eb.fn.countAll<string | number>().as('total')).where('vehicle_id', '=', vehicleId).executeTakeFirst();
      if (toCount(existing?.total) >= options.maxPerVehicle) return { kind: 'limit' };

      let recorded: boolean | null = null;
      if (input.mileageKm !== undefined) {
        const latest = await transaction
          .selectFrom('odometer_readings')
          .select('km')
          .where('vehicle_id', '=', vehicleId)
          .orderBy('read_at', 'desc')
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        recorded = latest === undefined || input.mileageKm >= latest.km || input.correctOdometer === true;
        if (recorded) {
          // A scan from the future (a wrong clock in the adapter) is read now.
          const readAt = takenAt !== null && takenAt < options.now ? takenAt : options.now;
          await transaction
            .insertInto('odometer_readings')
            .values({ id: randomUUID(), vehicle_id: vehicleId, user_id: userId, km: input.mileageKm, read_at: readAt, source: 'scan', created_at: options.now })
            .execute();
        }
      }
      const row = {
        id: randomUUID(),
        vehicle_id: vehicleId,
        user_id: userId,
        format: input.format,
        file_name: input.fileName,
        taken_at: takenAt,
        uploaded_at: options.now,
        mileage_km: input.mileageKm ?? null,
        odometer_recorded: recorded,
        stored_count: count('stored'),
        pending_count: count('pending'),
        permanent_count: count('permanent'),
        series_names: encodeStringArray(seriesNames),
        body: bodyText,
      };
      await transaction.insertInto('garage_scans').values(row).execute();
      return { kind: 'added', scan: toStored(row) };
    });
  }

  /** Summaries, newest upload first; undefined when the vehicle is not the user's. */
  async list(userId: string, vehicleId: string, page: PageRequest): Promise<Page<ScanSummary> | undefined> {
    const vehicle = await this.db.selectFrom('garage_vehicles').select('id').where('user_id', '=', userId).where('id', '=', vehicleId).executeTakeFirst();
    if (vehicle === undefined) return undefined;
    const { limit, offset } = pageBounds(page.limit, page.offset);
    const owned = this.db.selectFrom('garage_scans').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId);
    const [rows, count] = await Promise.all([
      owned.select(SUMMARY_COLUMNS).orderBy('uploaded_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
      owned.select((eb) => eb.fn.countAll<string | number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map(toSummary), total: toCount(count?.total) };
  }

  async find(userId: string, vehicleId: string, scanId: string): Promise<StoredScan | undefined> {
    const row = await this.db.selectFrom('garage_scans').selectAll().where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', scanId).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  /** Removes a scan (an odometer reading it made stays: it is the vehicle's mileage now). */
  async remove(userId: string, vehicleId: string, scanId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('garage_scans').where('user_id', '=', userId).where('vehicle_id', '=', vehicleId).where('id', '=', scanId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Every scan of the user, oldest upload first, for the data export. */
  async allForUser(userId: string): Promise<StoredScan[]> {
    const rows = await this.db.selectFrom('garage_scans').selectAll().where('user_id', '=', userId).orderBy('uploaded_at').orderBy('id').execute();
    return rows.map(toStored);
  }
}
