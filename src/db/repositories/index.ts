export { type BatchOutcome } from './column-values.js';
export {
  DTC_SEVERITIES,
  countDtcCodesBySystem,
  findDtcCode,
  findDtcCodes,
  searchDtcCodes,
  upsertDtcCodes,
  type DtcCode,
  type DtcCodeInput,
  type DtcSearchQuery,
  type DtcSearchResult,
  type DtcSeverity,
} from './dtc-codes.js';
export { findRecallsForVehicle, recallKeyOf, upsertRecalls, type Recall, type RecallInput, type RecallPage } from './recalls.js';
export {
  complaintTotalsForVehicle,
  findComplaintsForVehicle,
  upsertComplaints,
  type Complaint,
  type ComplaintInput,
  type ComplaintPage,
  type ComplaintTotals,
} from './complaints.js';
export { listVehicleMakes, listVehicleModels, normalizeVehicleName, type NamePage, type VehicleQuery } from './vehicles.js';
export { escapeLikePattern, foldForSearch } from './text-search.js';
