/**
 * Rules that read a scan's freeze frames (issue 20): what the values at the
 * moment a code was set say about its likely cause, e.g. a long-term fuel trim
 * above +10 % with P0171 points at unmetered air. Pure: the scan in, findings out.
 *
 * A finding names a likely direction for the diagnosis, never a certainty:
 * thresholds are set so that a value inside the normal range says nothing.
 * Every value is in its canonical unit (pids.ts): trims and load in %, temperatures
 * in °C, MAF in g/s, MAP in kPa (absolute), speed in km/h, voltage in V, run time in s.
 */
import type { Scan, ScanFreezeFrame, ScanValue } from './types.js';

export type ScanFindingSeverity = 'info' | 'warning' | 'critical';

export interface ScanFinding {
  /** A stable rule id (snake_case); the web app words it in Hungarian and English. */
  readonly rule: string;
  /** The code whose freeze frame the rule read, or null for a rule on the whole scan. */
  readonly code: string | null;
  readonly severity: ScanFindingSeverity;
  /** The values the rule read: canonical PID name → value in its canonical unit. */
  readonly evidence: Readonly<Record<string, ScanValue>>;
}

/** Every rule id, in the order findings come out (the web texts are keyed by these). */
export const SCAN_FINDING_RULE_IDS = [
  'lean_at_idle',
  'lean_under_load',
  'lean_trims',
  'lean_both_banks',
  'rich_trims',
  'lean_misfire',
  'misfire_at_idle',
  'misfire_under_load',
  'catalyst_fix_fueling_first',
  'maf_reading_low',
  'maf_reading_high',
  'thermostat_stuck_open',
  'overheating',
  'temp_sensor_open_circuit',
  'idle_rpm_high',
  'idle_rpm_low',
  'low_voltage_many_codes',
  'charging_voltage_high',
] as const;

export type ScanFindingRuleId = (typeof SCAN_FINDING_RULE_IDS)[number];

/** The thresholds the rules compare with (documented in docs/API.md "Freeze-frame rules"). */
export const SCAN_RULE_THRESHOLDS = Object.freeze({
  /** A bank's fuel trim (LTFT + STFT) beyond ± this, in %, is a real correction, not normal adaptation. */
  trimPercent: 10,
  /** Idle: at most this RPM … */
  idleMaxRpm: 1100,
  /** … and at most this calculated load, in %. */
  idleMaxLoad: 40,
  /** Raised operation (lean rules): at least this RPM or … */
  raisedMinRpm: 2000,
  /** … at least this load, in %. */
  raisedMinLoad: 50,
  /** A misfire under load: at least this load, in %. */
  heavyMinLoad: 60,
  /** The engine runs at this RPM or more. */
  runningMinRpm: 500,
  /** MAF per 1000 RPM per 100 kPa of MAP, in g/s: below the least a 1-litre engine breathes … */
  mafMinPerKrpmPer100Kpa: 3,
  /** … above the most an 8-litre one does. */
  mafMaxPerKrpmPer100Kpa: 70,
  /** MAP assumed when the frame has none: the lowest (closed throttle) for the low bound, full boost for the high bound. */
  assumedMinMapKpa: 20,
  assumedMaxMapKpa: 250,
  /** Coolant below this, in °C, with P0128: the engine never warmed up. */
  warmCoolantC: 70,
  /** … after this run time, in s, when the frame has it. */
  warmRunTimeS: 300,
  /** Coolant above this, in °C: overheating. */
  overheatC: 110,
  /** A temperature at or below this, in °C: the −40 °C a sensor reads with an open circuit. */
  openCircuitC: -39,
  /** P0507: warm idle above this RPM. */
  highIdleRpm: 1000,
  /** P0506: idle below this RPM. */
  lowIdleRpm: 600,
  /** At most this speed, in km/h, counts as standing. */
  standingMaxSpeed: 2,
  /** Module voltage below this, in V, with network codes or many codes: battery first. */
  lowVoltage: 11.5,
  /** So many distinct codes count as many. */
  manyCodes: 5,
  /** Module voltage above this, in V, with the engine running: the charging system overcharges. */
  highVoltage: 15.2,
});

const T = SCAN_RULE_THRESHOLDS;

type Values = Readonly<Record<string, ScanValue>>;
type Evidence = Record<string, ScanValue>;

/** A rule on one freeze frame: which codes' frames it reads, and the evidence when it matches. */
interface FrameRule {
  readonly id: ScanFindingRuleId;
  readonly scope: 'frame';
  readonly severity: ScanFindingSeverity;
  /** The frame's code matches (a frame without a code matches only a rule for any code). */
  readonly codes: ((code: string) => boolean) | 'any';
  /** The values read when the rule matches, else undefined. */
  readonly match: (values: Values, code: string | null) => Evidence | undefined;
}

/** A rule on the whole scan. */
interface ScanRule {
  readonly id: ScanFindingRuleId;
  readonly scope: 'scan';
  readonly severity: ScanFindingSeverity;
  readonly match: (scan: Scan) => Evidence | undefined;
}

type Rule = FrameRule | ScanRule;

const num = (values: Values, name: string): number | undefined => {
  const entry = Object.hasOwn(values, name) ? values[name] : undefined;
  return entry !== undefined && Number.isFinite(entry.value) ? entry.value : undefined;
};

/** The named values the frame has, as evidence. */
function pick(values: Values, names: readonly string[]): Evidence {
  const evidence: Evidence = {};
  for (const name of names) {
    const entry = Object.hasOwn(values, name) ? values[name] : undefined;
    if (entry !== undefined) evidence[name] = { value: entry.value, unit: entry.unit };
  }
  return evidence;
}

const bankPids = (bank: 1 | 2): readonly string[] => [`ltft_bank${bank}`, `stft_bank${bank}`];

/** A bank's total fuel trim: LTFT plus STFT when the frame has it; undefined without LTFT. */
function bankTrim(values: Values, bank: 1 | 2): number | undefined {
  const long = num(values, `ltft_bank${bank}`);
  if (long === undefined) return undefined;
  return long + (num(values, `stft_bank${bank}`) ?? 0);
}

/** P0171/P0172 are bank 1, P0174/P0175 bank 2. */
const bankOf = (code: string | null): 1 | 2 => (code === 'P0174' || code === 'P0175' ? 2 : 1);

function atIdle(values: Values): boolean {
  const rpm = num(values, 'engine_rpm');
  const load = num(values, 'engine_load');
  return rpm !== undefined && rpm <= T.idleMaxRpm && (load === undefined || load <= T.idleMaxLoad);
}

function raised(values: Values): boolean {
  const rpm = num(values, 'engine_rpm');
  const load = num(values, 'engine_load');
  return (rpm !== undefined && rpm >= T.raisedMinRpm) || (load !== undefined && load >= T.raisedMinLoad);
}

/** The bank of a lean code trims more than +10 %: the evidence with the operating point, else undefined. */
function leanBank(values: Values, code: string | null): Evidence | undefined {
  const bank = bankOf(code);
  const trim = bankTrim(values, bank);
  return trim !== undefined && trim > T.trimPercent ? pick(values, [...bankPids(bank), 'engine_rpm', 'engine_load']) : undefined;
}

/** Either bank's trim beyond ±10 %: the trims as evidence, else undefined. */
function anyTrimOff(values: Values, direction: 'lean' | 'either'): Evidence | undefined {
  const off = ([1, 2] as const).filter((bank) => {
    const trim = bankTrim(values, bank);
    return trim !== undefined && (trim > T.trimPercent || (direction === 'either' && trim < -T.trimPercent));
  });
  return off.length === 0 ? undefined : pick(values, off.flatMap(bankPids));
}

const LEAN_CODES = new Set(['P0171', 'P0174']);
const RICH_CODES = new Set(['P0172', 'P0175']);
const isLean = (code: string): boolean => LEAN_CODES.has(code);
const isMisfire = (code: string): boolean => /^P03(0\d|1[0-2])$/.test(code);
const isMaf = (code: string): boolean => /^P010[0-4]$/.test(code);

/** MAF per 1000 RPM against what an engine can breathe at the frame's MAP; undefined when the frame cannot say. */
function mafOutOfRange(values: Values, side: 'low' | 'high'): Evidence | undefined {
  const maf = num(values, 'maf');
  const rpm = num(values, 'engine_rpm');
  if (maf === undefined || rpm === undefined || rpm < T.runningMinRpm) return undefined;
  const map = num(values, 'intake_map');
  const perKrpm = maf / (rpm / 1000);
  const out =
    side === 'low'
      ? perKrpm < (T.mafMinPerKrpmPer100Kpa * (map ?? T.assumedMinMapKpa)) / 100
      : perKrpm > (T.mafMaxPerKrpmPer100Kpa * (map ?? T.assumedMaxMapKpa)) / 100;
  return out ? pick(values, ['maf', 'engine_rpm', 'intake_map', 'engine_load']) : undefined;
}

function standing(values: Values): boolean {
  const speed = num(values, 'vehicle_speed');
  return speed === undefined || speed <= T.standingMaxSpeed;
}

/** The lowest module voltage of the scan's freeze frames. */
function lowestVoltage(scan: Scan): ScanValue | undefined {
  let lowest: ScanValue | undefined;
  for (const frame of scan.freezeFrames) {
    const value = num(frame.values, 'module_voltage');
    if (value !== undefined && (lowest === undefined || value < lowest.value)) lowest = { value, unit: frame.values.module_voltage?.unit ?? 'V' };
  }
  return lowest;
}

/** The frame of `code` in the scan, if any. */
const frameOf = (scan: Scan, code: string): ScanFreezeFrame | undefined => scan.freezeFrames.find((frame) => frame.code === code);

/** The rules, in the order their findings come out. */
export const SCAN_RULES: readonly Rule[] = [
  {
    // Lean at idle that a raised RPM would cure: air enters past the MAF (vacuum hose, intake gasket, PCV, brake booster).
    id: 'lean_at_idle',
    scope: 'frame',
    severity: 'warning',
    codes: isLean,
    match: (values, code) => (atIdle(values) ? leanBank(values, code) : undefined),
  },
  {
    // Lean at raised RPM or load: the fuel supply falls short (pump, filter, regulator) or the MAF reads low.
    id: 'lean_under_load',
    scope: 'frame',
    severity: 'warning',
    codes: isLean,
    match: (values, code) => (!atIdle(values) && raised(values) ? leanBank(values, code) : undefined),
  },
  {
    // Lean, the operating point unknown or in between: unmetered air is the likeliest cause.
    id: 'lean_trims',
    scope: 'frame',
    severity: 'warning',
    codes: isLean,
    match: (values, code) => (!atIdle(values) && !raised(values) ? leanBank(values, code) : undefined),
  },
  {
    // Both banks lean: a cause they share (MAF, fuel pressure, a large common vacuum leak), not one bank's gasket or injector.
    id: 'lean_both_banks',
    scope: 'scan',
    severity: 'info',
    match: (scan) => {
      const codes = new Set(scan.codes.map((entry) => entry.code));
      if (!codes.has('P0171') || !codes.has('P0174')) return undefined;
      return { ...pick(frameOf(scan, 'P0171')?.values ?? {}, bankPids(1)), ...pick(frameOf(scan, 'P0174')?.values ?? {}, bankPids(2)) };
    },
  },
  {
    // Rich with the trims pulling fuel: a leaking injector, a purge valve stuck open, high fuel pressure, fuel in the oil.
    id: 'rich_trims',
    scope: 'frame',
    severity: 'warning',
    codes: (code) => RICH_CODES.has(code),
    match: (values, code) => {
      const bank = bankOf(code);
      const trim = bankTrim(values, bank);
      return trim !== undefined && trim < -T.trimPercent ? pick(values, [...bankPids(bank), 'engine_rpm', 'engine_load']) : undefined;
    },
  },
  {
    // Random misfire with lean trims: the mixture is too lean to light; fix the lean condition first.
    id: 'lean_misfire',
    scope: 'frame',
    severity: 'warning',
    codes: (code) => code === 'P0300',
    match: (values) => anyTrimOff(values, 'lean'),
  },
  {
    // Misfire at idle and low load: vacuum leak, injector, valve clearance or compression, rather than the ignition.
    id: 'misfire_at_idle',
    scope: 'frame',
    severity: 'warning',
    codes: isMisfire,
    match: (values) => {
      const load = num(values, 'engine_load');
      return atIdle(values) && load !== undefined ? pick(values, ['engine_rpm', 'engine_load', 'vehicle_speed']) : undefined;
    },
  },
  {
    // Misfire under load: the ignition (coil, plug, lead) breaks down under cylinder pressure; the catalyst is at risk.
    id: 'misfire_under_load',
    scope: 'frame',
    severity: 'critical',
    codes: isMisfire,
    match: (values) => {
      const load = num(values, 'engine_load');
      return load !== undefined && load >= T.heavyMinLoad ? pick(values, ['engine_rpm', 'engine_load', 'vehicle_speed']) : undefined;
    },
  },
  {
    // Catalyst efficiency with the trims far off: the mixture may have caused the code; fix the fueling before the catalyst.
    id: 'catalyst_fix_fueling_first',
    scope: 'frame',
    severity: 'warning',
    codes: (code) => code === 'P0420' || code === 'P0430',
    match: (values) => anyTrimOff(values, 'either'),
  },
  {
    id: 'maf_reading_low',
    scope: 'frame',
    severity: 'warning',
    codes: isMaf,
    match: (values) => mafOutOfRange(values, 'low'),
  },
  {
    id: 'maf_reading_high',
    scope: 'frame',
    severity: 'warning',
    codes: isMaf,
    match: (values) => mafOutOfRange(values, 'high'),
  },
  {
    // Below 70 °C after the warm-up time: the thermostat stays open (or the sensor reads low).
    id: 'thermostat_stuck_open',
    scope: 'frame',
    severity: 'info',
    codes: (code) => code === 'P0128',
    match: (values) => {
      const coolant = num(values, 'coolant_temp');
      const runTime = num(values, 'run_time');
      return coolant !== undefined && coolant < T.warmCoolantC && (runTime === undefined || runTime >= T.warmRunTimeS) ? pick(values, ['coolant_temp', 'run_time', 'ambient_air_temp']) : undefined;
    },
  },
  {
    id: 'overheating',
    scope: 'frame',
    severity: 'critical',
    codes: 'any',
    match: (values) => {
      const coolant = num(values, 'coolant_temp');
      return coolant !== undefined && coolant > T.overheatC ? pick(values, ['coolant_temp', 'engine_rpm', 'vehicle_speed']) : undefined;
    },
  },
  {
    // −40 °C is what the ECU reads from an open circuit: the sensor or its wiring, not the weather.
    id: 'temp_sensor_open_circuit',
    scope: 'frame',
    severity: 'warning',
    codes: 'any',
    match: (values) => {
      const cold = ['coolant_temp', 'intake_air_temp'].filter((name) => {
        const value = num(values, name);
        return value !== undefined && value <= T.openCircuitC;
      });
      return cold.length === 0 ? undefined : pick(values, [...cold, 'ambient_air_temp']);
    },
  },
  {
    // Warm idle too high: air past the throttle (vacuum leak, idle valve, throttle body).
    id: 'idle_rpm_high',
    scope: 'frame',
    severity: 'info',
    codes: (code) => code === 'P0507',
    match: (values) => {
      const rpm = num(values, 'engine_rpm');
      const coolant = num(values, 'coolant_temp');
      return rpm !== undefined && rpm > T.highIdleRpm && standing(values) && (coolant === undefined || coolant >= T.warmCoolantC)
        ? pick(values, ['engine_rpm', 'coolant_temp', 'vehicle_speed'])
        : undefined;
    },
  },
  {
    // Idle too low: a dirty throttle body or idle valve, or a load the idle control cannot make up.
    id: 'idle_rpm_low',
    scope: 'frame',
    severity: 'info',
    codes: (code) => code === 'P0506',
    match: (values) => {
      const rpm = num(values, 'engine_rpm');
      return rpm !== undefined && rpm < T.lowIdleRpm && standing(values) ? pick(values, ['engine_rpm', 'vehicle_speed', 'engine_load']) : undefined;
    },
  },
  {
    // Low voltage with network codes or many codes: modules misbehave below 11.5 V; test the battery and charging first.
    id: 'low_voltage_many_codes',
    scope: 'scan',
    severity: 'warning',
    match: (scan) => {
      const voltage = lowestVoltage(scan);
      if (voltage === undefined || voltage.value >= T.lowVoltage) return undefined;
      const codes = new Set(scan.codes.map((entry) => entry.code));
      return [...codes].some((code) => code.startsWith('U')) || codes.size >= T.manyCodes ? { module_voltage: voltage } : undefined;
    },
  },
  {
    // Above 15.2 V with the engine running: the regulator overcharges (bulbs, battery and modules suffer).
    id: 'charging_voltage_high',
    scope: 'frame',
    severity: 'warning',
    codes: 'any',
    match: (values) => {
      const rpm = num(values, 'engine_rpm');
      const voltage = num(values, 'module_voltage');
      return rpm !== undefined && rpm >= T.runningMinRpm && voltage !== undefined && voltage > T.highVoltage ? pick(values, ['module_voltage', 'engine_rpm']) : undefined;
    },
  },
];

/** The findings of every rule that matches, in rule order (and, within a rule, the scan's frame order). */
export function analyzeScanFreezeFrames(scan: Scan): ScanFinding[] {
  const findings: ScanFinding[] = [];
  for (const rule of SCAN_RULES) {
    if (rule.scope === 'scan') {
      const evidence = rule.match(scan);
      if (evidence !== undefined) findings.push({ rule: rule.id, code: null, severity: rule.severity, evidence });
      continue;
    }
    for (const frame of scan.freezeFrames) {
      if (rule.codes === 'any' ? false : frame.code === null || !rule.codes(frame.code)) continue;
      const evidence = rule.match(frame.values, frame.code);
      if (evidence !== undefined) findings.push({ rule: rule.id, code: frame.code, severity: rule.severity, evidence });
    }
  }
  return findings;
}
