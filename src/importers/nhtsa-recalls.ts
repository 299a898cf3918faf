import type { Database } from '../db/index.js';
import { RecallsRepository, normalizeVehicleName, recallKeyOf, type RecallInput } from '../db/repositories/index.js';
import type { ImportReport, RecordWriter } from './import-run.js';
import { FlatFileFields, importFlatFile, splitFlatFileLine, type FlatFileImportOptions } from './nhtsa-fields.js';

/** NHTSA FLAT_RCL columns in file order. Files before 2023 end after MFR_COMP_PTNO (27 fields). */
export const FLAT_RCL_COLUMNS = [
  'RECORD_ID', 'CAMPNO', 'MAKETXT', 'MODELTXT', 'YEARTXT', 'MFGCAMPNO', 'COMPNAME', 'MFGNAME', 'BGMAN', 'ENDMAN',
  'RCLTYPECD', 'POTAFF', 'ODATE', 'INFLUENCED_BY', 'MFGTXT', 'RCDATE', 'DATEA', 'RPNO', 'FMVSS', 'DESC_DEFECT',
  'CONEQUENCE_DEFECT', 'CORRECTIVE_ACTION', 'NOTES', 'RCL_CMPT_ID', 'MFR_COMP_NAME', 'MFR_COMP_DESC', 'MFR_COMP_PTNO',
  'DO_NOT_DRIVE', 'PARK_OUTSIDE',
] as const;

export const FLAT_RCL_FIELD_COUNTS: readonly number[] = [27, 29];

/** One FLAT_RCL line as a recall row; throws {@link FieldError} for a malformed line. */
export function parseRecallLine(line: string): RecallInput {
  const fields = new FlatFileFields(splitFlatFileLine(line, FLAT_RCL_FIELD_COUNTS), FLAT_RCL_COLUMNS);
  return {
    campaign_number: fields.requiredText('CAMPNO').toUpperCase(),
    make: normalizeVehicleName(fields.requiredText('MAKETXT')),
    model: normalizeVehicleName(fields.requiredText('MODELTXT')),
    model_year: fields.modelYear('YEARTXT'),
    component: fields.requiredText('COMPNAME').toUpperCase(),
    manufacturer: fields.text('MFGNAME'),
    manufacturer_campaign_number: fields.text('MFGCAMPNO'),
    recall_type: fields.text('RCLTYPECD'),
    potentially_affected: fields.integer('POTAFF'),
    manufactured_from: fields.date('BGMAN'),
    manufactured_to: fields.date('ENDMAN'),
    report_received_date: fields.date('RCDATE'),
    owner_notification_date: fields.date('ODATE'),
    fmvss: fields.text('FMVSS'),
    defect_summary: fields.text('DESC_DEFECT'),
    consequence_summary: fields.text('CONEQUENCE_DEFECT'),
    corrective_action: fields.text('CORRECTIVE_ACTION'),
    notes: fields.text('NOTES'),
    do_not_drive: fields.yesNo('DO_NOT_DRIVE'),
    park_outside: fields.yesNo('PARK_OUTSIDE'),
  };
}

const recallWriter: RecordWriter<RecallInput> = {
  keyOf: recallKeyOf,
  describeKey: (row) => `campaign ${row.campaign_number} for ${row.make} ${row.model} ${row.model_year ?? 'unknown year'} (${row.component})`,
  write: (db, rows, now) => new RecallsRepository(db).upsert(rows, now),
};

/** Imports NHTSA's FLAT_RCL (`.txt`, or the `.zip` NHTSA publishes) into `recalls`. */
export async function importRecalls(database: Database, filePath: string, options: FlatFileImportOptions = {}): Promise<ImportReport> {
  return importFlatFile(database, filePath, parseRecallLine, recallWriter, options);
}
