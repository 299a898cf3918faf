// @backend-independent: pure functions
import { TOTP, URI } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  TOTP_ACCEPTED_DRIFT_STEPS,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  matchingTotpStep,
  newTotpSecret,
  totpCodeAt,
  totpQrCode,
  totpUri,
} from '../../src/security/totp.js';

/** RFC 4648 base32 without padding, written out here so the test does not trust the code under test. */
function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let output = '';
  for (let start = 0; start < bits.length; start += 5) output += alphabet.charAt(Number.parseInt(bits.slice(start, start + 5).padEnd(5, '0'), 2));
  return output;
}

// RFC 6238 appendix B: the SHA-1 seed is the ASCII digits 1…9, 0 twice (a published test vector, not a secret).
const rfcSeed = base32(Buffer.from('1234567890'.repeat(2), 'ascii'));
const rfcVectors: readonly (readonly [seconds: number, eightDigits: string])[] = [
  [59, '94287082'],
  [1_111_111_109, '07081804'],
  [1_111_111_111, '14050471'],
  [1_234_567_890, '89005924'],
  [2_000_000_000, '69279037'],
  [20_000_000_000, '65353130'],
];
const stepOf = (seconds: number): number => Math.floor(seconds / TOTP_PERIOD_SECONDS);

describe('RFC 6238 appendix B (SHA-1)', () => {
  it.each(rfcVectors)('at %i s the code is the last 6 digits of %s', (seconds, eightDigits) => {
    const code = eightDigits.slice(-TOTP_DIGITS);
    expect(totpCodeAt(rfcSeed, seconds * 1000)).toBe(code);
    expect(matchingTotpStep(rfcSeed, code, seconds * 1000)).toBe(stepOf(seconds));
  });
});

describe('matchingTotpStep', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 11, 3, 19, 30, 10);
  const step = stepOf(now / 1000);
  const codeAtStep = (offset: number): string => totpCodeAt(secret, (step + offset) * TOTP_PERIOD_SECONDS * 1000);

  it('accepts the current code and one step either side, returning the step the code belongs to', () => {
    expect(TOTP_ACCEPTED_DRIFT_STEPS).toBe(1);
    for (const offset of [-1, 0, 1]) expect(matchingTotpStep(secret, codeAtStep(offset), now)).toBe(step + offset);
  });

  it('refuses codes two steps away', () => {
    for (const offset of [-2, 2]) {
      const code = codeAtStep(offset);
      expect(code).toMatch(/^\d{6}$/);
      // A code may repeat by chance (1 in a million): only assert for codes that differ from every accepted one.
      if ([-1, 0, 1].some((accepted) => codeAtStep(accepted) === code)) continue;
      expect(matchingTotpStep(secret, code, now)).toBeUndefined();
    }
  });

  it('trims surrounding spaces', () => {
    expect(matchingTotpStep(secret, `  ${codeAtStep(0)} `, now)).toBe(step);
  });

  it.each(['12345', '1234567', '12a456', '', '      ', '１２３４５６', '123 456', '+12345', '12345\n'])('refuses the malformed code %j', (code) => {
    expect(matchingTotpStep(secret, code, now)).toBeUndefined();
  });

  it('refuses a right-length code of another secret', () => {
    const other = newTotpSecret();
    const code = totpCodeAt(other, now);
    expect(code).toMatch(/^\d{6}$/);
    if ([-1, 0, 1].some((offset) => codeAtStep(offset) === code)) return;
    expect(matchingTotpStep(secret, code, now)).toBeUndefined();
  });
});

describe('newTotpSecret', () => {
  it('is 160 random bits in unpadded base32, different each time', () => {
    const secrets = Array.from({ length: 20 }, () => newTotpSecret());
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});

describe('totpUri', () => {
  it('parses back with otpauth and carries issuer, account, secret, period, digits and algorithm', () => {
    const secret = newTotpSecret();
    const uri = totpUri({ secret, accountName: 'driver@example.com', issuer: 'AutoCognitix' });
    expect(uri.startsWith('otpauth://totp/')).toBe(true);
    const parsed = URI.parse(uri);
    expect(parsed).toBeInstanceOf(TOTP);
    const totp = parsed as TOTP;
    expect(totp.issuer).toBe('AutoCognitix');
    expect(totp.label).toBe('driver@example.com');
    expect(totp.secret.base32).toBe(secret);
    expect(totp.period).toBe(30);
    expect(totp.digits).toBe(6);
    expect(totp.algorithm).toBe('SHA1');
    // What an app computes from the URI is what the server accepts.
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    expect(totp.generate({ timestamp: now })).toBe(totpCodeAt(secret, now));
  });
});

describe('totpQrCode', () => {
  it('is an SVG data URL', async () => {
    const uri = totpUri({ secret: newTotpSecret(), accountName: 'driver@example.com', issuer: 'AutoCognitix' });
    const dataUrl = await totpQrCode(uri);
    const prefix = 'data:image/svg+xml;base64,';
    expect(dataUrl.startsWith(prefix)).toBe(true);
    const svg = Buffer.from(dataUrl.slice(prefix.length), 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg[\s>]/);
    expect(svg).toContain('</svg>');
  });
});
