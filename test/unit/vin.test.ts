import { describe, expect, it } from 'vitest';
import { decodeVin } from '../../src/diagnostics/index.js';
import { checkDigitOf, withCheckDigit, withWrongCheckDigit } from '../helpers/vin.js';

const CURRENT_YEAR = 2025;

describe('VIN decoding', () => {
  it('accepts the textbook example 1M8GDM9AXKP042788 (check digit X, model year 1989)', () => {
    expect(checkDigitOf('1M8GDM9AXKP042788')).toBe('X');
    const result = decodeVin('1M8GDM9AXKP042788');
    expect(result.ok && result.vin).toMatchObject({
      check_digit: { found: 'X', expected: 'X', valid: true, required: true },
      model_year: 1989,
      model_year_candidates: [1989, 2019],
      model_year_basis: 'position_7',
    });
  });

  it.each([
    ['1HGCM82603A004352', 'North America', 'Honda', 'United States', 2003],
    ['5YJ3E1EA0KF123456', 'North America', 'Tesla', 'United States', 2019],
    ['JTDKB20U093123456', 'Asia', 'Toyota', 'Japan', 2009],
    ['TRUZZZ8J0H1012345', 'Europe', 'Audi', 'Hungary', 2017],
    ['VF1RFB00X55123456', 'Europe', 'Renault', 'France', 2005],
    ['KNAGH4A30A5123456', 'Asia', 'Kia', 'South Korea', 2010],
    ['9BWZZZ377VT004251', 'South America', null, null, 1997],
  ])('decodes %s: %s, %s', (template, region, manufacturer, country, modelYear) => {
    const vin = withCheckDigit(template);
    const result = decodeVin(vin.toLowerCase(), CURRENT_YEAR);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.vin).toMatchObject({
      vin,
      wmi: vin.slice(0, 3),
      vds: vin.slice(3, 9),
      vis: vin.slice(9),
      region,
      manufacturer,
      country,
      model_year: modelYear,
      plant_code: vin.charAt(10),
      serial_number: vin.slice(11),
      check_digit: { valid: true, found: checkDigitOf(vin), expected: checkDigitOf(vin) },
    });
  });

  it('refuses a North American VIN whose check digit does not match, naming both digits', () => {
    const vin = withWrongCheckDigit('1HGCM82603A004352');
    const result = decodeVin(vin);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ kind: 'check_digit', found: vin.charAt(8), expected: checkDigitOf(vin) });
    expect(result.problem.message).toContain(`is ${vin.charAt(8)} but the other characters give ${checkDigitOf(vin)}`);
  });

  it('only reports a mismatch where the check digit is not mandatory (Europe)', () => {
    const vin = withWrongCheckDigit('WVWZZZ1KZAW000001');
    const result = decodeVin(vin);
    expect(result.ok && result.vin.check_digit).toEqual({ found: vin.charAt(8), expected: checkDigitOf(vin), valid: false, required: false });
  });

  it.each([
    ['I', 4],
    ['O', 12],
    ['Q', 17],
  ])('refuses the letter %s (at position %i)', (letter, position) => {
    const vin = `${'1HGCM82603A004352'.slice(0, position - 1)}${letter}${'1HGCM82603A004352'.slice(position)}`;
    const result = decodeVin(vin);
    expect(result.ok ? undefined : result.problem).toMatchObject({ kind: 'forbidden_letter', position, character: letter });
    expect(result.ok ? '' : result.problem.message).toContain(`found ${letter} at position ${position}`);
  });

  it.each(['1HGCM82603A00435', '1HGCM82603A0043521', ''])('refuses %j: not 17 characters', (vin) => {
    const result = decodeVin(vin);
    expect(result.ok ? undefined : result.problem).toEqual({ kind: 'length', count: vin.length, message: `A VIN has exactly 17 characters; this one has ${vin.length}` });
  });

  it('refuses characters other than letters and digits', () => {
    const result = decodeVin('1HGCM8-603A004352');
    expect(result.ok ? undefined : result.problem).toMatchObject({ kind: 'invalid_character', position: 7 });
  });

  it('settles the 30-year cycle by position 7 in North America only', () => {
    const letterAtSeven = decodeVin(withCheckDigit('1HGCM8A60AA004352'), CURRENT_YEAR);
    const digitAtSeven = decodeVin(withCheckDigit('1HGCM8160AA004352'), CURRENT_YEAR);
    expect(letterAtSeven.ok && letterAtSeven.vin).toMatchObject({ model_year: 2010, model_year_basis: 'position_7' });
    expect(digitAtSeven.ok && digitAtSeven.vin).toMatchObject({ model_year: 1980, model_year_basis: 'position_7' });
    // Outside North America: the later year unless it is after next year.
    const recent = decodeVin(withCheckDigit('WVWZZZ1KZ0W000001').replace(/^(.{9})./, '$1S'), CURRENT_YEAR);
    expect(recent.ok && recent.vin).toMatchObject({ model_year: 2025, model_year_candidates: [1995, 2025], model_year_basis: 'latest_plausible' });
    const older = decodeVin(withCheckDigit('WVWZZZ1KZ0W000001').replace(/^(.{9})./, '$1V'), CURRENT_YEAR);
    expect(older.ok && older.vin).toMatchObject({ model_year: 1997, model_year_candidates: [1997, 2027] });
  });

  it('leaves the model year open when position 10 is not a year code', () => {
    const vin = withCheckDigit('WVWZZZ1KZ0W000001');
    const result = decodeVin(vin);
    expect(result.ok && result.vin).toMatchObject({ model_year: null, model_year_candidates: [], model_year_basis: null });
  });
});
