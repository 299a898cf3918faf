import { describe, expect, it } from 'vitest';
import { totalFromPage } from '../../src/db/repositories/column-values.js';

describe('a list total from its page', () => {
  it('is what a page that is not full says', () => {
    expect(totalFromPage(5, 20, 0)).toBe(5);
    expect(totalFromPage(3, 20, 40)).toBe(43);
    expect(totalFromPage(0, 20, 0)).toBe(0);
  });

  it('is left to a count for a full page, or an empty page past the start', () => {
    expect(totalFromPage(20, 20, 0)).toBeUndefined();
    expect(totalFromPage(1, 1, 7)).toBeUndefined();
    expect(totalFromPage(0, 20, 40)).toBeUndefined();
  });
});
