import { describe, expect, it } from 'vitest';
import { RevisionCache } from '../../src/db/revision-cache.js';

describe('a revision cache', () => {
  it('keeps a value while its revision stays the current one', () => {
    const cache = new RevisionCache(10, 100);
    expect(cache.get('r1', 'a')).toBeUndefined();
    cache.set('r1', 'a', 'A1');
    cache.set('r1', 'b', 'B1');
    expect(cache.get('r1', 'a')).toBe('A1');
    expect(cache.get('r2', 'a')).toBeUndefined();
    expect(cache.get('r2', 'b')).toBeUndefined();
    cache.set('r2', 'a', 'A2');
    expect(cache.get('r2', 'a')).toBe('A2');
    expect(cache.get('r1', 'a')).toBeUndefined();
  });

  it('keeps each key’s own revision', () => {
    const cache = new RevisionCache(10, 100);
    cache.set('user-1 r1', 'user-1', 'one');
    cache.set('user-2 r7', 'user-2', 'two');
    expect(cache.get('user-1 r1', 'user-1')).toBe('one');
    expect(cache.get('user-2 r7', 'user-2')).toBe('two');
    expect(cache.get('user-2 r8', 'user-2')).toBeUndefined();
    expect(cache.get('user-1 r1', 'user-1')).toBe('one');
  });

  it('keeps nothing without a revision', () => {
    const cache = new RevisionCache(10, 100);
    cache.set(undefined, 'a', 'A');
    expect(cache.get(undefined, 'a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most its bound of entries, the least recently used going first', () => {
    const cache = new RevisionCache(2, 100);
    cache.set('r', 'a', 'A');
    cache.set('r', 'b', 'B');
    expect(cache.get('r', 'a')).toBe('A');
    cache.set('r', 'c', 'C');
    expect(cache.size).toBe(2);
    expect(cache.get('r', 'b')).toBeUndefined();
    expect(cache.get('r', 'a')).toBe('A');
    expect(cache.get('r', 'c')).toBe('C');
  });

  it('does not keep a value longer than its bound', () => {
    const cache = new RevisionCache(10, 4);
    cache.set('r', 'a', 'ABCDE');
    cache.set('r', 'b', 'ABCD');
    expect(cache.get('r', 'a')).toBeUndefined();
    expect(cache.get('r', 'b')).toBe('ABCD');
  });
});
