import type { Database } from '../../db/index.js';
import { decodeStringArray } from '../../db/repositories/column-values.js';
import { DtcCodesRepository, normalizeDtcMake, RecallsRepository, type DtcCode, type DtcSeverity, type Recall } from '../../db/repositories/index.js';
import type { DtcSystem } from '../dtc-code.js';
import { componentKeywordsFor } from '../nhtsa-components.js';
import { documentKey, parseDocumentKey } from './index-sync.js';
import { bundledKnowledge, type Knowledge, type KnowledgeNode, type KnowledgeNodeKind } from './knowledge.js';
import { DiagnosisSearch, type GraphNodeRow, type GraphStep, type MatchingComplaint, type VocabularyMatch } from './search.js';
import { isStopword, sameWord, sentencesOf, wordForms, type DescribeLanguage, type WordForms } from './text.js';

export interface DescribeInput {
  readonly text: string;
  readonly language?: DescribeLanguage | undefined;
  /** Upper-case, as the repositories store makes and models. */
  readonly make?: string | undefined;
  readonly model?: string | undefined;
  readonly year?: number | undefined;
  /** Codes the driver already read (upper case); they and what they share with the text rank higher. */
  readonly codes?: readonly string[] | undefined;
}

export interface RecognisedNode {
  readonly id: string;
  readonly kind: KnowledgeNodeKind;
  readonly label: string;
  /** The driver's words that named it. */
  readonly matched: string[];
}

export interface DescribeCandidate {
  readonly kind: 'code' | 'component';
  readonly code: string | null;
  readonly make: string | null;
  readonly component: string | null;
  readonly title: string;
  readonly system: DtcSystem | null;
  readonly severity: DtcSeverity | null;
  /** 0–1, three decimals; candidates come highest first. */
  readonly score: number;
  readonly reasons: {
    /** Symptoms (and parts or systems) in the text that lead here. */
    readonly symptoms: { id: string; label: string }[];
    /** The driver's words found in this code's own text. */
    readonly words: string[];
    /** Systems and components the graph went through. */
    readonly via: { id: string; label: string }[];
    /** The driver gave this code. */
    readonly given: boolean;
  };
  readonly causes: string[];
  readonly checks: string[];
  /** For a component: its codes, strongest link first. */
  readonly codes: string[];
}

export interface DescribeVehicle {
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly recalls: { total: number; items: Recall[] };
  readonly complaints: { total: number; items: MatchingComplaint[] };
}

export interface DescribeResult {
  readonly language: DescribeLanguage;
  readonly understood: {
    readonly symptoms: RecognisedNode[];
    readonly components: RecognisedNode[];
    readonly corrections: { from: string; to: string }[];
  };
  readonly candidates: DescribeCandidate[];
  readonly vehicle: DescribeVehicle | null;
}

/** Candidates in an answer. */
export const DESCRIBE_CANDIDATE_LIMIT = 10;
/** Recalls and complaints listed for a vehicle. */
const VEHICLE_ITEMS = 5;
/** Words of a text that are searched (the rest still count for phrases). */
const MAX_SEARCH_WORDS = 24;
/** Expansion words (other phrases of recognised nodes) searched besides the driver's own. */
const MAX_EXPANSION_WORDS = 16;

/**
 * How much each kind of evidence weighs: chosen on the evaluation set
 * (eval/, docs/DIAGNOSIS.md). A component is scored by the graph alone, a
 * code by the graph and its own text; the graph counts for less on a code so
 * the part to check ranks beside the many codes it can set.
 */
export const DESCRIBE_WEIGHTS = {
  graph: 0.6,
  text: 0.25,
  expansionTerm: 0.35,
  typoTerm: 0.8,
  compoundTerm: 0.6,
  givenCode: 0.35,
  component: 1,
  /** A code about the cylinder the driver named ("3. henger", "cylinder 3"), or about another one. */
  namedCylinder: 0.15,
  otherCylinder: -0.1,
};

export type DescribeWeights = typeof DESCRIBE_WEIGHTS;

const CYLINDER_WORDS = /^(henger|cylinder|cyl)/u;
const CYLINDER_NUMBER = /^(?:#)?(\d{1,2})(?:\.|-?(?:es|as|os|ös|ik|st|nd|rd|th))?$/u;
const CODE_CYLINDER = /\bcylinder (\d{1,2})\b/iu;

/** Cylinder numbers the text names next to a cylinder word, either side ("3. hengeren", "cylinder #4", "a 4-es hengerre"). */
function namedCylinders(text: string): Set<number> {
  const words = text.toLowerCase().split(/[\s,;:()]+/u).filter((word) => word !== '');
  const cylinders = new Set<number>();
  words.forEach((word, index) => {
    if (!CYLINDER_WORDS.test(word)) return;
    for (const neighbour of [words[index - 1], words[index + 1]]) {
      const number = CYLINDER_NUMBER.exec(neighbour ?? '')?.[1];
      if (number !== undefined && Number(number) >= 1 && Number(number) <= 12) cylinders.add(Number(number));
    }
  });
  return cylinders;
}

function cylinderAdjustment(description: string, cylinders: ReadonlySet<number>, weights: DescribeWeights): number {
  if (cylinders.size === 0) return 0;
  const cylinder = CODE_CYLINDER.exec(description)?.[1];
  if (cylinder === undefined) return 0;
  return cylinders.has(Number(cylinder)) ? weights.namedCylinder : weights.otherCylinder;
}

interface Recognition {
  readonly node: KnowledgeNode;
  readonly matched: Set<string>;
  readonly languages: Set<DescribeLanguage>;
}

/**
 * Symptom-based diagnosis: recognises symptoms, systems and parts in free
 * text (Hungarian or English) through the lexicon, walks the knowledge graph
 * from them to components and codes, searches the codes' own texts with the
 * driver's words, and ranks codes and components by both, each with why.
 * Deterministic for the same data.
 */
export async function describeProblem(
  database: Database,
  input: DescribeInput,
  knowledge: Knowledge = bundledKnowledge(),
  weights: DescribeWeights = DESCRIBE_WEIGHTS,
): Promise<DescribeResult> {
  const search = new DiagnosisSearch(database);
  const sentences = sentencesOf(input.text).map((words) => words.map(wordForms));
  const contentWords = [...new Set(sentences.flat().filter((word) => !isStopword(word.word) && word.folded.length >= 3).map((word) => word.folded))].slice(
    0,
    MAX_SEARCH_WORDS,
  );
  const resolved = await search.resolveWords(contentWords);
  const corrections = [...resolved.entries()].flatMap(([from, matches]) =>
    matches.filter((match) => match.kind !== 'exact').map((match) => ({ from, to: match.word })),
  );

  const recognitions = recognise(knowledge, sentences, resolved);
  const language = input.language ?? preferredLanguage(recognitions);

  // Graph: from everything recognised to components and codes.
  const steps = await search.walk([...recognitions.keys()]);

  // Text: the driver's words (and their corrections), then other phrases of what was recognised.
  // The driver's own spelling of each word, for the explanation.
  const spelling = new Map<string, string>();
  for (const word of sentences.flat()) if (!spelling.has(word.folded)) spelling.set(word.folded, word.word);
  const termGroups: TermGroup[] = contentWords.map((folded) => ({
    word: spelling.get(folded) ?? folded,
    terms: termsOf(folded, resolved.get(folded) ?? [], weights),
    expansion: false,
  }));
  const ownWords = new Set(contentWords);
  const expansionWords = [...recognitions.values()]
    .flatMap(({ node }) => node.phrases.flatMap((phrase) => phrase.words))
    .filter((word) => !isStopword(word.word) && word.folded.length >= 4 && !ownWords.has(word.folded));
  for (const folded of [...new Set(expansionWords.map((word) => word.folded))].slice(0, MAX_EXPANSION_WORDS)) {
    termGroups.push({ word: folded, terms: [{ word: expansionWords.find((word) => word.folded === folded)?.word ?? folded, weight: weights.expansionTerm }], expansion: true });
  }
  const allTerms = termGroups.flatMap((group) => group.terms.map((term) => term.word));
  const [documentMatches, documentCount] = await Promise.all([search.matchDocuments(allTerms), search.documentCount()]);
  const textScores = scoreDocuments(termGroups, documentMatches, documentCount);

  const givenCodes = new Set(input.codes ?? []);
  const cylinders = namedCylinders(input.text);
  const graph = aggregateGraph(steps, recognitions);
  // A make-specific meaning counts only for that make; without a make, only the meanings every make shares.
  const make = input.make === undefined ? '' : normalizeDtcMake(input.make);
  const textCodes = [...textScores.keys()].map(parseDocumentKey).filter((key) => key.make === '' || key.make === make);
  const codeIds = new Set<string>([...graph.codes.keys(), ...textCodes.map((key) => key.code), ...givenCodes]);
  // Score every code from its light columns; load full rows only for those that can still make the answer.
  const shortRows = codeIds.size === 0 ? [] : await database.db.selectFrom('dtc_codes').select(['code', 'make', 'description_en']).where('code', 'in', [...codeIds]).where('make', 'in', [...new Set(['', make])]).execute();
  const preferred = new Map<string, { make: string; description_en: string }>();
  for (const row of shortRows) if (row.make === make || !preferred.has(row.code)) preferred.set(row.code, row);
  const codeScores = [...preferred]
    .map(([code, row]) => {
      const text = textScores.get(documentKey(code, row.make));
      const given = givenCodes.has(code);
      const score = Math.min(
        1,
        weights.graph * (graph.codes.get(code)?.score ?? 0) + weights.text * (text?.score ?? 0) + (given ? weights.givenCode : 0) + cylinderAdjustment(row.description_en, cylinders, weights),
      );
      return { code, score, given, words: text?.words ?? [] };
    })
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score || left.code.localeCompare(right.code));
  const shortlisted = [...codeScores.slice(0, DESCRIBE_CANDIDATE_LIMIT), ...codeScores.slice(DESCRIBE_CANDIDATE_LIMIT).filter((entry) => entry.given)];
  const [details, nodeRows] = await Promise.all([
    new DtcCodesRepository(database.db).findMany(
      shortlisted.map((entry) => entry.code),
      make === '' ? undefined : make,
    ),
    search.nodes([...new Set([...graph.components.keys(), ...steps.flatMap((step) => step.path), ...recognitions.keys()])]),
  ]);

  const componentCodes = await search.codesOfComponents([...graph.components.keys()]);
  // Each code's reached components, strongest first: where its next checks come from when the graph reached the code directly.
  const componentsOfCode = new Map<string, string[]>();
  for (const [component] of [...graph.components].sort(([leftId, left], [rightId, right]) => right.score - left.score || leftId.localeCompare(rightId))) {
    for (const code of componentCodes.get(component) ?? []) componentsOfCode.set(code, [...(componentsOfCode.get(code) ?? []), component]);
  }

  const codeCandidates = shortlisted.flatMap(({ code, score, given, words }) => {
    const detail = details.get(code);
    if (detail === undefined) return [];
    return [codeCandidate(detail, score, language, graph.codes.get(code), words, given, componentsOfCode.get(code) ?? [], nodeRows, recognitions)];
  });

  const componentCandidates = [...graph.components.entries()].flatMap(([id, reached]) => {
    const row = nodeRows.get(id);
    if (row === undefined || row.kind !== 'component') return [];
    return [componentCandidate(row, weights.component * reached.score, language, reached, componentCodes.get(id) ?? [], nodeRows, recognitions)];
  });

  const ranked = [...codeCandidates, ...componentCandidates].sort((left, right) => right.score - left.score || candidateKey(left).localeCompare(candidateKey(right)));
  // The codes the driver read always get an answer, even when the text points elsewhere.
  const ordered = withCodesFirst(ranked);
  const kept = ordered.slice(0, DESCRIBE_CANDIDATE_LIMIT);
  for (const candidate of ordered.slice(DESCRIBE_CANDIDATE_LIMIT).filter((entry) => entry.reasons.given)) {
    const replaceable = kept.findLastIndex((entry) => !entry.reasons.given);
    if (replaceable === -1) break;
    kept.splice(replaceable, 1);
    kept.push(candidate);
  }
  const candidates = kept.map((candidate) => ({ ...candidate, score: Math.round(candidate.score * 1000) / 1000 }));

  const understood = {
    symptoms: recognised(recognitions, 'symptom', language),
    components: [...recognised(recognitions, 'component', language), ...recognised(recognitions, 'system', language)],
    corrections,
  };
  const vehicle =
    input.make !== undefined && input.model !== undefined && input.year !== undefined
      ? await vehicleFindings(database, search, { make: input.make, model: input.model, year: input.year }, candidates, recognitions)
      : null;
  return { language, understood, candidates, vehicle };
}

/** Components the first five candidates hold at most: a part to check is a good answer, but the driver came for codes too. */
export const COMPONENTS_IN_TOP_FIVE = 2;

/** The ranking with components past {@link COMPONENTS_IN_TOP_FIVE} in the first five moved down behind them. */
function withCodesFirst(ranked: readonly DescribeCandidate[]): DescribeCandidate[] {
  const head: DescribeCandidate[] = [];
  const deferred: DescribeCandidate[] = [];
  for (const candidate of ranked) {
    if (head.length >= 5) break;
    const components = head.filter((entry) => entry.kind === 'component').length;
    if (candidate.kind === 'component' && components >= COMPONENTS_IN_TOP_FIVE) deferred.push(candidate);
    else head.push(candidate);
  }
  const placed = new Set([...head, ...deferred]);
  return [...head, ...deferred, ...ranked.filter((candidate) => !placed.has(candidate))];
}

interface TermGroup {
  readonly word: string;
  readonly terms: { word: string; weight: number }[];
  readonly expansion: boolean;
}

function termsOf(folded: string, matches: readonly VocabularyMatch[], weights: DescribeWeights): { word: string; weight: number }[] {
  const weightOf = (kind: VocabularyMatch['kind']): number => (kind === 'exact' ? 1 : kind === 'typo' ? weights.typoTerm : weights.compoundTerm);
  const terms = matches.map((match) => ({ word: match.word, weight: weightOf(match.kind) }));
  return matches.some((match) => match.kind === 'exact') ? terms : [{ word: folded, weight: 1 }, ...terms];
}

/**
 * Each document's text score: for every word group, the best weight of its
 * terms the document matches, times the group's inverse document frequency;
 * over what the driver's own words could reach at most, capped at 1.
 */
function scoreDocuments(groups: readonly TermGroup[], matches: ReadonlyMap<number, ReadonlySet<string>>, documentCount: number): Map<string, { score: number; words: string[] }> {
  const scores = new Map<string, { raw: number; words: string[] }>();
  let termIndex = 0;
  let reachable = 0;
  for (const group of groups) {
    const bestByDocument = new Map<string, number>();
    for (const term of group.terms) {
      for (const key of matches.get(termIndex) ?? []) bestByDocument.set(key, Math.max(bestByDocument.get(key) ?? 0, term.weight));
      termIndex += 1;
    }
    if (bestByDocument.size === 0) continue;
    const idf = Math.log(1 + documentCount / bestByDocument.size);
    if (!group.expansion) reachable += idf;
    for (const [key, weight] of bestByDocument) {
      const entry = scores.get(key) ?? { raw: 0, words: [] };
      entry.raw += weight * idf;
      if (!group.expansion) entry.words.push(group.word);
      scores.set(key, entry);
    }
  }
  const ceiling = Math.max(reachable, 1e-9);
  return new Map([...scores].map(([key, entry]) => [key, { score: Math.min(1, entry.raw / ceiling), words: entry.words }]));
}

/** The lexicon's symptom for a dashboard lit up at once: several unrelated lights point past each of them at what they share (the network, the supply). */
const MANY_LIGHTS_SYMPTOM = 'many_warning_lights';
const MANY_LIGHTS_AT_LEAST = 3;

/** A warning light's symptom id, with the check-engine light's two states as one. */
function warningLightOf(id: string): string | undefined {
  if (id.startsWith('check_engine')) return 'check_engine';
  return /_(light|warning|indicator)$/u.test(id) ? id : undefined;
}

function addManyWarningLights(knowledge: Knowledge, recognitions: Map<string, Recognition>): void {
  const node = knowledge.nodes.get(MANY_LIGHTS_SYMPTOM);
  const lights = [...recognitions.values()].filter((recognition) => recognition.node.kind === 'symptom' && warningLightOf(recognition.node.id) !== undefined);
  if (node === undefined || recognitions.has(node.id) || new Set(lights.map((light) => warningLightOf(light.node.id))).size < MANY_LIGHTS_AT_LEAST) return;
  recognitions.set(node.id, {
    node,
    matched: new Set(lights.flatMap((light) => [...light.matched])),
    languages: new Set(lights.flatMap((light) => [...light.languages])),
  });
}

/** Matches lexicon phrases against the text: every word of a phrase in one sentence, in any order (see {@link sameWord}). */
function recognise(knowledge: Knowledge, sentences: readonly (readonly WordForms[])[], resolved: ReadonlyMap<string, readonly VocabularyMatch[]>): Map<string, Recognition> {
  const recognitions = new Map<string, Recognition>();
  const isKnownWord = (folded: string): boolean => knowledge.words.has(folded);
  const sentenceForms = sentences.map((words) =>
    words.map((word) => ({ word, forms: [word, ...(resolved.get(word.folded) ?? []).filter((match) => match.kind !== 'compound' || match.folded.length >= word.folded.length - 1).map((match) => wordForms(match.word))] })),
  );
  for (const node of knowledge.nodes.values()) {
    for (const phrase of node.phrases) {
      for (const sentence of sentenceForms) {
        const used: string[] = [];
        const all = phrase.words.every((phraseWord) => {
          const found = sentence.find((entry) => !used.includes(entry.word.word) && entry.forms.some((form) => sameWord(form, phraseWord, isKnownWord)));
          if (found !== undefined) used.push(found.word.word);
          return found !== undefined;
        });
        if (!all) continue;
        const recognition = recognitions.get(node.id) ?? { node, matched: new Set<string>(), languages: new Set<DescribeLanguage>() };
        for (const word of used) if (!isStopword(word)) recognition.matched.add(word);
        recognition.languages.add(phrase.language);
        recognitions.set(node.id, recognition);
      }
    }
  }
  addManyWarningLights(knowledge, recognitions);
  return recognitions;
}

function preferredLanguage(recognitions: ReadonlyMap<string, Recognition>): DescribeLanguage {
  let hungarian = 0;
  let english = 0;
  for (const recognition of recognitions.values()) {
    if (recognition.languages.has('hu')) hungarian += 1;
    if (recognition.languages.has('en')) english += 1;
  }
  return english > hungarian ? 'en' : 'hu';
}

interface Reached {
  score: number;
  /** The recognised nodes the best paths start from. */
  origins: Set<string>;
  /** Systems and components the best path from each origin goes through, strongest path first. */
  via: string[];
  bestPath: number;
}

/**
 * Per code and component: the best path score from each recognised node,
 * combined as a noisy OR (two symptoms pointing at one part make it likelier
 * than either alone). A component named in the text counts as reached with 1.
 */
function aggregateGraph(steps: readonly GraphStep[], recognitions: ReadonlyMap<string, Recognition>): { codes: Map<string, Reached>; components: Map<string, Reached> } {
  const best = new Map<string, Map<string, GraphStep>>();
  for (const step of steps) {
    const byOrigin = best.get(step.node) ?? new Map<string, GraphStep>();
    const current = byOrigin.get(step.origin);
    if (current === undefined || step.score > current.score) byOrigin.set(step.origin, step);
    best.set(step.node, byOrigin);
  }
  for (const [id, recognition] of recognitions) {
    if (recognition.node.kind !== 'component') continue;
    const byOrigin = best.get(id) ?? new Map<string, GraphStep>();
    byOrigin.set(id, { node: id, origin: id, path: [], score: 1 });
    best.set(id, byOrigin);
  }
  const codes = new Map<string, Reached>();
  const components = new Map<string, Reached>();
  for (const [node, byOrigin] of best) {
    const paths = [...byOrigin.values()];
    const score = 1 - paths.reduce((remaining, path) => remaining * (1 - path.score), 1);
    const strongest = paths.reduce((left, right) => (right.score > left.score ? right : left));
    const via = [...paths].sort((left, right) => right.score - left.score || left.origin.localeCompare(right.origin)).flatMap((path) => path.path.slice(1));
    const reached: Reached = { score, origins: new Set(paths.map((path) => path.origin)), via: [...new Set(via)], bestPath: strongest.score };
    if (node.startsWith('code:')) codes.set(node.slice('code:'.length), reached);
    else if (recognitions.get(node)?.node.kind === 'component' || !recognitions.has(node)) components.set(node, reached);
  }
  return { codes, components };
}

function labelOf(row: GraphNodeRow | undefined, id: string, language: DescribeLanguage): string {
  if (row === undefined) return id;
  return language === 'hu' ? row.label_hu : row.label_en;
}

function checksOf(row: GraphNodeRow | undefined, language: DescribeLanguage): string[] {
  if (row === undefined) return [];
  return decodeStringArray(language === 'hu' ? row.checks_hu : row.checks_en);
}

function originLabels(reached: Reached | undefined, recognitions: ReadonlyMap<string, Recognition>, nodeRows: ReadonlyMap<string, GraphNodeRow>, language: DescribeLanguage): { id: string; label: string }[] {
  return [...(reached?.origins ?? [])]
    .filter((id) => recognitions.has(id))
    .sort()
    .map((id) => ({ id, label: labelOf(nodeRows.get(id), id, language) }));
}

function codeCandidate(
  detail: DtcCode,
  score: number,
  language: DescribeLanguage,
  reached: Reached | undefined,
  words: string[],
  given: boolean,
  linkedComponents: readonly string[],
  nodeRows: ReadonlyMap<string, GraphNodeRow>,
  recognitions: ReadonlyMap<string, Recognition>,
): DescribeCandidate {
  const via = (reached?.via ?? []).filter((id) => nodeRows.has(id));
  const hungarian = language === 'hu';
  const causes = hungarian && detail.possible_causes_hu.length > 0 ? detail.possible_causes_hu : detail.possible_causes;
  const components = [...new Set([...via.filter((id) => nodeRows.get(id)?.kind === 'component'), ...linkedComponents])];
  return {
    kind: 'code',
    code: detail.code,
    make: detail.make,
    component: null,
    title: hungarian ? (detail.description_hu ?? detail.description_en) : detail.description_en,
    system: detail.system,
    severity: detail.severity,
    score,
    reasons: {
      symptoms: originLabels(reached, recognitions, nodeRows, language),
      words: [...new Set(words)].sort(),
      via: via.map((id) => ({ id, label: labelOf(nodeRows.get(id), id, language) })),
      given,
    },
    causes: causes.slice(0, 4),
    checks: components.flatMap((id) => checksOf(nodeRows.get(id), language)).slice(0, 3),
    codes: [],
  };
}

function componentCandidate(
  row: GraphNodeRow,
  score: number,
  language: DescribeLanguage,
  reached: Reached,
  codes: string[],
  nodeRows: ReadonlyMap<string, GraphNodeRow>,
  recognitions: ReadonlyMap<string, Recognition>,
): DescribeCandidate {
  return {
    kind: 'component',
    code: null,
    make: null,
    component: row.id,
    title: labelOf(row, row.id, language),
    system: null,
    severity: null,
    score,
    reasons: {
      symptoms: originLabels(reached, recognitions, nodeRows, language),
      words: [...(recognitions.get(row.id)?.matched ?? [])].sort(),
      via: reached.via.filter((id) => nodeRows.has(id)).map((id) => ({ id, label: labelOf(nodeRows.get(id), id, language) })),
      given: false,
    },
    causes: [],
    checks: checksOf(row, language).slice(0, 4),
    codes: codes.slice(0, 8),
  };
}

function candidateKey(candidate: DescribeCandidate): string {
  return candidate.kind === 'code' ? `a:${candidate.code ?? ''}:${candidate.make ?? ''}` : `b:${candidate.component ?? ''}`;
}

function recognised(recognitions: ReadonlyMap<string, Recognition>, kind: KnowledgeNodeKind, language: DescribeLanguage): RecognisedNode[] {
  return [...recognitions.values()]
    .filter((recognition) => recognition.node.kind === kind)
    .map((recognition) => ({ id: recognition.node.id, kind, label: recognition.node.label[language], matched: [...recognition.matched].sort() }))
    .sort((left, right) => left.id.localeCompare(right.id));
}

/** Recalls in the systems of the candidate codes, and complaints whose summary matches what was recognised (English phrases). */
async function vehicleFindings(
  database: Database,
  search: DiagnosisSearch,
  vehicle: { make: string; model: string; year: number },
  candidates: readonly DescribeCandidate[],
  recognitions: ReadonlyMap<string, Recognition>,
): Promise<DescribeVehicle> {
  const systems = new Set(candidates.flatMap((candidate) => (candidate.system === null ? [] : [candidate.system])));
  const keywords = componentKeywordsFor(systems);
  const phrases = [...recognitions.values()].flatMap(({ node }) => node.phrases.filter((phrase) => phrase.language === 'en').map((phrase) => phrase.text));
  const [recalls, complaints] = await Promise.all([
    new RecallsRepository(database.db).findForVehicle(vehicle, { limit: VEHICLE_ITEMS, offset: 0 }, keywords),
    search.complaintsMatching(vehicle, phrases, VEHICLE_ITEMS),
  ]);
  return {
    ...vehicle,
    recalls: { total: keywords.length === 0 ? 0 : recalls.relevant, items: keywords.length === 0 ? [] : recalls.items.slice(0, recalls.relevant) },
    complaints,
  };
}

