/**
 * Offline VIN decoding (ISO 3779 / US 49 CFR 565): format, check digit,
 * region, a small table of well-known manufacturers and the model year.
 * No network lookups: what cannot be read from the 17 characters is null.
 */

import wellKnownWmis from './well-known-wmis.json' with { type: 'json' };

export const VIN_LENGTH = 17;

/** Values of letters in the check-digit sum (49 CFR 565.15); digits count as themselves. I, O and Q never occur. */
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8,
  J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};

/** Weight of each position in the check-digit sum; position 9 (the check digit itself) weighs 0. */
const POSITION_WEIGHTS: readonly number[] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Why a string is not a VIN: each has its own message so a user can fix the right character. */
export type VinProblem =
  | { readonly kind: 'length'; readonly message: string }
  | { readonly kind: 'forbidden_letter'; readonly message: string; readonly position: number }
  | { readonly kind: 'invalid_character'; readonly message: string; readonly position: number }
  | { readonly kind: 'check_digit'; readonly message: string; readonly expected: string; readonly found: string };

export interface VinCheckDigit {
  /** Position 9 as written. */
  readonly found: string;
  /** What the weighted sum gives. */
  readonly expected: string;
  readonly valid: boolean;
  /**
   * Whether the check digit is mandatory for this VIN: for vehicles made for
   * North America (first character 1–5) and China (L). Elsewhere position 9
   * is often a plain manufacturer character, so a mismatch is only reported.
   */
  readonly required: boolean;
}

export interface DecodedVin {
  readonly vin: string;
  /** World manufacturer identifier: positions 1–3. */
  readonly wmi: string;
  /** Vehicle descriptor section: positions 4–9. */
  readonly vds: string;
  /** Vehicle identifier section: positions 10–17. */
  readonly vis: string;
  readonly region: string;
  readonly manufacturer: string | null;
  readonly country: string | null;
  readonly check_digit: VinCheckDigit;
  /** The model year read from position 10 (see {@link modelYearOf}); null when position 10 is no year code. */
  readonly model_year: number | null;
  /** Both years position 10 can mean (30-year cycle), oldest first. */
  readonly model_year_candidates: readonly number[];
  /** How the 30-year cycle was settled: `position_7` (the US rule) or `latest_plausible` (elsewhere). */
  readonly model_year_basis: 'position_7' | 'latest_plausible' | null;
  /** Position 11. */
  readonly plant_code: string;
  /** Positions 12–17. */
  readonly serial_number: string;
}

export type VinDecodeResult = { readonly ok: true; readonly vin: DecodedVin } | { readonly ok: false; readonly problem: VinProblem };

function characterValue(character: string): number {
  if (character >= '0' && character <= '9') return Number(character);
  return TRANSLITERATION[character] ?? 0;
}

/** The check digit ('0'–'9' or 'X') the other 16 characters call for. */
export function computeVinCheckDigit(vin: string): string {
  let sum = 0;
  for (let index = 0; index < VIN_LENGTH; index += 1) sum += characterValue(vin.charAt(index)) * (POSITION_WEIGHTS[index] ?? 0);
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

/** ISO 3780 regions by the first character. */
export function vinRegionOf(firstCharacter: string): string {
  if (firstCharacter >= 'A' && firstCharacter <= 'H') return 'Africa';
  if (firstCharacter >= 'J' && firstCharacter <= 'R') return 'Asia';
  if (firstCharacter >= 'S' && firstCharacter <= 'Z') return 'Europe';
  if (firstCharacter >= '1' && firstCharacter <= '5') return 'North America';
  if (firstCharacter === '6' || firstCharacter === '7') return 'Oceania';
  if (firstCharacter === '8' || firstCharacter === '9') return 'South America';
  return 'Unassigned';
}

/** Well-known world manufacturer identifiers (data: well-known-wmis.json); anything else decodes with manufacturer null. */
const WELL_KNOWN_WMIS: Readonly<Record<string, { manufacturer: string; country: string } | undefined>> = wellKnownWmis;

/** Position-10 year codes in order from 1980 (A) to 2009 (9); the cycle repeats every 30 years. I, O, Q, U, Z and 0 are not used. */
const MODEL_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
const FIRST_CYCLE_START = 1980;
const CYCLE_YEARS = 30;

/**
 * Model year from position 10. The code repeats every 30 years (A = 1980 or
 * 2010). For vehicles made for North America (first character 1–5), 49 CFR
 * 565.15 settles it for passenger cars, MPVs and light trucks: position 7 is
 * a letter for model years 2010–2039 and a digit for 1980–2009. Elsewhere
 * position 7 follows no such rule (European VINs often carry a digit there),
 * so the later year is taken unless it lies beyond next year. Both candidates
 * are always returned, since heavy trucks, buses and some imports follow
 * neither rule.
 */
function modelYearOf(vin: string, currentYear: number): Pick<DecodedVin, 'model_year' | 'model_year_candidates' | 'model_year_basis'> {
  const index = MODEL_YEAR_CODES.indexOf(vin.charAt(9));
  if (index < 0) return { model_year: null, model_year_candidates: [], model_year_basis: null };
  const earlier = FIRST_CYCLE_START + index;
  const later = earlier + CYCLE_YEARS;
  const candidates = [earlier, later];
  const first = vin.charAt(0);
  if (first >= '1' && first <= '5') {
    const positionSeven = vin.charAt(6);
    return { model_year: positionSeven >= '0' && positionSeven <= '9' ? earlier : later, model_year_candidates: candidates, model_year_basis: 'position_7' };
  }
  return { model_year: later <= currentYear + 1 ? later : earlier, model_year_candidates: candidates, model_year_basis: 'latest_plausible' };
}

const FORBIDDEN_LETTERS = new Set(['I', 'O', 'Q']);
const VIN_CHARACTER = /^[A-Z0-9]$/;

/**
 * Checks the format (length, alphabet) and the check digit where it is
 * mandatory, then decodes. `currentYear` bounds the model-year guess outside
 * North America (injected so tests do not depend on the calendar).
 */
export function decodeVin(input: string, currentYear: number = new Date().getUTCFullYear()): VinDecodeResult {
  const vin = input.trim().toUpperCase();
  if (vin.length !== VIN_LENGTH) {
    return { ok: false, problem: { kind: 'length', message: `A VIN has exactly ${VIN_LENGTH} characters; this one has ${vin.length}` } };
  }
  for (let index = 0; index < VIN_LENGTH; index += 1) {
    const character = vin.charAt(index);
    const position = index + 1;
    if (FORBIDDEN_LETTERS.has(character)) {
      return {
        ok: false,
        problem: { kind: 'forbidden_letter', position, message: `A VIN never contains the letters I, O or Q (found ${character} at position ${position}; did you mean 1 or 0?)` },
      };
    }
    if (!VIN_CHARACTER.test(character)) {
      return { ok: false, problem: { kind: 'invalid_character', position, message: `A VIN has only letters and digits (position ${position} is not one)` } };
    }
  }
  const first = vin.charAt(0);
  const found = vin.charAt(8);
  const expected = computeVinCheckDigit(vin);
  const required = (first >= '1' && first <= '5') || first === 'L';
  const checkDigit: VinCheckDigit = { found, expected, valid: found === expected, required };
  if (required && !checkDigit.valid) {
    return {
      ok: false,
      problem: { kind: 'check_digit', expected, found, message: `The check digit (position 9) is ${found} but the other characters give ${expected}: the VIN is mistyped` },
    };
  }
  const wmi = vin.slice(0, 3);
  const known = WELL_KNOWN_WMIS[wmi];
  return {
    ok: true,
    vin: {
      vin,
      wmi,
      vds: vin.slice(3, 9),
      vis: vin.slice(9),
      region: vinRegionOf(first),
      manufacturer: known?.manufacturer ?? null,
      country: known?.country ?? null,
      check_digit: checkDigit,
      ...modelYearOf(vin, currentYear),
      plant_code: vin.charAt(10),
      serial_number: vin.slice(11),
    },
  };
}
