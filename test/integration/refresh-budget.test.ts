import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, login, refresh, register, request, type TokenPair } from '../helpers/auth-client.js';
import { manualClock } from '../helpers/time.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Issue 14 item 9: the refresh budget (REFRESH_RATE_LIMIT_PER_HOUR, default
 * the seed's 5 per user and clock hour) and what two devices in normal use
 * spend of it when they refresh the way the web app does: only when a request
 * answers `token_expired`, never on a timer.
 */
describe('issue 14 item 9: refresh budget', () => {
  let testApp: TestApp | undefined;
  afterEach(async () => {
    await testApp?.close();
    testApp = undefined;
  });

  /** One device: makes a request; on token_expired refreshes once and retries. Counts its refreshes per clock hour. */
  function device(app: TestApp, tokens: TokenPair, clockNow: () => number, refreshesByHour: Map<number, number>) {
    let current = tokens;
    return async (): Promise<void> => {
      const first = await request(app.app, { method: 'GET', url: '/api/v1/auth/me', headers: bearer(current.access_token) });
      if (first.statusCode === 200) return;
      expect(errorCode(first)).toBe('token_expired');
      const refreshed = await refresh(app.app, current.refresh_token);
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      current = refreshed.json<TokenPair>();
      const hour = Math.floor(clockNow() / HOUR_MS);
      refreshesByHour.set(hour, (refreshesByHour.get(hour) ?? 0) + 1);
      const retried = await request(app.app, { method: 'GET', url: '/api/v1/auth/me', headers: bearer(current.access_token) });
      expect(retried.statusCode).toBe(200);
    };
  }

  /** Runs three hours minute by minute; `activeAt(device, minuteOfHour)` says which device is used in that minute. */
  async function simulate(activeAt: (device: 'laptop' | 'phone', minuteOfHour: number) => boolean): Promise<number[]> {
    // A quarter past a full hour, so the three simulated hours cross clock-hour boundaries.
    const clock = manualClock(Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 15 * MINUTE_MS);
    testApp = await startTestApp({ clock });
    expect(testApp.config.refreshRateLimitPerHour).toBe(5);
    const account = await register(testApp.app);
    const refreshesByHour = new Map<number, number>();
    const devices = {
      laptop: device(testApp, await login(testApp.app, account.email, account.password), clock.now, refreshesByHour),
      phone: device(testApp, await login(testApp.app, account.email, account.password), clock.now, refreshesByHour),
    };
    for (let minute = 0; minute < 180; minute++) {
      const minuteOfHour = Math.floor((clock.now() % HOUR_MS) / MINUTE_MS);
      for (const name of ['laptop', 'phone'] as const) if (activeAt(name, minuteOfHour)) await devices[name]();
      clock.advance(MINUTE_MS);
    }
    return [...refreshesByHour.values()];
  }

  it('a laptop in constant use and a phone glanced at once an hour stay within the default 5 per clock hour', async () => {
    const counts = await simulate((name, minuteOfHour) => name === 'laptop' || (minuteOfHour >= 40 && minuteOfHour < 44));
    expect(Math.max(...counts)).toBeLessThanOrEqual(5);
    // The laptop alone refreshes once per access-token lifetime (15 min): about 4 an hour; the phone once per glance.
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(12);
  });

  it('two devices used in turn through the hour (laptop, then phone) stay within the default 5 per clock hour', async () => {
    const counts = await simulate((name, minuteOfHour) => (name === 'laptop' ? minuteOfHour < 30 : minuteOfHour >= 30));
    expect(Math.max(...counts)).toBeLessThanOrEqual(5);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(9);
  });

  it('REFRESH_RATE_LIMIT_PER_HOUR sets the budget: the refresh past it gets 429 with Retry-After', async () => {
    testApp = await startTestApp({ config: testConfig({ REFRESH_RATE_LIMIT_PER_HOUR: '2' }) });
    const account = await register(testApp.app);
    let tokens = await login(testApp.app, account.email, account.password);
    const firstRefreshAtMs = Date.now();
    const nextHourMs = Math.ceil(firstRefreshAtMs / HOUR_MS) * HOUR_MS;
    for (let index = 0; index < 2; index++) {
      const response = await refresh(testApp.app, tokens.refresh_token);
      expect(response.statusCode).toBe(200);
      tokens = response.json<TokenPair>();
    }
    const third = await refresh(testApp.app, tokens.refresh_token);
    expect(third.statusCode).toBe(429);
    expect(errorCode(third)).toBe('refresh_rate_limited');
    // Until the next clock hour, when the budget starts again.
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((nextHourMs - firstRefreshAtMs) / 1000));
    expect(retryAfter).toBeGreaterThanOrEqual(Math.floor((nextHourMs - Date.now()) / 1000));
  });

  it('refuses a REFRESH_RATE_LIMIT_PER_HOUR that is not a positive integer, naming the variable', () => {
    expect(() => testConfig({ REFRESH_RATE_LIMIT_PER_HOUR: '0' })).toThrow(/REFRESH_RATE_LIMIT_PER_HOUR/);
    expect(() => testConfig({ REFRESH_RATE_LIMIT_PER_HOUR: 'many' })).toThrow(/REFRESH_RATE_LIMIT_PER_HOUR/);
  });
});
