/**
 * The VIN check digit computed from 49 CFR 565.15 directly, independent of
 * src/, so tests check the decoder against the rule itself. Letters
 * transliterate A–H → 1–8, J–N → 1–5, P → 7, R → 9, S–Z → 2–9.
 */
export function checkDigitOf(vin: string): string {
  const letterValues = new Map<string, number>();
  Array.from('ABCDEFGH').forEach((letter, index) => letterValues.set(letter, index + 1));
  Array.from('JKLMN').forEach((letter, index) => letterValues.set(letter, index + 1));
  letterValues.set('P', 7);
  letterValues.set('R', 9);
  Array.from('STUVWXYZ').forEach((letter, index) => letterValues.set(letter, index + 2));
  const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  let sum = 0;
  for (let index = 0; index < vin.length; index += 1) {
    const character = vin.charAt(index);
    const value = /\d/.test(character) ? Number(character) : (letterValues.get(character) ?? Number.NaN);
    sum += value * (weights[index] ?? 0);
  }
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

/** Puts the right check digit in position 9 of a 17-character template. */
export function withCheckDigit(template: string): string {
  return `${template.slice(0, 8)}${checkDigitOf(template)}${template.slice(9)}`;
}

/** The same with a wrong check digit. */
export function withWrongCheckDigit(template: string): string {
  const right = checkDigitOf(template);
  return `${template.slice(0, 8)}${right === '0' ? '1' : '0'}${template.slice(9)}`;
}
