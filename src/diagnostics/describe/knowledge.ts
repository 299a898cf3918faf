import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DESCRIBE_LANGUAGES, wordForms, wordsOf, type DescribeLanguage, type WordForms } from './text.js';

/** The curated symptom lexicon and graph shipped with the project. */
export const BUNDLED_KNOWLEDGE_PATH = fileURLToPath(new URL('../../../seed/diagnosis-knowledge.json', import.meta.url));

export type KnowledgeNodeKind = 'symptom' | 'system' | 'component';

type Bilingual<T> = Readonly<Record<DescribeLanguage, T>>;

/** One phrase of the lexicon, with its words' forms computed once. */
export interface LexiconPhrase {
  readonly text: string;
  readonly language: DescribeLanguage;
  readonly words: readonly WordForms[];
}

export interface KnowledgeNode {
  readonly id: string;
  readonly kind: KnowledgeNodeKind;
  readonly label: Bilingual<string>;
  readonly checks: Bilingual<readonly string[]>;
  readonly phrases: readonly LexiconPhrase[];
}

/** A node's link to codes (a component's codes; a symptom's own code, such as misfire's P0300): a single code or an inclusive range ("P0300-P0308"). */
export interface CodeLink {
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

export interface KnowledgeEdge {
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

export interface Knowledge {
  readonly nodes: ReadonlyMap<string, KnowledgeNode>;
  /** Every folded word of three letters or more the phrases use: what a compound's parts are checked against. */
  readonly words: ReadonlySet<string>;
  readonly edges: readonly KnowledgeEdge[];
  readonly codeLinks: ReadonlyMap<string, readonly CodeLink[]>;
}

export class KnowledgeFileError extends Error {}

function record(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KnowledgeFileError(`${where} must be an object`);
  return value as Readonly<Record<string, unknown>>;
}

function list(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new KnowledgeFileError(`${where} must be a list`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new KnowledgeFileError(`${where} must be non-empty text`);
  return value.trim();
}

function weight(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw new KnowledgeFileError(`${where} must be a number in (0, 1]`);
  return value;
}

function bilingualTexts(value: unknown, where: string): Bilingual<readonly string[]> {
  const fields = value === undefined ? { hu: [], en: [] } : record(value, where);
  return {
    hu: list(fields.hu ?? [], `${where}.hu`).map((item, index) => text(item, `${where}.hu[${index}]`)),
    en: list(fields.en ?? [], `${where}.en`).map((item, index) => text(item, `${where}.en[${index}]`)),
  };
}

const NODE_ID = /^[a-z][a-z0-9_]*$/;
const CODE_RANGE = /^([PBCU][0-9A-F]{4})(?:-([PBCU][0-9A-F]{4}))?$/;

function parseNode(value: unknown, kind: KnowledgeNodeKind, where: string): KnowledgeNode {
  const fields = record(value, where);
  const id = text(fields.id, `${where}.id`);
  if (!NODE_ID.test(id)) throw new KnowledgeFileError(`${where}.id must match ${NODE_ID.source}`);
  const label = record(fields.label, `${where}.label`);
  const phrases = bilingualTexts(fields.phrases, `${where}.phrases`);
  return {
    id,
    kind,
    label: { hu: text(label.hu, `${where}.label.hu`), en: text(label.en, `${where}.label.en`) },
    checks: bilingualTexts(fields.checks, `${where}.checks`),
    phrases: DESCRIBE_LANGUAGES.flatMap((language) =>
      phrases[language].map((phrase) => ({ text: phrase, language, words: wordsOf(phrase).map(wordForms) })).filter((phrase) => phrase.words.length > 0),
    ),
  };
}

/**
 * Reads and checks the knowledge file: unique ids, edges between known nodes,
 * weights in (0, 1], code links as codes or ranges. Throws
 * {@link KnowledgeFileError} naming the first problem.
 */
export function parseKnowledge(json: unknown): Knowledge {
  const root = record(json, 'knowledge');
  const nodes = new Map<string, KnowledgeNode>();
  const codeLinks = new Map<string, CodeLink[]>();
  const groups: readonly [string, KnowledgeNodeKind][] = [
    ['symptoms', 'symptom'],
    ['systems', 'system'],
    ['components', 'component'],
  ];
  for (const [field, kind] of groups) {
    list(root[field], field).forEach((value, index) => {
      const where = `${field}[${index}]`;
      const node = parseNode(value, kind, where);
      if (nodes.has(node.id)) throw new KnowledgeFileError(`${where}.id ${node.id} is used twice`);
      nodes.set(node.id, node);
      const links = list(record(value, where).codes ?? [], `${where}.codes`).map((link, linkIndex) => {
        const linkFields = record(link, `${where}.codes[${linkIndex}]`);
        const range = CODE_RANGE.exec(text(linkFields.codes, `${where}.codes[${linkIndex}].codes`));
        if (range === null) throw new KnowledgeFileError(`${where}.codes[${linkIndex}].codes must be a code or a range like P0300-P0308`);
        const from = range[1] ?? '';
        return { from, to: range[2] ?? from, weight: weight(linkFields.weight, `${where}.codes[${linkIndex}].weight`) };
      });
      codeLinks.set(node.id, links);
    });
  }
  const edges = list(root.edges, 'edges').map((value, index) => {
    const fields = record(value, `edges[${index}]`);
    const from = text(fields.from, `edges[${index}].from`);
    const to = text(fields.to, `edges[${index}].to`);
    for (const end of [from, to]) if (!nodes.has(end)) throw new KnowledgeFileError(`edges[${index}] names ${end}, which is no symptom, system or component`);
    return { from, to, weight: weight(fields.weight, `edges[${index}].weight`) };
  });
  const words = new Set<string>();
  for (const node of nodes.values()) for (const phrase of node.phrases) for (const word of phrase.words) if (word.folded.length >= 3) words.add(word.folded);
  return { nodes, words, edges, codeLinks };
}

let bundled: Knowledge | undefined;

/** The bundled knowledge, read and compiled once per process. */
export function bundledKnowledge(): Knowledge {
  bundled ??= parseKnowledge(JSON.parse(readFileSync(BUNDLED_KNOWLEDGE_PATH, 'utf8')));
  return bundled;
}

/** The codes among `known` a link covers (same length strings compare in code order). */
export function codesOfLink(link: CodeLink, known: readonly string[]): string[] {
  return known.filter((code) => code >= link.from && code <= link.to && code[0] === link.from[0]);
}
