import type { Database } from '../db/index.js';
import { ComplaintsRepository, normalizeVehicleName, type ComplaintInput } from '../db/repositories/index.js';
import type { ImportReport, RecordWriter } from './import-run.js';
import { FlatFileFields, importFlatFile, splitFlatFileLine, type FlatFileImportOptions } from './nhtsa-fields.js';

/**
 * NHTSA FLAT_CMPL columns in file order (49 fields; newer files add two
 * trailing fields this importer does not use). VIN, CITY and the DEALER_*
 * fields are read past and never stored.
 */
export const FLAT_CMPL_COLUMNS = [
  'CMPLID', 'ODINO', 'MFR_NAME', 'MAKETXT', 'MODELTXT', 'YEARTXT', 'CRASH', 'FAILDATE', 'FIRE', 'INJURED',
  'DEATHS', 'COMPDESC', 'CITY', 'STATE', 'VIN', 'DATEA', 'LDATE', 'MILES', 'OCCURENCES', 'CDESCR',
  'CMPL_TYPE', 'POLICE_RPT_YN', 'PURCH_DT', 'ORIG_OWNER_YN', 'ANTI_BRAKES_YN', 'CRUISE_CONT_YN', 'NUM_CYLS', 'DRIVE_TRAIN', 'FUEL_SYS', 'FUEL_TYPE',
  'TRANS_TYPE', 'VEH_SPEED', 'DOT', 'TIRE_SIZE', 'LOC_OF_TIRE', 'TIRE_FAIL_TYPE', 'ORIG_EQUIP_YN', 'MANUF_DT', 'SEAT_TYPE', 'RESTRAINT_TYPE',
  'DEALER_NAME', 'DEALER_TEL', 'DEALER_CITY', 'DEALER_STATE', 'DEALER_ZIP', 'PROD_TYPE', 'REPAIRED_YN', 'MEDICAL_ATTN', 'VEHICLES_TOWED_YN',
] as const;

export const FLAT_CMPL_FIELD_COUNTS: readonly number[] = [49, 51];

/** NHTSA's own name for a component it could not classify. */
const UNKNOWN_COMPONENT = 'UNKNOWN OR OTHER';

/** One FLAT_CMPL line as a complaint row; throws FieldError for a malformed line. */
export function parseComplaintLine(line: string): ComplaintInput {
  const fields = new FlatFileFields(splitFlatFileLine(line, FLAT_CMPL_FIELD_COUNTS), FLAT_CMPL_COLUMNS);
  return {
    cmplid: fields.requiredInteger('CMPLID'),
    odi_number: fields.requiredInteger('ODINO'),
    manufacturer: fields.text('MFR_NAME'),
    make: normalizeVehicleName(fields.requiredText('MAKETXT')),
    model: normalizeVehicleName(fields.requiredText('MODELTXT')),
    model_year: fields.modelYear('YEARTXT'),
    component: fields.text('COMPDESC')?.toUpperCase() ?? UNKNOWN_COMPONENT,
    crash: fields.yesNo('CRASH') ?? false,
    fire: fields.yesNo('FIRE') ?? false,
    injured: fields.integer('INJURED') ?? 0,
    deaths: fields.integer('DEATHS') ?? 0,
    failure_date: fields.date('FAILDATE'),
    received_date: fields.date('LDATE'),
    state: fields.text('STATE'),
    miles: fields.integer('MILES'),
    vehicle_speed: fields.integer('VEH_SPEED'),
    description: fields.text('CDESCR'),
    complaint_type: fields.text('CMPL_TYPE'),
    product_type: fields.text('PROD_TYPE'),
    police_report: fields.yesNo('POLICE_RPT_YN'),
    medical_attention: fields.yesNo('MEDICAL_ATTN'),
    vehicles_towed: fields.yesNo('VEHICLES_TOWED_YN'),
  };
}

const complaintWriter: RecordWriter<ComplaintInput> = {
  keyOf: (row) => row.cmplid,
  describeKey: (row) => `CMPLID ${row.cmplid}`,
  write: (db, rows, now) => new ComplaintsRepository(db).upsert(rows, now),
};

/** Imports NHTSA's FLAT_CMPL (`.txt` or `.zip`, Latin-1) into `complaints`. */
export async function importComplaints(database: Database, filePath: string, options: FlatFileImportOptions = {}): Promise<ImportReport> {
  return importFlatFile(database, filePath, parseComplaintLine, complaintWriter, options);
}
