import { Writable } from 'node:stream';

/**
 * Last line of defence: patterns of secrets that must never reach a log line,
 * whatever code path produced it. Each is replaced by a mask.
 */
const SECRET_PATTERNS: readonly { name: string; pattern: RegExp; replace: string }[] = [
  // scheme://user:password@host → scheme://user:********@host
  { name: 'url_password', pattern: /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)[^@\s"/]+@/gi, replace: '$1********@' },
  { name: 'bearer_token', pattern: /(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, replace: '$1********' },
  { name: 'jwt', pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: '********' },
];

/** Masks secret-looking values in one serialized log line. Returns the line and whether anything was masked. */
export function scrubSecrets(line: string): { line: string; masked: boolean } {
  let masked = false;
  let result = line;
  for (const { pattern, replace } of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(result)) {
      masked = true;
      pattern.lastIndex = 0;
      result = result.replace(pattern, replace);
    }
  }
  return { line: result, masked };
}

/** A stream that scrubs each line before passing it to `destination`. */
export function scrubbingStream(destination: NodeJS.WritableStream, onMasked?: () => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const { line, masked } = scrubSecrets(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      if (masked) onMasked?.();
      destination.write(line);
      callback();
    },
  });
}
