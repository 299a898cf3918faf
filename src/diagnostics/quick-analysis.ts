import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/index.js';
import {
  DTC_SEVERITIES,
  ComplaintsRepository,
  DtcCodesRepository,
  RecallsRepository,
  type ComplaintTotals,
  type DtcCode,
  type DtcSeverity,
  type Recall,
  type VehicleQuery,
} from '../db/repositories/index.js';
import { DTC_SYSTEMS, decodeDtcCode, type DecodedDtcCode, type DtcSystem } from './dtc-code.js';
import { componentKeywordsFor } from './nhtsa-components.js';

/** Recalls listed in an analysis; `recalls.total` counts them all. */
export const QUICK_ANALYSIS_RECALL_LIMIT = 10;

export interface AnalysedCode {
  readonly code: string;
  /** Whether the database has a description for the code (for the vehicle's make, or for every make). */
  readonly known: boolean;
  readonly decoded: DecodedDtcCode;
  readonly details: DtcCode | null;
}

export interface QuickAnalysis {
  /** The codes asked about, de-duplicated, in the order given. */
  readonly codes: AnalysedCode[];
  /** Every system the codes touch, most codes first, then in P, B, C, U order. */
  readonly systems: { system: DtcSystem; codes: string[] }[];
  /** Systems two or more of the codes share: often one fault behind several codes. */
  readonly shared_systems: DtcSystem[];
  /** Pairs where one known code lists the other as related. */
  readonly related_pairs: { code: string; related_code: string }[];
  readonly highest_severity: DtcSeverity | null;
  /** Present when make, model and year were given. */
  readonly vehicle: VehicleAnalysis | null;
}

export interface VehicleAnalysis extends VehicleQuery {
  readonly recalls: { total: number; relevant: number; items: Recall[] };
  readonly complaints: { all: ComplaintTotals; relevant: ComplaintTotals };
}

const SYSTEM_ORDER: readonly DtcSystem[] = DTC_SYSTEMS.map((entry) => entry.system);

/**
 * A deterministic first look at a set of codes: what each means, which
 * systems they share, and, for a given vehicle, the recalls and complaints
 * in those systems ("relevant": their NHTSA component belongs to one of the
 * codes' systems, see nhtsa-components.ts).
 */
export async function quickAnalyze(db: Kysely<DatabaseSchema>, codes: readonly string[], vehicle: VehicleQuery | undefined): Promise<QuickAnalysis> {
  const unique = [...new Set(codes)];
  // A manufacturer code means what the vehicle's make says it means, where we know that meaning.
  const known = await new DtcCodesRepository(db).findMany(unique, vehicle?.make);
  const analysed: AnalysedCode[] = unique.map((code) => {
    const details = known.get(code) ?? null;
    return { code, known: details !== null, decoded: decodeDtcCode(code), details };
  });

  const codesBySystem = new Map<DtcSystem, string[]>();
  for (const entry of analysed) codesBySystem.set(entry.decoded.system, [...(codesBySystem.get(entry.decoded.system) ?? []), entry.code]);
  const systems = [...codesBySystem.entries()]
    .map(([system, systemCodes]) => ({ system, codes: systemCodes }))
    .sort((a, b) => b.codes.length - a.codes.length || SYSTEM_ORDER.indexOf(a.system) - SYSTEM_ORDER.indexOf(b.system));

  const asked = new Set(unique);
  const relatedPairs = analysed.flatMap((entry) =>
    (entry.details?.related_codes ?? []).filter((related) => asked.has(related)).map((related) => ({ code: entry.code, related_code: related })),
  );

  const severities = analysed.map((entry) => entry.details?.severity).filter((severity): severity is DtcSeverity => severity !== null && severity !== undefined);
  const highestSeverity = severities.reduce<DtcSeverity | null>(
    (highest, severity) => (highest === null || DTC_SEVERITIES.indexOf(severity) > DTC_SEVERITIES.indexOf(highest) ? severity : highest),
    null,
  );

  return {
    codes: analysed,
    systems,
    shared_systems: systems.filter((entry) => entry.codes.length >= 2).map((entry) => entry.system),
    related_pairs: relatedPairs,
    highest_severity: highestSeverity,
    vehicle: vehicle === undefined ? null : await analyseVehicle(db, vehicle, systems.map((entry) => entry.system)),
  };
}

async function analyseVehicle(db: Kysely<DatabaseSchema>, vehicle: VehicleQuery, systems: readonly DtcSystem[]): Promise<VehicleAnalysis> {
  const keywords = componentKeywordsFor(systems);
  const [recalls, allComplaints, relevantComplaints] = await Promise.all([
    new RecallsRepository(db).findForVehicle(vehicle, { limit: QUICK_ANALYSIS_RECALL_LIMIT, offset: 0 }, keywords),
    new ComplaintsRepository(db).totalsForVehicle(vehicle),
    new ComplaintsRepository(db).totalsForVehicle(vehicle, keywords),
  ]);
  return {
    ...vehicle,
    recalls: { total: recalls.total, relevant: recalls.relevant, items: recalls.items },
    complaints: { all: allComplaints, relevant: relevantComplaints },
  };
}
