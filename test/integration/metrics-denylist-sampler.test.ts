import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/index.js';
import { DenylistSampler } from '../../src/observability/denylist-sampler.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { StoreUnavailableError } from '../../src/stores/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { logout, registerAndLogin } from '../helpers/auth-client.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { eventually } from '../helpers/time.js';

const silent = createLogger({ level: 'silent' });

async function gaugeValue(): Promise<number | undefined> {
  return (await securityMetrics.denylistEntries.get()).values[0]?.value;
}

describe('security_denylist_entries', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig());
  });
  afterAll(async () => {
    await runtime.dispose();
  });

  it('counts the live jti: keys only', async () => {
    const sampler = new DenylistSampler(runtime.store, silent);
    expect(await sampler.sample()).toBe(0);
    await runtime.store.set('jti:aaaaaaaaaaaaaaaaaaaaaa', '1', 60_000);
    await runtime.store.set('jti:bbbbbbbbbbbbbbbbbbbbbb', '1', 60_000);
    await runtime.store.set('jti:cccccccccccccccccccccc', '1', 60_000);
    await runtime.store.set('csrf_token:xyz', 'anon:1', 60_000);
    await runtime.store.set('user_nbf:42', '1', 60_000);
    expect(await sampler.sample()).toBe(3);
    expect(await gaugeValue()).toBe(3);
    await runtime.store.delete('jti:cccccccccccccccccccccc');
    expect(await sampler.sample()).toBe(2);
    expect(await gaugeValue()).toBe(2);
  });

  it('keeps the last value when the store does not answer, and never overlaps samples', async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const flaky = {
      countWithPrefix: async (): Promise<number> => {
        calls++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        throw new StoreUnavailableError();
      },
    };
    securityMetrics.denylistEntries.set(7);
    const sampler = new DenylistSampler(flaky, silent);
    const first = sampler.sample();
    const second = sampler.sample();
    expect(second).toBe(first);
    release?.();
    expect(await first).toBeUndefined();
    expect(calls).toBe(1);
    expect(await gaugeValue()).toBe(7);
  });

  it('samples at start on an unref\'d timer and stops for good', async () => {
    let calls = 0;
    const counting = {
      countWithPrefix: async (): Promise<number> => {
        calls++;
        return 1;
      },
    };
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const sampler = new DenylistSampler(counting, silent, 20);
      sampler.start();
      expect(sampler.running).toBe(true);
      expect(calls).toBe(1);
      // The interval keeps sampling while running.
      await vi.advanceTimersByTimeAsync(20);
      expect(calls).toBe(2);
      await vi.advanceTimersByTimeAsync(20);
      expect(calls).toBe(3);
      await sampler.stop();
      expect(sampler.running).toBe(false);
      await vi.advanceTimersByTimeAsync(100);
      expect(calls).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the app runs the sampler', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('samples when ready: a second instance on the same store reports the entries a logout made', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await logout(testApp.app, tokens)).statusCode).toBe(204);
    // The access and the refresh token.
    const entries = await testApp.runtime.store.countWithPrefix('jti:');
    expect(entries).toBe(2);
    securityMetrics.denylistEntries.set(-1);
    const second = await startTestApp({ shareWith: testApp });
    try {
      // The start-up sample runs in the background; read the scrape until it lands.
      const reported = await eventually(
        async () => {
          const scrape = (await second.app.inject({ method: 'GET', url: '/metrics' })).body;
          const value = Number(/^security_denylist_entries (\S+)$/m.exec(scrape)?.[1] ?? '-1');
          return value === -1 ? undefined : value;
        },
        { intervalMs: 10, what: 'the start-up sample in the scrape' },
      );
      expect(reported).toBe(entries);
    } finally {
      await second.close();
    }
  });
});
