// @backend-independent: pure functions and an in-memory hub
import { describe, expect, it } from 'vitest';
import { deviceLabel } from '../../src/security/device-label.js';
import { SecurityEvents, type SecurityEvent } from '../../src/security/security-events.js';
import { manualClock } from '../helpers/time.js';

describe('deviceLabel', () => {
  it('names the browser and the system, without minor versions', () => {
    expect(deviceLabel('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe('Firefox 133 on Linux');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36')).toBe('Chrome 131 on Windows 10');
    expect(deviceLabel('Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1')).toBe('Safari 18 on iOS 18.1');
  });

  it('falls back to the first word of a header it does not know', () => {
    expect(deviceLabel('curl/8.5.0')).toBe('curl/8.5.0');
  });

  it('has no label without a header, and a bounded one for a huge header', () => {
    expect(deviceLabel(undefined)).toBeNull();
    expect(deviceLabel(null)).toBeNull();
    expect(deviceLabel('   ')).toBeNull();
    expect(deviceLabel('x'.repeat(100_000))?.length).toBeLessThanOrEqual(128);
  });
});

describe('SecurityEvents', () => {
  it('stamps each event with the clock and fills what was left out with null', () => {
    const clock = manualClock(1_700_000_000_000);
    const events = new SecurityEvents(clock);
    const seen: SecurityEvent[] = [];
    events.subscribe((event) => seen.push(event));
    events.record({ code: 'sign_in_failed', userId: null, reason: 'unknown_account', origin: { address: '192.0.2.1', userAgent: 'curl/8.5.0' } });
    clock.advance(5);
    events.record({ code: 'signed_out', userId: 'user-1', sessionId: 'family-1' });
    expect(seen).toEqual([
      { code: 'sign_in_failed', userId: null, occurredAtMs: 1_700_000_000_000, address: '192.0.2.1', userAgent: 'curl/8.5.0', sessionId: null, reason: 'unknown_account', actorId: null },
      { code: 'signed_out', userId: 'user-1', occurredAtMs: 1_700_000_000_005, address: null, userAgent: null, sessionId: 'family-1', reason: null, actorId: null },
    ]);
  });

  it('keeps recording when a listener throws, and reports the error', () => {
    const errors: unknown[] = [];
    const events = new SecurityEvents(manualClock(), (error) => errors.push(error));
    const seen: string[] = [];
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    events.subscribe((event) => seen.push(event.code));
    expect(() => {
      events.record({ code: 'password_changed', userId: 'user-1' });
    }).not.toThrow();
    expect(seen).toEqual(['password_changed']);
    expect(errors).toHaveLength(1);
  });

  it('stops telling a listener once it unsubscribed', () => {
    const events = new SecurityEvents(manualClock());
    const seen: string[] = [];
    const unsubscribe = events.subscribe((event) => seen.push(event.code));
    events.record({ code: 'factor_added', userId: 'user-1', reason: 'totp' });
    unsubscribe();
    events.record({ code: 'factor_removed', userId: 'user-1', reason: 'totp' });
    expect(seen).toEqual(['factor_added']);
  });
});
