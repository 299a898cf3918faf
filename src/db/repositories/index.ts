export { type BatchOutcome } from './column-values.js';
export {
  DTC_SEVERITIES,
  DtcCodesRepository,
  normalizeDtcMake,
  type DtcCode,
  type DtcCodeInput,
  type DtcSearchQuery,
  type DtcSearchResult,
  type DtcSeverity,
} from './dtc-codes.js';
export { RecallsRepository, recallKeyOf, type Recall, type RecallInput, type RecallPage } from './recalls.js';
export {
  ComplaintsRepository,
  type Complaint,
  type ComplaintInput,
  type ComplaintPage,
  type ComplaintTotals,
} from './complaints.js';
export { VehicleNamesRepository, normalizeVehicleName, type NamePage, type VehicleQuery } from './vehicles.js';
export { escapeLikePattern, foldForSearch } from './text-search.js';
