import type { FieldProblem } from '../api/client';
import type { Translate } from './i18n';
import type { MessageKey } from './messages';

/**
 * A 422's `details` name a field and say what is wrong with it in English
 * (the schema validator's words or the route's own). The UI never shows that
 * English: each rule recognises one kind of problem, optionally only for some
 * fields, and says it in the UI's language; the numbers and characters the
 * server quoted fill the placeholders. Anything unrecognised gets the generic
 * "not accepted", still in the UI's language.
 */
interface ProblemRule {
  readonly message: RegExp;
  readonly key: MessageKey;
  /** The placeholders the message's capture groups fill, in order. */
  readonly values?: readonly string[];
  /** Only for these fields (a 422 names array items `codes.0`). */
  readonly field?: RegExp;
}

const RULES: readonly ProblemRule[] = [
  { field: /^codes(\.\d+)?$/, message: /^must match pattern/, key: 'codeInvalid' },
  { field: /^year$/, message: /^must be (>=|<=) \d+$|^must be integer$/, key: 'errorYear' },
  { message: /^must have required property|^is required$|^must NOT have fewer than 1 (characters|items)$/, key: 'errorRequired' },
  { message: /^must (?:NOT have fewer than|be at least) (\d+) characters$/, key: 'problemTooShort', values: ['min'] },
  { message: /^must (?:NOT have more than|be at most) (\d+) characters$/, key: 'problemTooLong', values: ['max'] },
  { message: /^must NOT have more than (\d+) items$/, key: 'problemTooMany', values: ['max'] },
  { message: /^must match format "email"$/, key: 'problemEmail' },
  { message: /most commonly used passwords/, key: 'problemCommonPassword' },
  { message: /^must not be your email address$/, key: 'problemPasswordIsEmail' },
  { message: /^is already your address$/, key: 'problemSameEmail' },
  { message: /^must be (?:>=|at least) (-?\d+)$/, key: 'problemAtLeast', values: ['min'] },
  { message: /^must be (?:<=|at most) (-?\d+)$/, key: 'problemAtMost', values: ['max'] },
  { message: /^must be (?:integer|number|a finite number)$/, key: 'problemNumber' },
  { message: /^A VIN has exactly (\d+) characters; this one has (\d+)/, key: 'problemVinLength', values: ['length', 'count'] },
  { message: /letters I, O or Q \(found (\S+) at position (\d+)/, key: 'problemVinLetter', values: ['character', 'position'] },
  { message: /only letters and digits \(position (\d+)/, key: 'problemVinCharacter', values: ['position'] },
  { message: /check digit \(position 9\) is (\S+) but the other characters give (\S+?):/, key: 'problemVinCheckDigit', values: ['found', 'expected'] },
  { message: /give all three or none/, key: 'problemVehicleTogether' },
];

/** The UI-language sentence for one refused field. */
export function fieldProblemText(problem: FieldProblem, t: Translate): string {
  for (const rule of RULES) {
    if (rule.field !== undefined && !rule.field.test(problem.field)) continue;
    const match = rule.message.exec(problem.message);
    if (match === null) continue;
    const values = Object.fromEntries((rule.values ?? []).map((name, index) => [name, match[index + 1] ?? '']));
    return t(rule.key, values);
  }
  return t('problemInvalid');
}
