import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** GCM's recommended nonce size (NIST SP 800-38D): random 96-bit nonces are safe for far more seals than we make. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Anything a sealed value cannot be opened for: malformed, wrong key, wrong context or tampered with. */
export class SecretBoxError extends Error {
  constructor(message = 'the sealed value cannot be opened') {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * Encrypts small secrets (TOTP seeds) for storage: AES-256-GCM with a random
 * IV, and a context (e.g. `totp:<userId>`) bound as additional data, so a
 * ciphertext copied to another row or user does not open.
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new TypeError(`SecretBox needs a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
    // A copy: the caller's buffer may be reused or zeroed later.
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError();
    const [, ivText, ciphertextText, tagText] = parts as [string, string, string, string];
    if (![ivText, ciphertextText, tagText].every((part) => BASE64URL.test(part))) throw new SecretBoxError();
    const iv = Buffer.from(ivText, 'base64url');
    const ciphertext = Buffer.from(ciphertextText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    // Exact lengths, and canonical encodings: a part that decodes the same but reads differently is tampering too.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError();
    if (iv.toString('base64url') !== ivText || ciphertext.toString('base64url') !== ciphertextText || tag.toString('base64url') !== tagText) {
      throw new SecretBoxError();
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    } catch {
      throw new SecretBoxError();
    }
  }
}
