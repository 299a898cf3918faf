import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// RFC 6238 with the parameters every authenticator app supports.
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Codes one step either side of now are accepted: phone clocks drift and people type slowly. */
export const TOTP_ACCEPTED_DRIFT_STEPS = 1;
const TOTP_ALGORITHM = 'SHA1';
/** RFC 4226 section 4 recommends 160-bit shared secrets. */
const TOTP_SECRET_BYTES = 20;
const CODE_PATTERN = /^[0-9]{6}$/;

/** A new shared secret: 20 random bytes, base32 without padding. */
export function newTotpSecret(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(TOTP_SECRET_BYTES)).buffer }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(input: { secret: string; accountName: string; issuer: string }): string {
  return new TOTP({
    issuer: input.issuer,
    label: input.accountName,
    secret: Secret.fromBase32(input.secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

function codeOfStep(secret: Secret, step: number): string {
  return HOTP.generate({ secret, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step });
}

/**
 * The time step (floor(unix seconds / 30)) whose code equals `code` within ±1
 * step of nowMs, else undefined. Anything but exactly 6 ASCII digits (after
 * trimming spaces) is refused before any computation. Each candidate is
 * compared in constant time. The caller records the step so a code is used once.
 */
export function matchingTotpStep(secret: string, code: string, nowMs: number): number | undefined {
  const candidate = code.trim();
  if (!CODE_PATTERN.test(candidate)) return undefined;
  const key = Secret.fromBase32(secret);
  const given = Buffer.from(candidate, 'ascii');
  const now = timeStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed and compared, so the time taken does not say which step matched.
  for (let step = now - TOTP_ACCEPTED_DRIFT_STEPS; step <= now + TOTP_ACCEPTED_DRIFT_STEPS; step += 1) {
    if (step < 0) continue;
    if (timingSafeEqual(Buffer.from(codeOfStep(key, step), 'ascii'), given) && matched === undefined) matched = step;
  }
  return matched;
}

/** For tests and the CLI: the code of a given time. */
export function totpCodeAt(secret: string, nowMs: number): string {
  return codeOfStep(Secret.fromBase32(secret), timeStep(nowMs));
}

/** A QR code of the URI as an SVG data URL. */
export async function totpQrCode(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
