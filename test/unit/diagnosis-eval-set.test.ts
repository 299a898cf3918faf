import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

/**
 * Issue 17: the evaluation set symptom-based diagnosis is measured with (eval/diagnosis-cases.json).
 * Plain JSON reading only, nothing from src/, so the set stays independent of the engine it measures.
 */

interface EvalCase {
  readonly id: unknown;
  readonly language: unknown;
  readonly text: unknown;
  readonly make?: unknown;
  readonly expected?: { readonly codes?: unknown; readonly components?: unknown };
}

interface SeedCode {
  readonly code: string;
  readonly description_en?: string;
  readonly description_hu?: string;
  readonly symptoms?: readonly string[];
  readonly symptoms_hu?: readonly string[];
}

/**
 * The knowledge base's fixed system and component ids (issue 17, components.md).
 * Must match the ids the diagnosis knowledge base uses; kept here because this test imports nothing from src/.
 */
const SYSTEM_IDS = [
  'ignition_system', 'fuel_system', 'air_intake', 'exhaust_emissions', 'evap_system', 'cooling_system', 'charging_system',
  'starting_system', 'engine_mechanical', 'abs_brakes', 'srs_airbag', 'transmission', 'diesel_aftertreatment', 'network',
  'engine_control',
];
const COMPONENT_IDS = [
  'spark_plug', 'ignition_coil', 'fuel_injector', 'fuel_pump', 'fuel_pressure_regulator', 'fuel_filter', 'maf_sensor', 'map_sensor',
  'vacuum_leak', 'throttle_body', 'idle_air_control', 'pcv_valve',
  'o2_sensor_upstream', 'o2_sensor_downstream', 'catalytic_converter', 'evap_purge_valve', 'evap_vent_valve', 'fuel_cap', 'egr_valve',
  'dpf', 'turbocharger', 'glow_plug',
  'thermostat', 'coolant_temp_sensor', 'water_pump', 'radiator_fan', 'radiator_hoses', 'head_gasket',
  'alternator', 'battery', 'starter_motor', 'crankshaft_sensor', 'camshaft_sensor', 'timing_chain', 'vvt_solenoid', 'knock_sensor',
  'oil_pressure',
  'abs_wheel_speed_sensor', 'abs_module', 'airbag_module', 'clock_spring',
  'transmission_fluid', 'transmission_solenoid', 'torque_converter', 'vehicle_speed_sensor', 'can_bus', 'ecm',
];
const KNOWN_COMPONENT_IDS = new Set([...SYSTEM_IDS, ...COMPONENT_IDS]);

const MIN_CASES = 150;
const MIN_HUNGARIAN_CASES = 100;
const MAX_CODES_PER_CASE = 6;

const evalFile = JSON.parse(readFileSync(path.join(projectRoot, 'eval', 'diagnosis-cases.json'), 'utf8')) as {
  readonly version?: unknown;
  readonly cases?: unknown;
};
const cases: readonly EvalCase[] = Array.isArray(evalFile.cases) ? (evalFile.cases as EvalCase[]) : [];
const seed = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-generic.json'), 'utf8')) as SeedCode[];
const seedCodes = new Set(seed.map((entry) => entry.code));

/** Lower-cased, accents removed, whitespace collapsed: how two texts are compared. */
function normalized(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The case's expected list under `key`, or [] when it is missing or not a list of strings. */
function expectedList(evalCase: EvalCase, key: 'codes' | 'components'): string[] {
  const list = evalCase.expected?.[key];
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** Each case with the name a failure message gives it: its id, or its position when it has none. */
const labelled = cases.map((evalCase, index) => ({ evalCase, label: typeof evalCase.id === 'string' ? evalCase.id : `case #${index}` }));

/** The labels of the cases `matches` picks. */
function labelsWhere(matches: (evalCase: EvalCase) => boolean): string[] {
  return labelled.filter(({ evalCase }) => matches(evalCase)).map(({ label }) => label);
}

/** The values that occur more than once in `values`, each once. */
function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

describe('the diagnosis evaluation set (eval/diagnosis-cases.json)', () => {
  it('is version 1 with a list of cases', () => {
    expect(evalFile.version, 'the file says "version": 1').toBe(1);
    expect(Array.isArray(evalFile.cases), '"cases" is a list').toBe(true);
  });

  it(`has at least ${MIN_CASES} cases`, () => {
    expect(cases.length, `at least ${MIN_CASES} cases`).toBeGreaterThanOrEqual(MIN_CASES);
  });

  it(`has at least ${MIN_HUNGARIAN_CASES} Hungarian cases`, () => {
    const hungarian = cases.filter((evalCase) => evalCase.language === 'hu').length;
    expect(hungarian, `at least ${MIN_HUNGARIAN_CASES} Hungarian cases`).toBeGreaterThanOrEqual(MIN_HUNGARIAN_CASES);
  });

  it('every case has a string id, language "hu" or "en", a non-empty text and, if given, a non-empty make', () => {
    const malformed = labelsWhere(
      (evalCase) =>
        typeof evalCase.id !== 'string' ||
        evalCase.id === '' ||
        (evalCase.language !== 'hu' && evalCase.language !== 'en') ||
        typeof evalCase.text !== 'string' ||
        evalCase.text.trim() === '' ||
        (evalCase.make !== undefined && (typeof evalCase.make !== 'string' || evalCase.make.trim() === '')),
    );
    expect(malformed, 'cases with a missing or malformed id, language, text or make').toEqual([]);
  });

  it('ids are unique', () => {
    const ids = labelled.map(({ label }) => label);
    expect(duplicates(ids), 'ids used by more than one case').toEqual([]);
  });

  it('expected codes and components are lists of strings', () => {
    const malformed = labelsWhere((evalCase) =>
      (['codes', 'components'] as const).some((key) => {
        const list = evalCase.expected?.[key];
        return !Array.isArray(list) || list.some((item) => typeof item !== 'string');
      }),
    );
    expect(malformed, 'cases whose expected.codes or expected.components is not a list of strings').toEqual([]);
  });

  it('every expected code is a bundled code in seed/dtc-generic.json', () => {
    const unknown = labelled.flatMap(({ evalCase, label }) =>
      expectedList(evalCase, 'codes')
        .filter((code) => !seedCodes.has(code))
        .map((code) => `${label}: ${code}`),
    );
    expect(unknown, 'expected codes missing from seed/dtc-generic.json').toEqual([]);
  });

  it("every expected component is one of the knowledge base's fixed ids", () => {
    const unknown = labelled.flatMap(({ evalCase, label }) =>
      expectedList(evalCase, 'components')
        .filter((component) => !KNOWN_COMPONENT_IDS.has(component))
        .map((component) => `${label}: ${component}`),
    );
    expect(unknown, 'expected components that are not fixed ids').toEqual([]);
  });

  it('every case expects at least one code or component', () => {
    const empty = labelsWhere((evalCase) => expectedList(evalCase, 'codes').length + expectedList(evalCase, 'components').length === 0);
    expect(empty, 'cases expecting neither a code nor a component').toEqual([]);
  });

  it(`no case expects more than ${MAX_CODES_PER_CASE} codes`, () => {
    const tooMany = labelsWhere((evalCase) => expectedList(evalCase, 'codes').length > MAX_CODES_PER_CASE);
    expect(tooMany, `cases expecting more than ${MAX_CODES_PER_CASE} codes`).toEqual([]);
  });

  it('no case lists the same code or component twice', () => {
    const repeated = labelsWhere((evalCase) =>
      (['codes', 'components'] as const).some((key) => duplicates(expectedList(evalCase, key)).length > 0),
    );
    expect(repeated, 'cases listing the same code or component twice').toEqual([]);
  });

  it("no case's text is a code's description or a listed symptom (lower-cased, accents removed)", () => {
    const seedTexts = new Set(
      seed.flatMap((entry) =>
        [entry.description_en ?? '', entry.description_hu ?? '', ...(entry.symptoms ?? []), ...(entry.symptoms_hu ?? [])]
          .filter((text) => text !== '')
          .map(normalized),
      ),
    );
    const copied = labelsWhere((evalCase) => typeof evalCase.text === 'string' && seedTexts.has(normalized(evalCase.text)));
    expect(copied, 'cases whose text repeats a description or symptom of seed/dtc-generic.json').toEqual([]);
  });

  it('texts are unique (lower-cased, accents removed)', () => {
    const texts = cases.map((evalCase) => (typeof evalCase.text === 'string' ? normalized(evalCase.text) : ''));
    expect(duplicates(texts), 'texts used by more than one case').toEqual([]);
  });
});
