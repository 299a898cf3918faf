import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHROMIUM_PATH, chromiumPath } from '../helpers/browser.js';
import { TEST_DATABASES, testPostgresUrl } from '../helpers/test-databases.js';
import { eventually, manualClock, shiftedClock } from '../helpers/time.js';

/** Issue 15 item 12: the test helpers a fresh machine meets first. */

describe('chromiumPath', () => {
  it('takes CHROMIUM_PATH when set', () => {
    expect(chromiumPath({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });

  it("defaults to Debian's /usr/bin/chromium", () => {
    expect(DEFAULT_CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });

  it('a missing binary: one line naming it and how to install Chromium', () => {
    const missing = '/nonexistent/chromium-for-this-test';
    expect(() => chromiumPath({ CHROMIUM_PATH: missing })).toThrow(
      new Error(`Chromium not found at ${missing} (CHROMIUM_PATH): install it with \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH to a Chromium or Chrome binary`),
    );
  });
});

describe('testPostgresUrl', () => {
  it('names the databases .ci/run creates, and builds URLs on the configured server', () => {
    expect(TEST_DATABASES).toContain('test');
    const url = new URL(testPostgresUrl('some_database'));
    expect(url.pathname).toBe('/some_database');
    expect(url.protocol).toBe('postgres:');
  });
});

describe('time helpers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a manual clock moves only by hand; a shifted clock is the real one plus its shifts', () => {
    const manual = manualClock(1_000);
    manual.advance(5);
    expect(manual.now()).toBe(1_005);
    manual.set(42);
    expect(manual.now()).toBe(42);
    vi.useFakeTimers({ now: 10_000, toFake: ['Date'] });
    const shifted = shiftedClock();
    shifted.shift(3_600_000);
    expect(shifted.now()).toBe(3_610_000);
  });

  it('eventually returns the first value that is not false, null or undefined, retrying through errors', async () => {
    const answers: unknown[] = [false, null, new Error('not yet'), undefined, 0];
    let calls = 0;
    const value = await eventually(
      () => {
        const answer = answers[calls++];
        if (answer instanceof Error) throw answer;
        return answer as number | false | null | undefined;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(0);
    expect(calls).toBe(5);
  });

  it('eventually gives up at its timeout, naming what it waited for, with the last error as the cause', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    const cause = new Error('still down');
    const waiting = eventually(
      () => {
        throw cause;
      },
      { timeoutMs: 100, intervalMs: 10, what: 'the server' },
    );
    const outcome = waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(100);
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('the server was not reached within 100 ms');
    expect((error as Error).cause).toBe(cause);
  });
});
