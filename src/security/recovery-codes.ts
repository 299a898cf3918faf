import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or handwritten is not misread. */
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARACTERS = 16;
/** 16 characters × 5 bits. */
const CODE_BYTES = 10;
const GROUP_CHARACTERS = 4;
const NORMALIZED_PATTERN = /^[0-9A-HJKMNP-TV-Z]{16}$/;

function crockfordBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += CROCKFORD_ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return output;
}

function grouped(code: string): string {
  const groups: string[] = [];
  for (let start = 0; start < code.length; start += GROUP_CHARACTERS) groups.push(code.slice(start, start + GROUP_CHARACTERS));
  return groups.join('-');
}

/** `count` distinct codes of 80 random bits each, formatted XXXX-XXXX-XXXX-XXXX. */
export function newRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  // A repeat of 80 random bits is practically impossible; the set only makes "distinct" certain.
  while (codes.size < count) codes.add(grouped(crockfordBase32(randomBytes(CODE_BYTES))));
  return [...codes];
}

/**
 * Upper-cases, drops spaces and hyphens, maps O→0 and I, L→1 (Crockford's
 * reading rules); undefined unless exactly 16 valid characters remain.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  // Bounded before any work: a code is 19 characters formatted, a little more with stray spaces.
  if (input.length > 64) return undefined;
  const normalized = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return normalized.length === CODE_CHARACTERS && NORMALIZED_PATTERN.test(normalized) ? normalized : undefined;
}

/** SHA-256 hex of the normalized code: what the database stores (80 bits of entropy make a slow hash unnecessary). */
export function recoveryCodeDigest(normalized: string): string {
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}
