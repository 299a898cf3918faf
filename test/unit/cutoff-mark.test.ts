import { describe, expect, it } from 'vitest';
import { cutoffReplaces, parseCutoffMark } from '../../src/security/cutoff-mark.js';

describe('per-user cut-off marks (issue 13.4: never moved back in time)', () => {
  it.each([
    ['2000', '1000', true],
    ['1000', '2000', false],
    ['1000', '1000', false],
    ['1000', '1000:family', true],
    ['1000:family', '1000', false],
    ['2000:family', '1000', true],
    ['1000', 'garbage', false],
    ['garbage', '1000', false],
  ])('%s replaces %s: %s', (candidate, stored, expected) => {
    expect(cutoffReplaces(candidate, stored)).toBe(expected);
  });

  it('parses both forms and refuses malformed ones', () => {
    expect(parseCutoffMark('1700000000000')).toEqual({ cutoffMs: 1_700_000_000_000, exemptFamily: undefined });
    expect(parseCutoffMark('1700000000000:abc')).toEqual({ cutoffMs: 1_700_000_000_000, exemptFamily: 'abc' });
    expect(parseCutoffMark('')).toBeUndefined();
    expect(parseCutoffMark('x:abc')).toBeUndefined();
  });
});
