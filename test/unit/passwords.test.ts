import { describe, expect, it } from 'vitest';
import { hashPassword, passwordHashNeedsUpgrade, passwordProblem, verifyPassword } from '../../src/security/passwords.js';
import { strongPassword } from '../helpers/auth-client.js';

describe('password policy', () => {
  it.each([
    ['eleven char', 'too_short'],
    ['exactly12chr', undefined],
    ['ő'.repeat(12), undefined],
    ['x'.repeat(128), undefined],
    ['x'.repeat(129), 'too_long'],
    ['123qweasdzxc', 'too_common'],
    ['1q2w3e4r5t6y', 'too_common'],
    ['Q1W2E3R4T5Y6', 'too_common'],
  ])('%s → %s', (password, expected) => {
    expect(passwordProblem(password)).toBe(expected);
  });

  it('counts characters, not bytes', () => {
    expect(passwordProblem('ű'.repeat(11))).toBe('too_short');
  });

  it('refuses the email itself, in any case', () => {
    expect(passwordProblem('Driver.One@Example.com', 'driver.one@example.com')).toBe('same_as_email');
  });

  it('has no composition rules: a long lower-case passphrase is fine', () => {
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  });
});

describe('password hashing', () => {
  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const password = strongPassword();
    const hash = await hashPassword(password);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, password)).toBe(true);
    expect(await verifyPassword(hash, `${password}x`)).toBe(false);
    expect(passwordHashNeedsUpgrade(hash)).toBe(false);
  });

  it('flags hashes made with other parameters for upgrade', () => {
    expect(passwordHashNeedsUpgrade('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(true);
    expect(passwordHashNeedsUpgrade('$2b$10$abcdefghijklmnopqrstuu')).toBe(true);
  });

  it('normalises (NFKC): a composed and a decomposed accent are the same password', async () => {
    const composed = 'jelszó-ő-hosszú-elég';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
  });

  it('treats a malformed hash as a mismatch, not a crash', async () => {
    expect(await verifyPassword('not-a-hash', 'anything-at-all')).toBe(false);
  });
});
