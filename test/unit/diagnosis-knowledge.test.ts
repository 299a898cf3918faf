import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

/**
 * Issue 17: the curated symptom → system → component → code graph the diagnosis engine walks.
 * Read as plain JSON on purpose: the data must hold up whatever the engine does with it.
 */

interface Bilingual<T> {
  readonly hu: T;
  readonly en: T;
}

interface KnowledgeNode {
  readonly id: string;
  readonly label: Bilingual<string>;
  readonly phrases: Bilingual<readonly string[]>;
}

interface SymptomNode extends KnowledgeNode {
  /** The codes that name the symptom itself (misfire → P0300), when there are such codes. */
  readonly codes?: readonly CodeEntry[];
}

interface SystemNode extends KnowledgeNode {
  readonly checks: Bilingual<readonly string[]>;
}

interface CodeEntry {
  readonly codes: string;
  readonly weight: number;
}

interface ComponentNode extends SystemNode {
  readonly system: string;
  readonly codes: readonly CodeEntry[];
  readonly note?: string;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

interface Knowledge {
  readonly version: number;
  readonly symptoms: readonly SymptomNode[];
  readonly systems: readonly SystemNode[];
  readonly components: readonly ComponentNode[];
  readonly edges: readonly Edge[];
}

const knowledge = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'diagnosis-knowledge.json'), 'utf8')) as Knowledge;
const bundledCodes = (JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-generic.json'), 'utf8')) as { code: string }[]).map(
  (entry) => entry.code,
);
const bundledCodeSet = new Set(bundledCodes);

/** The ids the engine and the web app refer to by name (issue 17); they may never be renamed. */
const FIXED_SYSTEM_IDS = [
  'ignition_system', 'fuel_system', 'air_intake', 'exhaust_emissions', 'evap_system', 'cooling_system', 'charging_system', 'starting_system',
  'engine_mechanical', 'abs_brakes', 'srs_airbag', 'transmission', 'diesel_aftertreatment', 'network', 'engine_control',
];
const FIXED_COMPONENT_IDS = [
  'spark_plug', 'ignition_coil', 'fuel_injector', 'fuel_pump', 'fuel_pressure_regulator', 'fuel_filter', 'maf_sensor', 'map_sensor', 'vacuum_leak',
  'throttle_body', 'idle_air_control', 'pcv_valve', 'o2_sensor_upstream', 'o2_sensor_downstream', 'catalytic_converter', 'evap_purge_valve',
  'evap_vent_valve', 'fuel_cap', 'egr_valve', 'dpf', 'turbocharger', 'glow_plug', 'thermostat', 'coolant_temp_sensor', 'water_pump', 'radiator_fan',
  'radiator_hoses', 'head_gasket', 'alternator', 'battery', 'starter_motor', 'crankshaft_sensor', 'camshaft_sensor', 'timing_chain', 'vvt_solenoid',
  'knock_sensor', 'oil_pressure', 'abs_wheel_speed_sensor', 'abs_module', 'airbag_module', 'clock_spring', 'transmission_fluid',
  'transmission_solenoid', 'torque_converter', 'vehicle_speed_sensor', 'can_bus', 'ecm',
];

/** Phrases deliberately shared: a driver who just says "lambda sensor" may mean either oxygen sensor. */
const ALLOWED_SHARED_PHRASES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  ['lambdaszonda', 'oxigenszenzor', 'o2 szenzor', 'o2-szenzor', 'szonda', 'lambda', 'o2 sensor', 'oxygen sensor', 'lambda sensor'].map((phrase) => [
    phrase,
    ['o2_sensor_downstream', 'o2_sensor_upstream'],
  ]),
);

const ID_PATTERN = /^[a-z][a-z0-9_]*$/;
const CODE_PATTERN = /^[PBCU][0-3][0-9A-F]{3}$/;
const MIN_HUNGARIAN_PHRASES = 3;
const MIN_ENGLISH_PHRASES = 2;
/** The engine walks symptom → system → component, then component → code: at most two edges to a component. */
const MAX_EDGES_TO_A_COMPONENT = 2;

const allNodes: readonly (KnowledgeNode & { readonly kind: string })[] = [
  ...knowledge.symptoms.map((node) => ({ ...node, kind: 'symptom' })),
  ...knowledge.systems.map((node) => ({ ...node, kind: 'system' })),
  ...knowledge.components.map((node) => ({ ...node, kind: 'component' })),
];
const symptomIds = new Set(knowledge.symptoms.map((node) => node.id));
const systemIds = new Set(knowledge.systems.map((node) => node.id));
const componentById = new Map(knowledge.components.map((node) => [node.id, node]));

/** A word as the matcher reads it: letters and digits, a hyphenated word kept whole ("motorhiba-lámpa"). */
const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;

/** What the matcher compares: case- and accent-insensitive words, other punctuation ignored. */
function normalizePhrase(phrase: string): string {
  const folded = phrase.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  return [...folded.matchAll(WORD)].map((match) => match[0]).join(' ');
}

/** Words that on their own would match nearly every description. */
const TOO_COMMON_ALONE = new Set(
  ['motor', 'autó', 'kocsi', 'lámpa', 'hiba', 'ég', 'nem', 'car', 'light', 'engine', 'problem', 'fault', 'error', 'vehicle'].map(normalizePhrase),
);

const ARTICLES = new Set(['a', 'az', 'an', 'the']);

/**
 * The matcher takes a word one to five letters longer than another (of four or more letters) as the same word
 * ("indul"/"indulni"), so a one-word phrase that is an everyday word plus a short ending would be recognised by
 * the everyday word alone ("motorjel" by "motor", "indításgátló" by "indítás").
 */
const EVERYDAY_WORDS = [
  'motor', 'olaj', 'benzin', 'dízel', 'gázolaj', 'üzemanyag', 'tank', 'levegő', 'kipufogó', 'indítás', 'szelep', 'hiba', 'lámpa', 'kerék',
  'generátor', 'spirál', 'gyűrű', 'test', 'over', 'under', 'engine', 'light', 'water', 'fuel', 'start', 'check',
].map(normalizePhrase);
const MAX_SAME_WORD_ENDING = 5;

function isNonEmptyText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** The bundled codes a code entry names (a range is inclusive, compared as same-length strings). */
function codesNamedBy(entry: string): string[] {
  const [start, end] = entry.split('-');
  if (start === undefined) return [];
  if (end === undefined) return bundledCodeSet.has(start) ? [start] : [];
  return bundledCodes.filter((code) => code >= start && code <= end);
}

/** Why a code entry is malformed, or null. */
function codeEntryProblem(entry: CodeEntry): string | null {
  if (typeof entry.weight !== 'number' || !(entry.weight > 0 && entry.weight <= 1)) return `weight ${String(entry.weight)} is not in (0, 1]`;
  const ends = entry.codes.split('-');
  if (ends.length > 2 || ends.some((end) => !CODE_PATTERN.test(end))) return 'is neither a code nor a range of two codes';
  const [start, end] = ends as [string, string | undefined];
  if (end !== undefined) {
    if (start.slice(0, 2) !== end.slice(0, 2)) return 'range ends differ in letter or first digit';
    if (start > end) return 'range starts after it ends';
  }
  return codesNamedBy(entry.codes).length === 0 ? 'names no bundled code' : null;
}

function edgesFrom(id: string): Edge[] {
  return knowledge.edges.filter((edge) => edge.from === id);
}

/** Components reachable from a node in at most `maxEdges` edges. */
function reachableComponents(startId: string, maxEdges: number): Set<string> {
  const reached = new Set<string>();
  let frontier = [startId];
  for (let depth = 0; depth < maxEdges; depth += 1) {
    frontier = frontier.flatMap((id) => edgesFrom(id).map((edge) => edge.to));
    for (const id of frontier) if (componentById.has(id)) reached.add(id);
  }
  return reached;
}

function componentHasBundledCode(id: string): boolean {
  return (componentById.get(id)?.codes ?? []).some((entry) => codesNamedBy(entry.codes).length > 0);
}

describe('the diagnosis knowledge base (seed/diagnosis-knowledge.json)', () => {
  it('has the documented top-level shape', () => {
    expect(knowledge.version, 'version').toBe(1);
    for (const key of ['symptoms', 'systems', 'components', 'edges'] as const) {
      expect(Array.isArray(knowledge[key]), `${key} is an array`).toBe(true);
    }
    expect(knowledge.symptoms.length, 'about 60 symptoms').toBeGreaterThanOrEqual(55);
    expect(knowledge.components.length, 'at least 48 components').toBeGreaterThanOrEqual(48);
  });

  it('ids are unique across symptoms, systems and components', () => {
    const uses = new Map<string, number>();
    for (const node of allNodes) uses.set(node.id, (uses.get(node.id) ?? 0) + 1);
    const duplicates = [...uses].filter(([, count]) => count > 1).map(([id]) => id);
    expect(duplicates, 'ids used more than once').toEqual([]);
  });

  it('ids are lower-case snake case', () => {
    const badIds = allNodes.filter((node) => typeof node.id !== 'string' || !ID_PATTERN.test(node.id)).map((node) => `${node.kind} ${JSON.stringify(node.id)}`);
    expect(badIds, `ids not matching ${String(ID_PATTERN)}`).toEqual([]);
  });

  it('every fixed system and component id exists, as the right kind', () => {
    expect(FIXED_SYSTEM_IDS.filter((id) => !systemIds.has(id)), 'fixed system ids missing from systems').toEqual([]);
    expect(FIXED_COMPONENT_IDS.filter((id) => !componentById.has(id)), 'fixed component ids missing from components').toEqual([]);
  });

  it('every node has a Hungarian and an English label and enough phrases in both languages', () => {
    const problems = allNodes.flatMap((node) => {
      const found: string[] = [];
      if (!isNonEmptyText(node.label.hu) || !isNonEmptyText(node.label.en)) found.push(`${node.id}: label.hu and label.en must be non-empty`);
      if (node.phrases.hu.length < MIN_HUNGARIAN_PHRASES) found.push(`${node.id}: fewer than ${MIN_HUNGARIAN_PHRASES} Hungarian phrases`);
      if (node.phrases.en.length < MIN_ENGLISH_PHRASES) found.push(`${node.id}: fewer than ${MIN_ENGLISH_PHRASES} English phrases`);
      for (const language of ['hu', 'en'] as const) {
        const normalized = node.phrases[language].map((phrase) => (isNonEmptyText(phrase) ? normalizePhrase(phrase) : ''));
        if (normalized.includes('')) found.push(`${node.id}: an empty ${language} phrase`);
        const repeated = normalized.filter((phrase, index) => normalized.indexOf(phrase) !== index);
        if (repeated.length > 0) found.push(`${node.id}: ${language} phrases repeated: ${repeated.join(', ')}`);
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('no phrase is a lone very common word', () => {
    const vague = allNodes.flatMap((node) =>
      [...node.phrases.hu, ...node.phrases.en].filter((phrase) => TOO_COMMON_ALONE.has(normalizePhrase(phrase))).map((phrase) => `${node.id}: "${phrase}"`),
    );
    expect(vague, 'phrases that would match almost any description').toEqual([]);
  });

  it('phrases carry no articles (the matcher needs every word of a phrase, and drivers often leave articles out)', () => {
    const withArticles = allNodes.flatMap((node) =>
      [...node.phrases.hu, ...node.phrases.en]
        .filter((phrase) => normalizePhrase(phrase).split(' ').some((word) => ARTICLES.has(word)))
        .map((phrase) => `${node.id}: "${phrase}"`),
    );
    expect(withArticles, 'phrases with a, az, an or the').toEqual([]);
  });

  it('no one-word phrase is an everyday word with a short ending (the matcher would take the everyday word for it)', () => {
    const shadowed = allNodes.flatMap((node) =>
      [...node.phrases.hu, ...node.phrases.en].flatMap((phrase) => {
        const word = normalizePhrase(phrase);
        const everyday = EVERYDAY_WORDS.find((common) => word !== common && word.startsWith(common) && word.length - common.length <= MAX_SAME_WORD_ENDING);
        return everyday === undefined || word.includes(' ') ? [] : [`${node.id}: "${phrase}" (by "${everyday}")`];
      }),
    );
    expect(shadowed).toEqual([]);
  });

  it('no phrase belongs to two nodes unless it is on the allowed list, with exactly those nodes', () => {
    const owners = new Map<string, Set<string>>();
    for (const node of allNodes) {
      for (const phrase of [...node.phrases.hu, ...node.phrases.en]) {
        const key = normalizePhrase(phrase);
        owners.set(key, (owners.get(key) ?? new Set()).add(node.id));
      }
    }
    const unexpected = [...owners]
      .filter(([phrase, ids]) => ids.size > 1 || phrase in ALLOWED_SHARED_PHRASES)
      .filter(([phrase, ids]) => [...ids].sort().join(',') !== (ALLOWED_SHARED_PHRASES[phrase] ?? []).join(','))
      .map(([phrase, ids]) => `"${phrase}": ${[...ids].sort().join(', ')}`);
    expect(unexpected, 'phrases under several nodes (or allowed shares that changed)').toEqual([]);
  });

  it('every system and component lists what to check, in both languages', () => {
    const missing = [...knowledge.systems, ...knowledge.components]
      .filter((node) => !(node.checks.hu.length > 0 && node.checks.en.length > 0 && [...node.checks.hu, ...node.checks.en].every(isNonEmptyText)))
      .map((node) => node.id);
    expect(missing, 'nodes without non-empty checks in hu and en').toEqual([]);
  });

  it('every component belongs to an existing system, and that system leads to it', () => {
    const problems = knowledge.components.flatMap((component) => {
      if (!systemIds.has(component.system)) return [`${component.id}: unknown system ${component.system}`];
      const linked = knowledge.edges.some((edge) => edge.from === component.system && edge.to === component.id);
      return linked ? [] : [`${component.id}: no edge from its system ${component.system}`];
    });
    expect(problems).toEqual([]);
  });

  it('every component code entry names bundled codes, and a component without codes says why', () => {
    const problems = knowledge.components.flatMap((component) => {
      const found = component.codes.flatMap((entry) => {
        const problem = codeEntryProblem(entry);
        return problem === null ? [] : [`${component.id} "${entry.codes}": ${problem}`];
      });
      if (component.codes.length === 0 && !isNonEmptyText(component.note)) found.push(`${component.id}: no code entries and no note saying why`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it("a symptom's own code entries name bundled codes", () => {
    const problems = knowledge.symptoms.flatMap((symptom) =>
      (symptom.codes ?? []).flatMap((entry) => {
        const problem = codeEntryProblem(entry);
        return problem === null ? [] : [`${symptom.id} "${entry.codes}": ${problem}`];
      }),
    );
    expect(problems).toEqual([]);
    expect(knowledge.symptoms.find((symptom) => symptom.id === 'misfire')?.codes?.map((entry) => entry.codes), 'misfire → P0300').toContain('P0300');
  });

  it('edges run symptom → system/component or system → component, with a weight in (0, 1], once each', () => {
    const seen = new Set<string>();
    const problems = knowledge.edges.flatMap((edge) => {
      const found: string[] = [];
      const fromSymptom = symptomIds.has(edge.from);
      const fromSystem = systemIds.has(edge.from);
      const toSystem = systemIds.has(edge.to);
      const toComponent = componentById.has(edge.to);
      if (!fromSymptom && !fromSystem) found.push(`${edge.from} → ${edge.to}: starts at neither a symptom nor a system`);
      if (fromSymptom && !toSystem && !toComponent) found.push(`${edge.from} → ${edge.to}: a symptom must lead to a system or component`);
      if (fromSystem && !toComponent) found.push(`${edge.from} → ${edge.to}: a system must lead to a component`);
      if (typeof edge.weight !== 'number' || !(edge.weight > 0 && edge.weight <= 1)) found.push(`${edge.from} → ${edge.to}: weight not in (0, 1]`);
      const key = `${edge.from}→${edge.to}`;
      if (seen.has(key)) found.push(`${edge.from} → ${edge.to}: listed twice`);
      seen.add(key);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('every symptom reaches at least one bundled code within the engine’s depth', () => {
    const deadEnds = knowledge.symptoms
      .filter((symptom) => ![...reachableComponents(symptom.id, MAX_EDGES_TO_A_COMPONENT)].some(componentHasBundledCode))
      .map((symptom) => symptom.id);
    expect(deadEnds, 'symptoms with no path to a code').toEqual([]);
  });

  it('every system leads to a component with a bundled code', () => {
    const deadEnds = knowledge.systems.filter((system) => ![...reachableComponents(system.id, 1)].some(componentHasBundledCode)).map((system) => system.id);
    expect(deadEnds, 'systems with no path to a code').toEqual([]);
  });

  it('the signs of a failed head gasket each lead to the head gasket, directly and through the cooling system', () => {
    const headGasketSigns = ['white_smoke', 'coolant_loss', 'coolant_bubbles', 'milky_oil', 'overheating'];
    const missing = headGasketSigns.filter((id) => !symptomIds.has(id) || !reachableComponents(id, 1).has('head_gasket'));
    expect(missing, 'symptoms without a direct edge to head_gasket').toEqual([]);
    expect(reachableComponents('cooling_system', 1).has('head_gasket'), 'cooling_system → head_gasket').toBe(true);
    expect(componentById.get('head_gasket')?.codes.some((entry) => codesNamedBy(entry.codes).includes('P2560')), 'head_gasket → P2560').toBe(true);
  });
});
