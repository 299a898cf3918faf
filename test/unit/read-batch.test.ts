import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../../src/stores/read-batch.js';

describe('ReadBatcher', () => {
  it('answers the reads of one event-loop round with one call, each with its own values', async () => {
    const rounds: (readonly (readonly string[])[])[] = [];
    const batcher = new ReadBatcher((keyLists) => {
      rounds.push(keyLists);
      return keyLists.map((keys) => keys.map((key) => (key.startsWith('x') ? null : `value of ${key}`)));
    });
    const together = await Promise.all([batcher.read(['a', 'x1']), batcher.read([]), batcher.read(['b'])]);
    expect(together).toEqual([['value of a', null], [], ['value of b']]);
    expect(rounds).toEqual([[['a', 'x1'], [], ['b']]]);

    await batcher.read(['c']);
    expect(rounds).toHaveLength(2);
  });

  it('waits for an asynchronous reader', async () => {
    const batcher = new ReadBatcher(async (keyLists) => {
      // A reader that answers on a later turn of the event loop, as a store does.
      await new Promise((resolve) => setImmediate(resolve));
      return keyLists.map((keys) => keys.map((key) => key.toUpperCase()));
    });
    expect(await Promise.all([batcher.read(['a']), batcher.read(['b', 'c'])])).toEqual([['A'], ['B', 'C']]);
  });

  it('rejects every read of the round with what the reader threw or rejected with, and recovers for the next round', async () => {
    const failure = new Error('store down');
    let mode: 'throw' | 'reject' | 'answer' = 'throw';
    const batcher = new ReadBatcher((keyLists) => {
      if (mode === 'throw') throw failure;
      if (mode === 'reject') return Promise.reject(failure);
      return keyLists.map((keys) => keys.map(() => 'ok'));
    });
    for (const failing of ['throw', 'reject'] as const) {
      mode = failing;
      const results = await Promise.allSettled([batcher.read(['a']), batcher.read(['b'])]);
      expect(results).toEqual([
        { status: 'rejected', reason: failure },
        { status: 'rejected', reason: failure },
      ]);
    }
    mode = 'answer';
    expect(await batcher.read(['a'])).toEqual(['ok']);
  });
});
