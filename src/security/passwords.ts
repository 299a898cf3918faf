import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { HttpError, type FieldProblem } from '../errors.js';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;

/** OWASP's argon2id parameters: 19 MiB, 2 iterations, 1 lane. */
export const PASSWORD_HASH_PARAMETERS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** The ~49 000 most common passwords (zxcvbn-ts), lower-cased. */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set((dictionary['passwords-common'] as readonly string[]).map((password) => password.toLowerCase()));

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'same_as_email';

const PROBLEMS: Readonly<Record<PasswordProblem, Omit<FieldProblem, 'field'>>> = {
  too_short: { message: `must be at least ${PASSWORD_MIN_LENGTH} characters`, problem: 'too_short', params: { limit: PASSWORD_MIN_LENGTH } },
  too_long: { message: `must be at most ${PASSWORD_MAX_LENGTH} characters`, problem: 'too_long', params: { limit: PASSWORD_MAX_LENGTH } },
  too_common: { message: 'is one of the most commonly used passwords; choose another', problem: 'common_password' },
  same_as_email: { message: 'must not be your email address', problem: 'password_is_email' },
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

/**
 * Refuses a new password that breaks the policy: `422 validation_failed`
 * naming `field`. Cheap (no hashing), so callers check it before any
 * throttled or costly step.
 */
export function assertAcceptableNewPassword(password: string, email: string, field: string): void {
  const problem = passwordProblem(password, email);
  if (problem !== undefined) throw new HttpError('validation_failed', { details: [{ field, ...PROBLEMS[problem] }] });
}

/**
 * The one way a password is set (registration, password change, reset,
 * `users create-admin`): the policy, then the hash to store.
 */
export async function hashNewPassword(password: string, email: string, field: string): Promise<string> {
  assertAcceptableNewPassword(password, email, field);
  return hashPassword(password);
}

/** NFKC, as NIST 800-63B advises, so the same password typed on another keyboard or OS still matches. */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Thrown by {@link BoundedWorkQueue.run} when every running and waiting place is taken. */
export class WorkQueueFullError extends Error {
  constructor() {
    super('the work queue is full');
    this.name = 'WorkQueueFullError';
  }
}

/**
 * At most `concurrency` tasks at once and `maxWaiting` more in line; beyond
 * that a task is refused at once instead of queueing without end. A flood of
 * password work therefore costs bounded memory (each argon2 run holds 19 MiB)
 * and bounded waiting, and the overflow gets a quick "try again".
 */
export class BoundedWorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new WorkQueueFullError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      // Hand the place straight to the next in line, or give it up.
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}

/** Password hashes and verifications that may wait for a thread, per process, beyond those running. */
export const PASSWORD_WORK_MAX_WAITING = 32;
/** argon2 runs on libuv's thread pool (4 threads by default); more at once than cores only adds waiting. */
const passwordWork = new BoundedWorkQueue(Math.max(1, Math.min(4, availableParallelism())), PASSWORD_WORK_MAX_WAITING);

/** Runs argon2 work within the process-wide bound; a full queue is `503 service_unavailable` with Retry-After. */
async function boundedPasswordWork<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await passwordWork.run(task);
  } catch (error) {
    if (error instanceof WorkQueueFullError) {
      throw new HttpError('service_unavailable', { message: 'Too many password checks at once; retry shortly', headers: { 'retry-after': '1' } });
    }
    throw error;
  }
}

export function hashPassword(password: string): Promise<string> {
  return boundedPasswordWork(() => hash(normalizePassword(password), PASSWORD_HASH_PARAMETERS));
}

/** False for a wrong password and for a malformed hash; never throws on bad input (a full work queue is a 503). */
export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return boundedPasswordWork(async () => {
    try {
      return await verify(passwordHash, normalizePassword(password));
    } catch {
      return false;
    }
  });
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
  // A refused attempt (queue full) must not leave a rejected promise here for good.
  dummyHash ??= hashPassword('timing-equaliser-not-a-real-password').catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(await dummyHash, password);
}
