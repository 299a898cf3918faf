import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '../../src/stores/redis-store.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';

/**
 * The store sends a round's commands to a single Redis in one write (it corks
 * the socket until the round ends). Redis counts every read of a client's
 * socket (`total_reads_processed`), so a round that left in one write costs
 * it one read, whatever the number of commands in it. A private server: no
 * other client's reads are counted.
 */
describe('RedisKeyValueStore write batching', () => {
  let server: RedisServerHandle;
  let store: RedisKeyValueStore;
  let observer: Redis;

  /** Socket reads Redis has made so far, counted by a separate connection (its own INFO adds one). */
  async function readsProcessed(): Promise<number> {
    const info = await observer.info('stats');
    const match = /^total_reads_processed:(\d+)/m.exec(info);
    if (match?.[1] === undefined) throw new Error('INFO stats has no total_reads_processed');
    return Number(match[1]);
  }

  beforeAll(async () => {
    server = await startRedisServer();
    store = new RedisKeyValueStore({ url: server.url, keyPrefix: 'batching:' });
    observer = new Redis(server.url);
    await store.ping();
    await observer.ping();
  });

  afterAll(async () => {
    await store.close();
    observer.disconnect();
    await server.stop();
  });

  it('sends the writes issued in one round in one write, in the order issued', async () => {
    const before = await readsProcessed();
    const writes = Array.from({ length: 40 }, (_, index) => store.set(`key-${String(index)}`, `value-${String(index)}`, 60_000));
    // The same key written twice in the round: the later write must win.
    writes.push(store.set('key-0', 'last', 60_000));
    await Promise.all(writes);
    const reads = (await readsProcessed()) - before;
    // One read for the round's 41 commands, one for the observer's second INFO (a slow kernel may split a write: allow one more).
    expect(reads).toBeLessThanOrEqual(3);
    expect(await store.get('key-0')).toBe('last');
    expect(await store.get('key-39')).toBe('value-39');
  });

  it('sends a round with writes and batched reads in one write, the reads after the writes', async () => {
    const before = await readsProcessed();
    const written = store.set('fresh', 'seen', 60_000);
    const readBack = Array.from({ length: 20 }, () => store.getMany(['fresh', 'key-1']));
    await written;
    expect(await Promise.all(readBack)).toEqual(Array.from({ length: 20 }, () => ['seen', 'value-1']));
    expect((await readsProcessed()) - before).toBeLessThanOrEqual(3);
  });

  it('does not hold a command issued after the round ended', async () => {
    await store.set('first-round', 'one', 60_000);
    // Issued from a timer callback (a later round): answered, not held for a round that never ends.
    const value = await new Promise<string | null>((resolve, reject) => {
      setTimeout(() => {
        store.set('later-round', 'two', 60_000).then(() => store.get('later-round')).then(resolve, reject);
      }, 5);
    });
    expect(value).toBe('two');
  });
});
