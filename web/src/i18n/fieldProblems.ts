import type { FieldProblem, FieldProblemKind } from '../api/types';
import type { Translate } from './i18n';
import type { MessageKey } from './messages';

/**
 * A 422's `details` name a field, the kind of problem and the numbers it
 * quotes (`params`); the UI says it in its own language from those, never
 * from the server's English `message`. Typed by the server's list of kinds,
 * so a new kind fails to compile until it has its words here.
 */
type Wording = (params: Readonly<Record<string, string>>) => readonly [MessageKey, Record<string, string>?];

const invalid: Wording = () => ['problemInvalid'];

const WORDING: Readonly<Record<FieldProblemKind, Wording>> = {
  required: () => ['errorRequired'],
  unknown_field: invalid,
  too_short: ({ limit = '' }) => (Number(limit) <= 1 ? ['errorRequired'] : ['problemTooShort', { min: limit }]),
  too_long: ({ limit = '' }) => ['problemTooLong', { max: limit }],
  too_few: ({ limit = '' }) => (Number(limit) <= 1 ? ['errorRequired'] : ['problemAtLeast', { min: limit }]),
  too_many: ({ limit = '' }) => ['problemTooMany', { max: limit }],
  too_small: ({ limit = '' }) => ['problemAtLeast', { min: limit }],
  too_large: ({ limit = '' }) => ['problemAtMost', { max: limit }],
  not_a_number: () => ['problemNumber'],
  wrong_type: invalid,
  email_format: () => ['problemEmail'],
  format: invalid,
  pattern: invalid,
  not_allowed: invalid,
  common_password: () => ['problemCommonPassword'],
  password_is_email: () => ['problemPasswordIsEmail'],
  same_email: () => ['problemSameEmail'],
  vin_length: ({ count = '' }) => ['problemVinLength', { length: '17', count }],
  vin_forbidden_letter: ({ character = '', position = '' }) => ['problemVinLetter', { character, position }],
  vin_invalid_character: ({ position = '' }) => ['problemVinCharacter', { position }],
  vin_check_digit: ({ found = '', expected = '' }) => ['problemVinCheckDigit', { found, expected }],
  vehicle_incomplete: () => ['problemVehicleTogether'],
  dtc_code: () => ['codeInvalid'],
  invalid,
};

/** Fields whose every problem has one sentence that says what is expected there. */
const BY_FIELD: readonly { readonly field: RegExp; readonly kinds: readonly FieldProblemKind[]; readonly key: MessageKey }[] = [
  { field: /^codes(\.\d+)?$/, kinds: ['pattern', 'dtc_code'], key: 'codeInvalid' },
  { field: /^year$/, kinds: ['too_small', 'too_large', 'not_a_number'], key: 'errorYear' },
];

/** The UI-language sentence for one refused field. */
export function fieldProblemText(problem: FieldProblem, t: Translate): string {
  const special = BY_FIELD.find((rule) => rule.field.test(problem.field) && rule.kinds.includes(problem.problem));
  if (special !== undefined) return t(special.key);
  // A server older or newer than this app may send a kind it does not know: still words, in its language.
  const wording = (WORDING as Partial<Record<string, Wording>>)[problem.problem] ?? invalid;
  const params = Object.fromEntries(Object.entries(problem.params ?? {}).map(([name, value]) => [name, String(value)]));
  const [key, values] = wording(params);
  return t(key, values);
}
