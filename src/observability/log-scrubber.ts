import { createHmac, timingSafeEqual } from 'node:crypto';
import { Writable } from 'node:stream';

/** What the scrubber recognises; the `kind` label of `security_log_secret_leaks_total`. */
export type SecretKind = 'url_password' | 'bearer_token' | 'jwt' | 'configured_secret';
export const SECRET_KINDS: readonly SecretKind[] = ['url_password', 'bearer_token', 'jwt', 'configured_secret'];

/** Configured secrets shorter than this are not searched for: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;
const MASK = '********';

/**
 * What counts as a leak: only our own secrets. Anything secret-looking is
 * masked, but a client can put JWT-shaped text or `user:pass@` URLs into a
 * query string at will; counting those would let anyone fire the critical
 * CredentialLeak alert. A leak is a configured secret value, a URL password
 * of one of our connection strings, or a token that verifies with our key.
 */
export interface OwnSecrets {
  /** Secret values as configured (signing keys, metrics token, connection-string passwords). */
  readonly values: readonly string[];
  /** The HS256 keys our tokens are signed with, current and previous: a JWT whose signature verifies with one is ours. */
  readonly tokenKeys?: readonly string[];
}

/** The secrets of a configuration: what the log scrubber counts as a leak. */
export function ownSecretsOf(config: {
  readonly jwtSecretKey: string;
  readonly jwtPreviousSecretKeys?: readonly string[];
  readonly mfaEncryptionKey?: Buffer | undefined;
  readonly metricsToken?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly redisUrl?: string | undefined;
  readonly smtpUrl?: string | undefined;
}): OwnSecrets {
  const urlPasswords = [config.databaseUrl, config.redisUrl, config.smtpUrl].flatMap((url) => {
    if (url === undefined || !URL.canParse(url)) return [];
    const password = new URL(url).password;
    return password === '' ? [] : [password, safeDecode(password)];
  });
  const mfaKeyTexts = config.mfaEncryptionKey === undefined ? [] : [config.mfaEncryptionKey.toString('base64'), config.mfaEncryptionKey.toString('base64url')];
  const tokenKeys = [config.jwtSecretKey, ...(config.jwtPreviousSecretKeys ?? [])];
  const values = [...tokenKeys, config.metricsToken, ...mfaKeyTexts, ...urlPasswords].filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_LENGTH);
  return { values: [...new Set(values)], tokenKeys };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Whether `token` is an HS256 JWT signed with `key`. */
function signedWith(token: string, key: string): boolean {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const presented = Buffer.from(signature, 'base64url');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

interface SecretPattern {
  readonly kind: SecretKind;
  readonly pattern: RegExp;
  /** Masks one match; `ours` says whether what it masked is one of our own secrets. */
  readonly mask: (match: string, groups: readonly string[], own: OwnSecrets | undefined) => { text: string; ours: boolean };
}

const isOwnValue = (candidate: string, own: OwnSecrets | undefined): boolean => own?.values.some((value) => value === candidate || value === safeDecode(candidate)) === true;
const isOwnToken = (candidate: string, own: OwnSecrets | undefined): boolean =>
  own !== undefined &&
  ((candidate.split('.').length === 3 && (own.tokenKeys ?? []).some((key) => signedWith(candidate, key))) || isOwnValue(candidate, own));

/** Patterns of secrets that must never reach a log line, whatever code path produced it. Each is replaced by a mask. */
const SECRET_PATTERNS: readonly SecretPattern[] = [
  // scheme://user:password@host → scheme://user:********@host
  {
    kind: 'url_password',
    pattern: /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)([^@\s"/]+)@/gi,
    mask: (_match, [prefix = '', password = ''], own) => ({ text: `${prefix}${MASK}@`, ours: isOwnValue(password, own) }),
  },
  {
    kind: 'bearer_token',
    pattern: /(bearer\s+)([A-Za-z0-9._~+/-]+=*)/gi,
    mask: (_match, [prefix = '', token = ''], own) => ({ text: `${prefix}${MASK}`, ours: isOwnToken(token, own) }),
  },
  // A calendar feed URL's token (src/http/garage-calendar.ts): the request log's `url` would carry it. Any client
  // can put such a path in a request, so it is masked, never counted as ours.
  {
    kind: 'bearer_token',
    pattern: /(\/api\/v1\/calendar\/)([^/\s"?#]+)(\.ics)/g,
    mask: (_match, [prefix = '', , suffix = '']) => ({ text: `${prefix}${MASK}${suffix}`, ours: false }),
  },
  {
    kind: 'jwt',
    pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    mask: (match, _groups, own) => ({ text: MASK, ours: isOwnToken(match, own) }),
  },
];

/** Masks secret-looking values in one serialised log line; `masked` says which kinds it found, `leaked` which of them were ours. */
function scrubLine(line: string, own: OwnSecrets | undefined): { line: string; masked: SecretKind[]; leaked: SecretKind[] } {
  const masked: SecretKind[] = [];
  const leaked: SecretKind[] = [];
  let result = line;
  for (const { kind, pattern, mask } of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    const seen = { found: false, ours: false };
    result = result.replace(pattern, (match: string, ...rest: unknown[]) => {
      seen.found = true;
      // The capture groups come first; offset and input follow.
      const groups = rest.filter((value): value is string => typeof value === 'string');
      const masking = mask(match, groups, own);
      seen.ours ||= masking.ours;
      return masking.text;
    });
    if (seen.found) masked.push(kind);
    if (seen.ours) leaked.push(kind);
  }
  // A configured secret anywhere else in the line (raw, or escaped inside a JSON string).
  let configured = false;
  for (const value of own?.values ?? []) {
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      if (result.includes(form)) {
        configured = true;
        result = result.split(form).join(MASK);
      }
    }
  }
  if (configured) {
    masked.push('configured_secret');
    leaked.push('configured_secret');
  }
  return { line: result, masked, leaked };
}

/** Masks secret-looking values in one serialised log line. Returns the line and whether anything was masked. */
export function scrubSecrets(line: string, own?: OwnSecrets): { line: string; masked: boolean } {
  const { line: scrubbed, masked } = scrubLine(line, own);
  return { line: scrubbed, masked: masked.length > 0 };
}

/**
 * A stream that scrubs each line before passing it to `destination`;
 * `onLeak` hears which kinds of *our own* secret a line carried (the
 * CredentialLeak alert), never client-supplied look-alikes.
 */
export function scrubbingStream(destination: NodeJS.WritableStream, own: OwnSecrets | undefined, onLeak?: (kinds: readonly SecretKind[]) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const { line, leaked } = scrubLine(typeof chunk === 'string' ? chunk : chunk.toString('utf8'), own);
      if (leaked.length > 0) onLeak?.(leaked);
      destination.write(line);
      callback();
    },
  });
}
