import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGenericDtcCode, normalizeDtcCode } from '../../src/diagnostics/dtc-code.js';
import { projectRoot } from '../helpers/process.js';

interface SeedCode {
  readonly code: string;
  readonly make?: string;
  readonly description_en?: string;
  readonly description_hu?: string;
  readonly severity?: string;
  readonly symptoms?: readonly string[];
  readonly possible_causes?: readonly string[];
  readonly symptoms_hu?: readonly string[];
  readonly possible_causes_hu?: readonly string[];
  readonly related_codes?: readonly string[];
}

const readSeed = (file: string): SeedCode[] => JSON.parse(readFileSync(path.join(projectRoot, 'seed', file), 'utf8')) as SeedCode[];
const seedFiles = { 'dtc-generic.json': readSeed('dtc-generic.json'), 'dtc-manufacturer.json': readSeed('dtc-manufacturer.json') };
const label = (code: SeedCode): string => (code.make === undefined ? code.code : `${code.code} (${code.make})`);

/** Issue 17: every text the Hungarian UI shows from the bundled codes is Hungarian. */
describe.each(Object.entries(seedFiles))('the bundled codes of %s in Hungarian', (_file, seed) => {
  it('every code has a Hungarian description and a Hungarian line for each English symptom and cause', () => {
    expect(seed.length).toBeGreaterThan(0);
    const incomplete = seed.filter(
      (code) =>
        (code.description_hu ?? '') === '' ||
        (code.symptoms_hu ?? []).length !== (code.symptoms ?? []).length ||
        (code.possible_causes_hu ?? []).length !== (code.possible_causes ?? []).length,
    );
    expect(incomplete.map(label)).toEqual([]);
  });

  it('no Hungarian line is empty or left in English', () => {
    const suspicious = seed.flatMap((code) => {
      const pairs = [
        [code.description_en ?? '', code.description_hu ?? ''] as const,
        ...(code.symptoms ?? []).map((english, index) => [english, code.symptoms_hu?.[index] ?? ''] as const),
        ...(code.possible_causes ?? []).map((english, index) => [english, code.possible_causes_hu?.[index] ?? ''] as const),
      ];
      return pairs.filter(([english, hungarian]) => hungarian.trim() === '' || hungarian === english).map(([english]) => `${label(code)}: ${english}`);
    });
    expect(suspicious).toEqual([]);
  });
});

/** Issue 17: manufacturer-specific codes, whose meaning depends on the make. */
describe('the bundled manufacturer-specific codes', () => {
  const manufacturer = seedFiles['dtc-manufacturer.json'];

  it('are full records of manufacturer-defined codes, each with an upper-case make, no (code, make) twice', () => {
    const wrong = manufacturer.filter(
      (code) =>
        normalizeDtcCode(code.code) !== code.code ||
        isGenericDtcCode(code.code) ||
        code.make === undefined ||
        !/^[A-Z0-9 -]{1,32}$/.test(code.make) ||
        code.severity === undefined ||
        (code.symptoms ?? []).length === 0 ||
        (code.possible_causes ?? []).length === 0 ||
        (code.related_codes ?? []).some((related) => normalizeDtcCode(related) !== related),
    );
    expect(wrong.map(label)).toEqual([]);
    const keys = manufacturer.map(label);
    expect(new Set(keys).size).toBe(keys.length);
    expect(manufacturer.length).toBeGreaterThanOrEqual(40);
  });

  it('hold at least three codes that mean different things on different makes', () => {
    const meaningsByCode = new Map<string, Set<string>>();
    for (const code of manufacturer) meaningsByCode.set(code.code, (meaningsByCode.get(code.code) ?? new Set()).add(code.description_en ?? ''));
    const differing = [...meaningsByCode.entries()].filter(([, meanings]) => meanings.size > 1).map(([code]) => code);
    expect(differing.length).toBeGreaterThanOrEqual(3);
  });

  it('never shadow a generic code: the generic file holds no manufacturer code of the same number with a make', () => {
    const generic = new Set(seedFiles['dtc-generic.json'].map((code) => code.code));
    expect(seedFiles['dtc-generic.json'].filter((code) => code.make !== undefined).map(label)).toEqual([]);
    expect(manufacturer.filter((code) => generic.has(code.code)).map(label)).toEqual([]);
  });
});
