export { CSV_LIST_SEPARATOR, decodeListCell, encodeListCell, neutraliseFormula, restoreFormula } from './csv-cells.js';
export {
  BUNDLED_DTC_MANUFACTURER_SEED_PATH,
  BUNDLED_DTC_SEED_PATH,
  BUNDLED_DTC_SEED_PATHS,
  BUNDLED_DTC_SEED_SOURCE,
  DTC_MAKE_FORMAT_MESSAGE,
  DTC_MAKE_ON_GENERIC_MESSAGE,
  importDtcCodes,
  seedDtcCodes,
  seedDtcCodesIfEmpty,
  toDtcCodeInput,
  type DtcImportOptions,
} from './dtc.js';
export {
  DEFAULT_BATCH_SIZE,
  MAX_KEPT_PROBLEMS,
  WRONG_FILE_REJECTIONS,
  WrongFileError,
  runImport,
  type ImportOptions,
  type ImportProblem,
  type ImportProgress,
  type ImportReport,
  type ImportTotals,
  type ParsedRecord,
  type RecordWriter,
} from './import-run.js';
export { FLAT_RCL_COLUMNS, FLAT_RCL_FIELD_COUNTS, importRecalls, parseRecallLine } from './nhtsa-recalls.js';
export { FLAT_CMPL_COLUMNS, FLAT_CMPL_FIELD_COUNTS, importComplaints, parseComplaintLine } from './nhtsa-complaints.js';
export { FieldError, type FlatFileImportOptions } from './nhtsa-fields.js';
export {
  ImportInputError,
  MAX_IMPORT_LINE_BYTES,
  MAX_ZIP_ENTRY_BYTES,
  MAX_ZIP_EXPANSION_RATIO,
  openTextLines,
  type TextEncoding,
  type TextLineSource,
} from './text-lines.js';
