import { Writable } from 'node:stream';

/** What the scrubber recognises; the `kind` label of `security_log_secret_leaks_total`. */
export type SecretKind = 'url_password' | 'bearer_token' | 'jwt';

/**
 * Last line of defence: patterns of secrets that must never reach a log line,
 * whatever code path produced it. Each is replaced by a mask.
 */
const SECRET_PATTERNS: readonly { name: SecretKind; pattern: RegExp; replace: string }[] = [
  // scheme://user:password@host → scheme://user:********@host
  { name: 'url_password', pattern: /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)[^@\s"/]+@/gi, replace: '$1********@' },
  { name: 'bearer_token', pattern: /(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, replace: '$1********' },
  { name: 'jwt', pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: '********' },
];

/** Masks secret-looking values in one serialized log line; also says which kinds it found. */
function scrubLine(line: string): { line: string; found: SecretKind[] } {
  const found: SecretKind[] = [];
  let result = line;
  for (const { name, pattern, replace } of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(result)) {
      found.push(name);
      pattern.lastIndex = 0;
      result = result.replace(pattern, replace);
    }
  }
  return { line: result, found };
}

/** Masks secret-looking values in one serialized log line. Returns the line and whether anything was masked. */
export function scrubSecrets(line: string): { line: string; masked: boolean } {
  const { line: scrubbed, found } = scrubLine(line);
  return { line: scrubbed, masked: found.length > 0 };
}

/** A stream that scrubs each line before passing it to `destination`; `onMasked` hears which kinds of secret a line carried. */
export function scrubbingStream(destination: NodeJS.WritableStream, onMasked?: (found: readonly SecretKind[]) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const { line, found } = scrubLine(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      if (found.length > 0) onMasked?.(found);
      destination.write(line);
      callback();
    },
  });
}
