import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { stemmer as hungarianStemmer } from '@orama/stemmers/hungarian';

/**
 * Words, stems and their comparison for symptom text. The stemmers are the
 * Snowball algorithms PostgreSQL's `hungarian` and `english` configurations
 * use, so a stem computed here is the lexeme PostgreSQL indexes.
 */

export type DescribeLanguage = 'hu' | 'en';

export const DESCRIBE_LANGUAGES: readonly DescribeLanguage[] = ['hu', 'en'];

/** Lower case without diacritics: what "accent-insensitive" compares. */
export function foldWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

const WORD = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu;

/** The words of a text in order, lower-cased (accents kept); hyphenated words stay whole ("motorhiba-lámpa"). */
export function wordsOf(text: string): string[] {
  return [...text.normalize('NFC').toLowerCase().matchAll(WORD)].map((match) => match[0]);
}

/** The text's sentences (split at . ! ? ; and line breaks), each as its words. */
export function sentencesOf(text: string): string[][] {
  return text
    .split(/[.!?;\n]+/u)
    .map(wordsOf)
    .filter((words) => words.length > 0);
}

const STEMMERS: Readonly<Record<DescribeLanguage, (word: string) => string>> = { hu: hungarianStemmer, en: englishStemmer };

const MAX_STEM_ROUNDS = 4;

/** The Snowball stem, applied again until it stops changing, so inflections of one word meet ("rángatással" → "rángatás"). */
export function stemWord(word: string, language: DescribeLanguage): string {
  let stem = word.toLowerCase();
  for (let round = 0; round < MAX_STEM_ROUNDS; round += 1) {
    const next = STEMMERS[language](stem);
    if (next === stem || next.length < 2) break;
    stem = next;
  }
  return stem;
}

/**
 * Words too common to mean anything on their own in a description; never
 * search terms. Folded. They include every word PostgreSQL's `hungarian` and
 * `english` configurations drop, so neither engine searches a word the other
 * ignores.
 */
const STOPWORDS: Readonly<Record<DescribeLanguage, ReadonlySet<string>>> = {
  hu: new Set(
    'a ahol aki akkor alatt altal altalaban ami amikor annak at auto autom autonak autoval az azt aztan be belul benne csak de e egesz egy egyes egyetlen egyik el eleg elo eloszor elott elso es ez ezt fel fele ha hogy ilyen ilyenkor is jo kell ki kicsit kis kivul kocsi kocsim kocsinak kocsival kozben kozott le lehet lenne lesz lett magat majd mar mas meg mellett mert mikor minden mindenki mindig mint mintha mit most nagy nagyon nala nalam neha nekem nekunk nelkul nem nincs olyan ossze pedig ra rajta ram s sem semmi sok sokkal sokszor szerint szerintem szinte talan teljes tobb tovabb tud tudom ugy uj ujra utan utana vagy valaki valami van vele vissza volna volt'.split(
      ' ',
    ),
  ),
  en: new Set(
    'a above after all an and any are as at be been before below between both but by can car did do does down during few for from had has have here i in into is it its just me most my no not now of off on once only or other our out over s so some t than that the them then there these this those to too under up vehicle very was we were when while will with you your'.split(
      ' ',
    ),
  ),
};

/** Whether a word (folded) is a stopword in either language. */
export function isStopword(word: string): boolean {
  const folded = foldWord(word);
  return STOPWORDS.hu.has(folded) || STOPWORDS.en.has(folded);
}

/** Shortest folded word that may match a longer one by prefix. */
const MIN_PREFIX_LENGTH = 4;
/** How many letters a word may extend a shared prefix by and still be the same word inflected or derived. */
const MAX_SUFFIX_LENGTH = 5;
/** A four-letter word extends by less: "szol" is not "szolenoid". */
const MAX_SUFFIX_AFTER_SHORT_PREFIX = 2;
/** Stems shorter than this collide too often ("körül" and "korom" both stem to "kor"); shorter words meet by fold or prefix only. English stems are cleaner ("loses"/"losing" → "lose"). */
const MIN_SHARED_STEM = { hu: 5, en: 4 } as const;

/**
 * Whether a user's word is a form of a lexicon word: the same fold; the same
 * stem (one Snowball pass, folded, five letters or more, four in English); or one a
 * prefix of the other within a suffix's length ("indul"/"indulni",
 * "rángat"/"rángatással"), unless what the longer adds is itself a word
 * (`isWord`): "motorlámpa" is a compound, not an inflection of "motor".
 * Hungarian Snowball leaves many derivations apart, which the prefix rule joins.
 */
export function sameWord(user: WordForms, lexicon: WordForms, isWord: (folded: string) => boolean = () => false): boolean {
  if (user.folded === lexicon.folded) return true;
  if ((user.stemHu === lexicon.stemHu && user.stemHu.length >= MIN_SHARED_STEM.hu) || (user.stemEn === lexicon.stemEn && user.stemEn.length >= MIN_SHARED_STEM.en)) return true;
  const [shorter, longer] = user.folded.length <= lexicon.folded.length ? [user.folded, lexicon.folded] : [lexicon.folded, user.folded];
  if (shorter.length < MIN_PREFIX_LENGTH || !longer.startsWith(shorter)) return false;
  const added = longer.length - shorter.length;
  if (added > (shorter.length === MIN_PREFIX_LENGTH ? MAX_SUFFIX_AFTER_SHORT_PREFIX : MAX_SUFFIX_LENGTH)) return false;
  return !isWord(longer.slice(shorter.length));
}

/** A word with the forms matching compares, computed once. */
export interface WordForms {
  readonly word: string;
  readonly folded: string;
  /** Folded stems of one Snowball pass: repeated passes join words that only look alike ("szolenoid" → "szol"). */
  readonly stemHu: string;
  readonly stemEn: string;
}

export function wordForms(word: string): WordForms {
  const lower = word.toLowerCase();
  return { word: lower, folded: foldWord(lower), stemHu: foldWord(STEMMERS.hu(lower)), stemEn: foldWord(STEMMERS.en(lower)) };
}

/**
 * Trigram similarity as pg_trgm computes it: each word padded with two spaces
 * before and one after, the shared trigrams over all distinct ones. The same
 * formula on both engines keeps typo correction identical.
 */
export function trigramSimilarity(left: string, right: string): number {
  const a = trigramsOf(left);
  const b = trigramsOf(right);
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const trigram of a) if (b.has(trigram)) shared += 1;
  return shared / (a.size + b.size - shared);
}

export function trigramsOf(text: string): Set<string> {
  const trigrams = new Set<string>();
  for (const word of foldWord(text).split(/[^\p{L}\p{N}]+/u)) {
    if (word === '') continue;
    const padded = `  ${word} `;
    for (let index = 0; index + 3 <= padded.length; index += 1) trigrams.add(padded.slice(index, index + 3));
  }
  return trigrams;
}
