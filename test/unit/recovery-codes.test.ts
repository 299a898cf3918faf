// @backend-independent: pure functions
import { describe, expect, it } from 'vitest';
import { RECOVERY_CODE_COUNT, newRecoveryCodes, normalizeRecoveryCode, recoveryCodeDigest } from '../../src/security/recovery-codes.js';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('newRecoveryCodes', () => {
  it('makes 10 distinct codes formatted XXXX-XXXX-XXXX-XXXX in Crockford base32', () => {
    const codes = newRecoveryCodes();
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(FORMAT);
      expect(code).not.toMatch(/[ILOU]/);
      expect(normalizeRecoveryCode(code)).toBe(code.replaceAll('-', ''));
    }
  });

  it('makes as many as asked, and new ones every time', () => {
    expect(newRecoveryCodes(3)).toHaveLength(3);
    const first = newRecoveryCodes();
    const second = newRecoveryCodes();
    expect(first.filter((code) => second.includes(code))).toEqual([]);
  });

  it('uses the whole alphabet (the bits are spread over every character)', () => {
    const characters = new Set(
      Array.from({ length: 40 }, () => newRecoveryCodes())
        .flat()
        .join('')
        .replaceAll('-', ''),
    );
    expect([...characters].sort().join('')).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
  });
});

describe('normalizeRecoveryCode', () => {
  it.each([
    ['ABCD-EFGH-JKMN-PQRS', 'ABCDEFGHJKMNPQRS'],
    ['abcd-efgh-jkmn-pqrs', 'ABCDEFGHJKMNPQRS'],
    ['ABCDEFGHJKMNPQRS', 'ABCDEFGHJKMNPQRS'],
    ['  abcd efgh  jkmn pqrs ', 'ABCDEFGHJKMNPQRS'],
    ['AB-CD--EF GH-JKMN-PQRS', 'ABCDEFGHJKMNPQRS'],
    ['OOOO-oooo-0000-1111', '0000000000001111'],
    ['IIII-iiii-LLLL-llll', '1111111111111111'],
    ['VWXY-Z012-3456-789T', 'VWXYZ0123456789T'],
  ])('%j → %j', (input, normalized) => {
    expect(normalizeRecoveryCode(input)).toBe(normalized);
  });

  it.each([
    '',
    'ABCD-EFGH-JKMN-PQR',
    'ABCD-EFGH-JKMN-PQRST',
    'ABCD-EFGH-JKMN-PQRU',
    'ABCD_EFGH_JKMN_PQRS',
    'ABCD.EFGH.JKMN.PQRS',
    'ÁBCD-EFGH-JKMN-PQRS',
    `${'A'.repeat(16)}${' '.repeat(100)}`,
  ])('refuses %j', (input) => {
    expect(normalizeRecoveryCode(input)).toBeUndefined();
  });
});

describe('recoveryCodeDigest', () => {
  it('is the stable SHA-256 hex of the normalized code', () => {
    const [code = ''] = newRecoveryCodes(1);
    const normalized = normalizeRecoveryCode(code) ?? '';
    const digest = recoveryCodeDigest(normalized);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeDigest(normalized)).toBe(digest);
    expect(recoveryCodeDigest(normalizeRecoveryCode(code.toLowerCase().replaceAll('-', ' ')) ?? '')).toBe(digest);
    // Pinned: a change of hash or encoding would orphan every stored code.
    expect(recoveryCodeDigest('0000000000000000')).toBe('fcdb4b423f4e5283afa249d762ef6aef150e91fccd810d43e5e719d14512dec7');
    expect(recoveryCodeDigest(normalized)).not.toBe(recoveryCodeDigest('0000000000000000'));
  });
});
