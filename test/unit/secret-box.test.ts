// @backend-independent: pure functions
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../../src/security/secret-box.js';

const box = new SecretBox(randomBytes(32));
const context = 'totp:user-1';
const plaintext = 'a TOTP seed, ünicode too';

/** `sealed` with one byte of part `index` (1 iv, 2 ciphertext, 3 tag) flipped. */
function flipped(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('opens what it sealed, in the v1.<iv>.<ciphertext>.<tag> format', () => {
    const sealed = box.seal(plaintext, context);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(box.open(sealed, context)).toBe(plaintext);
    expect(box.open(box.seal('', context), context)).toBe('');
  });

  it('seals one plaintext differently each time (random IV)', () => {
    const first = box.seal(plaintext, context);
    const second = box.seal(plaintext, context);
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it('does not open with another key', () => {
    const sealed = box.seal(plaintext, context);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, context)).toThrow(SecretBoxError);
  });

  it('does not open under another context (a ciphertext moved to another user)', () => {
    const sealed = box.seal(plaintext, context);
    expect(() => box.open(sealed, 'totp:user-2')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, '')).toThrow(SecretBoxError);
  });

  it.each([
    [1, 'iv'],
    [2, 'ciphertext'],
    [3, 'tag'],
  ])('refuses a flipped byte in part %i (%s)', (index) => {
    expect(() => box.open(flipped(box.seal(plaintext, context), index), context)).toThrow(SecretBoxError);
  });

  it('refuses malformed input', () => {
    const sealed = box.seal(plaintext, context);
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    const malformed = [
      '',
      '...',
      sealed.slice(0, -1),
      sealed.slice(0, sealed.lastIndexOf('.')),
      `${sealed}.`,
      `${sealed}.AAAA`,
      ['v2', iv, ciphertext, tag].join('.'),
      [version, iv.slice(0, -2), ciphertext, tag].join('.'),
      [version, iv, ciphertext, tag.slice(0, -2)].join('.'),
      [version, iv, '', tag].join('.'),
      [version, `${iv.slice(0, -1)}+`, ciphertext, tag].join('.'),
      [version, iv, `${ciphertext}=`, tag].join('.'),
    ];
    for (const input of malformed) {
      expect(() => box.open(input, context), input).toThrow(SecretBoxError);
    }
  });

  it('names its errors SecretBoxError', () => {
    try {
      box.open('nonsense', context);
      expect.unreachable('open should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as Error).name).toBe('SecretBoxError');
    }
  });

  it.each([0, 16, 31, 33, 64])('refuses a %i-byte key with a TypeError naming the length', (length) => {
    expect(() => new SecretBox(randomBytes(length))).toThrow(TypeError);
    expect(() => new SecretBox(randomBytes(length))).toThrow(new RegExp(`\\b${length} bytes`));
  });
});
