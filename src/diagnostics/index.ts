export {
  DTC_CODE_FORMAT_MESSAGE,
  DTC_CODE_INPUT_PATTERN,
  DTC_CODE_PATTERN,
  DTC_SYSTEMS,
  decodeDtcCode,
  dtcSystemOf,
  isGenericDtcCode,
  normalizeDtcCode,
  type DecodedDtcCode,
  type DtcSubsystem,
  type DtcSystem,
} from './dtc-code.js';
export { COMPONENT_KEYWORDS_BY_SYSTEM, componentKeywordsFor, dtcSystemsOfComponent } from './nhtsa-components.js';
export { QUICK_ANALYSIS_RECALL_LIMIT, quickAnalyze, type AnalysedCode, type QuickAnalysis, type VehicleAnalysis } from './quick-analysis.js';
export { VIN_LENGTH, computeVinCheckDigit, decodeVin, vinRegionOf, type DecodedVin, type VinCheckDigit, type VinDecodeResult, type VinProblem } from './vin.js';
