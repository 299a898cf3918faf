import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

/** OWASP's argon2id parameters: 19 MiB, 2 iterations, 1 lane. */
export const PASSWORD_HASH_PARAMETERS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** The ~49 000 most common passwords (zxcvbn-ts), lower-cased. */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set((dictionary['passwords-common'] as readonly string[]).map((password) => password.toLowerCase()));

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'same_as_email';

const PROBLEM_MESSAGES: Readonly<Record<PasswordProblem, string>> = {
  too_short: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  too_common: 'is one of the most commonly used passwords; choose another',
  same_as_email: 'must not be your email address',
};

/**
 * NIST 800-63B style policy: length 12–128 (counted in code points), not a
 * common password, not the email; no composition rules.
 */
export function passwordProblem(password: string, email?: string): PasswordProblem | undefined {
  // Code points, as NIST 800-63B counts them; a 'ő' is one character however it is encoded.
  const length = Array.from(normalizePassword(password)).length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  const lowered = normalizePassword(password).toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) return 'too_common';
  if (email !== undefined && lowered === email.toLowerCase()) return 'same_as_email';
  return undefined;
}

export function passwordProblemMessage(problem: PasswordProblem): string {
  return PROBLEM_MESSAGES[problem];
}

/** NFKC, as NIST 800-63B advises, so the same password typed on another keyboard or OS still matches. */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), PASSWORD_HASH_PARAMETERS);
}

/** False for a wrong password and for a malformed hash; never throws on bad input. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalizePassword(password));
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with other parameters and should be replaced after a successful login. */
export function passwordHashNeedsUpgrade(passwordHash: string): boolean {
  const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_PARAMETERS;
  return !passwordHash.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a throwaway hash so that an unknown email costs the same
 * time as a wrong password (no user enumeration by timing).
 */
export async function spendPasswordVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('timing-equaliser-not-a-real-password');
  await verifyPassword(await dummyHash, password);
}
