import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

interface SeedCode {
  readonly code: string;
  readonly description_hu?: string;
  readonly symptoms?: readonly string[];
  readonly possible_causes?: readonly string[];
  readonly symptoms_hu?: readonly string[];
  readonly possible_causes_hu?: readonly string[];
}

const seed = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-generic.json'), 'utf8')) as SeedCode[];

/** Issue 17: every text the Hungarian UI shows from the bundled codes is Hungarian. */
describe('the bundled codes in Hungarian', () => {
  it('every code has a Hungarian description and a Hungarian line for each English symptom and cause', () => {
    const incomplete = seed.filter(
      (code) =>
        (code.description_hu ?? '') === '' ||
        (code.symptoms_hu ?? []).length !== (code.symptoms ?? []).length ||
        (code.possible_causes_hu ?? []).length !== (code.possible_causes ?? []).length,
    );
    expect(incomplete.map((code) => code.code)).toEqual([]);
  });

  it('no Hungarian line is empty or left in English', () => {
    const suspicious = seed.flatMap((code) => {
      const pairs = [
        ...(code.symptoms ?? []).map((english, index) => [english, code.symptoms_hu?.[index] ?? ''] as const),
        ...(code.possible_causes ?? []).map((english, index) => [english, code.possible_causes_hu?.[index] ?? ''] as const),
      ];
      return pairs.filter(([english, hungarian]) => hungarian.trim() === '' || hungarian === english).map(([english]) => `${code.code}: ${english}`);
    });
    expect(suspicious).toEqual([]);
  });
});
