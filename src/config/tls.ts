import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TlsFiles } from './config.js';
import type { ConfigurationProblem } from './errors.js';

export interface TlsCheck {
  readonly tls: TlsFiles | undefined;
  readonly problems: readonly ConfigurationProblem[];
  readonly warnings: readonly string[];
}

/**
 * Checks TLS_CERT_FILE and TLS_KEY_FILE at load time: both or neither, both
 * readable, a PEM certificate and the private key that belongs to it. Problems
 * name the variable; they never quote a path's contents.
 */
export function checkTlsFiles(certFile: string | undefined, keyFile: string | undefined, cwd: string, now: Date = new Date()): TlsCheck {
  if (certFile === undefined && keyFile === undefined) return { tls: undefined, problems: [], warnings: [] };
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    const other = certFile === undefined ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE';
    return { tls: undefined, problems: [{ variable: missing, expected: `expected together with ${other} (set both or neither)` }], warnings: [] };
  }
  const tls: TlsFiles = Object.freeze({ certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) });
  const certificate = parseOrNull(tls.certFile, (pem) => new X509Certificate(pem));
  const privateKey = parseOrNull(tls.keyFile, (pem) => createPrivateKey(pem));
  const problems: ConfigurationProblem[] = [];
  if (certificate === null) problems.push({ variable: 'TLS_CERT_FILE', expected: 'expected the path of a readable file holding a PEM certificate' });
  if (privateKey === null) problems.push({ variable: 'TLS_KEY_FILE', expected: 'expected the path of a readable file holding an unencrypted PEM private key' });
  if (certificate !== null && privateKey !== null && !certificate.checkPrivateKey(privateKey)) {
    problems.push({ variable: 'TLS_KEY_FILE', expected: 'expected the private key of the certificate in TLS_CERT_FILE (this key does not match it)' });
  }
  const warnings: string[] = [];
  if (certificate !== null && new Date(certificate.validTo) < now) {
    warnings.push(`TLS_CERT_FILE: the certificate expired on ${new Date(certificate.validTo).toISOString()}; browsers will refuse it.`);
  }
  return { tls: problems.length === 0 ? tls : undefined, problems, warnings };
}

function parseOrNull<T extends X509Certificate | KeyObject>(file: string, parse: (pem: Buffer) => T): T | null {
  try {
    return parse(readFileSync(file));
  } catch {
    // Unreadable, a directory, or not PEM: the caller names the variable; the file's contents stay out of messages.
    return null;
  }
}

/** The certificate and key for Fastify's `https` option, read when the server is built. */
export function readTlsCredentials(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}
