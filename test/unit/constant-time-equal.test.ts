import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/security/csrf.js';

describe('constantTimeEqual (CSRF token and binding comparison)', () => {
  const token = randomBytes(32).toString('base64url');

  it('is true for equal strings, including a copy built elsewhere', () => {
    expect(constantTimeEqual(token, token)).toBe(true);
    expect(constantTimeEqual(token, `${token.slice(0, 10)}${token.slice(10)}`)).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('is false wherever one code unit differs: first, middle, last', () => {
    for (const index of [0, 21, token.length - 1]) {
      const changed = `${token.slice(0, index)}${token[index] === 'A' ? 'B' : 'A'}${token.slice(index + 1)}`;
      expect(constantTimeEqual(token, changed)).toBe(false);
      expect(constantTimeEqual(changed, token)).toBe(false);
    }
  });

  it('is false for different lengths, a prefix included', () => {
    expect(constantTimeEqual(token, token.slice(0, -1))).toBe(false);
    expect(constantTimeEqual(token, `${token}x`)).toBe(false);
    expect(constantTimeEqual('', token)).toBe(false);
  });

  it('compares non-ASCII text exactly, as string equality does', () => {
    expect(constantTimeEqual('é', 'é')).toBe(true);
    // The same UTF-8 length, different characters.
    expect(constantTimeEqual('é', 'è')).toBe(false);
    // A combining sequence is not the precomposed character.
    expect(constantTimeEqual('e\u0301', 'é')).toBe(false);
    expect(constantTimeEqual('\u{1F600}', '\u{1F601}')).toBe(false);
  });
});
