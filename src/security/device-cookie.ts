import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { REFRESH_COOKIE_PATH } from './cookies.js';
import type { SigningKeys } from './tokens.js';

/** How long a browser stays known after a successful sign-in. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 86_400;

const VERSION = 'd1';
const NONCE_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** `__Secure-` with secure cookies: the browser refuses it over plain HTTP. Only the auth endpoints receive it. */
export function deviceCookieName(secure: boolean): string {
  return secure ? '__Secure-device' : 'device';
}

const accountOf = (email: string): string => createHash('sha256').update(email.toLowerCase()).digest('base64url');

/**
 * OWASP's device cookies against a stranger locking an account: a browser
 * that once signed in to an account carries a cookie signed for that account,
 * `d1.<nonce>.<HMAC(account, nonce)>`. Its sign-in attempts for that account
 * count against the browser's own budget (keyed by the nonce), not the
 * account's, so failures from elsewhere never keep the owner out. The cookie
 * names no account: the signature only verifies together with the email typed.
 */
export class DeviceCookies {
  /** The key cookies are signed with now. */
  private readonly key: Buffer;
  /**
   * Keys derived from the previous signing keys: a cookie signed before a key
   * rotation still verifies, so known browsers stay known across it.
   */
  private readonly previousKeys: readonly Buffer[];

  constructor(
    signingKeys: string | SigningKeys,
    private readonly secure: boolean,
  ) {
    const { current, previous = [] } = typeof signingKeys === 'string' ? { current: signingKeys } : signingKeys;
    this.key = deviceCookieKey(current);
    this.previousKeys = previous.map(deviceCookieKey);
  }

  /** Sets a fresh device cookie for `email` (after a successful sign-in). */
  issue(reply: FastifyReply, email: string): void {
    const nonce = randomBytes(16).toString('base64url');
    reply.setCookie(deviceCookieName(this.secure), `${VERSION}.${nonce}.${this.signature(email, nonce)}`, {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
    });
  }

  /** The device's nonce when `cookies` carry a device cookie signed for `email`; undefined for anything else. */
  trustedDevice(cookies: Readonly<Record<string, string | undefined>>, email: string): string | undefined {
    const value = cookies[deviceCookieName(this.secure)];
    if (value === undefined || value.length > 100) return undefined;
    const [version, nonce = '', signature = '', ...rest] = value.split('.');
    if (version !== VERSION || rest.length > 0 || !NONCE_PATTERN.test(nonce) || !SIGNATURE_PATTERN.test(signature)) return undefined;
    const presented = Buffer.from(signature);
    const signedWith = (key: Buffer): boolean => {
      const expected = Buffer.from(this.signature(email, nonce, key));
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    };
    return signedWith(this.key) || this.previousKeys.some(signedWith) ? nonce : undefined;
  }

  private signature(email: string, nonce: string, key: Buffer = this.key): string {
    return createHmac('sha256', key).update(`${accountOf(email)}.${nonce}`).digest('base64url');
  }
}

/** A key of its own, derived from a signing secret: a device cookie can never pass for a token or vice versa. */
function deviceCookieKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('autocognitix device cookie v1').digest();
}
