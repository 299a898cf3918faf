import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, checkTlsFiles, describeConfig, loadConfig } from '../../src/config/index.js';
import { generatedSecret } from '../helpers/backends.js';
import { throwawayCertificate, type ThrowawayCertificate } from '../helpers/certificates.js';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-config-tls-'));
}

function load(env: Record<string, string>, cwd: string = tempDir()) {
  return loadConfig({ JWT_SECRET_KEY: generatedSecret(), ...env }, { cwd });
}

function configurationErrorOf(env: Record<string, string>, cwd?: string): ConfigurationError {
  try {
    load(env, cwd);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

function problemsOf(env: Record<string, string>, cwd?: string): string[] {
  return configurationErrorOf(env, cwd).problems.map((problem) => problem.variable);
}

/** Lines of a PEM file that are its secret body (not the BEGIN/END armour). */
function pemBodyLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 20 && !line.startsWith('-----'));
}

describe('TLS_CERT_FILE and TLS_KEY_FILE', () => {
  let pair: ThrowawayCertificate;
  let otherPair: ThrowawayCertificate;

  beforeAll(() => {
    pair = throwawayCertificate();
    otherPair = throwawayCertificate();
  });

  it('leaves TLS off when neither is set', () => {
    expect(load({}).config.tls).toBeUndefined();
  });

  it('accepts a certificate and its key, as absolute paths', () => {
    const { config } = load({ TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: pair.keyFile });
    expect(config.tls).toEqual({ certFile: pair.certFile, keyFile: pair.keyFile });
    expect(Object.isFrozen(config.tls)).toBe(true);
  });

  it('resolves relative paths against the working directory', () => {
    const { config } = load({ TLS_CERT_FILE: 'cert.pem', TLS_KEY_FILE: './key.pem' }, pair.directory);
    expect(config.tls).toEqual({ certFile: pair.certFile, keyFile: pair.keyFile });
  });

  it.each([
    ['only the certificate', { TLS_CERT_FILE: 'cert' }, ['TLS_KEY_FILE'], /TLS_KEY_FILE: expected together with TLS_CERT_FILE/],
    ['only the key', { TLS_KEY_FILE: 'key' }, ['TLS_CERT_FILE'], /TLS_CERT_FILE: expected together with TLS_KEY_FILE/],
  ])('refuses %s', (_name, env: Record<string, string>, variables, message) => {
    const filled = Object.fromEntries(Object.entries(env).map(([name, kind]) => [name, kind === 'cert' ? pair.certFile : pair.keyFile]));
    const error = configurationErrorOf(filled);
    expect(error.problems.map((problem) => problem.variable)).toEqual(variables);
    expect(error.message).toMatch(message);
  });

  it('names a certificate file that does not exist or is a directory', () => {
    const directory = tempDir();
    mkdirSync(path.join(directory, 'a-directory'));
    expect(problemsOf({ TLS_CERT_FILE: path.join(directory, 'missing.pem'), TLS_KEY_FILE: pair.keyFile })).toEqual(['TLS_CERT_FILE']);
    expect(problemsOf({ TLS_CERT_FILE: path.join(directory, 'a-directory'), TLS_KEY_FILE: pair.keyFile })).toEqual(['TLS_CERT_FILE']);
  });

  it('names a key that does not belong to the certificate', () => {
    const error = configurationErrorOf({ TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: otherPair.keyFile });
    expect(error.problems.map((problem) => problem.variable)).toEqual(['TLS_KEY_FILE']);
    expect(error.message).toMatch(/does not match/);
  });

  it('names both files when they are swapped', () => {
    expect(problemsOf({ TLS_CERT_FILE: pair.keyFile, TLS_KEY_FILE: pair.certFile })).toEqual(['TLS_CERT_FILE', 'TLS_KEY_FILE']);
  });

  it('never prints what the files contain', () => {
    const directory = tempDir();
    const canaryFile = path.join(directory, 'not-a-certificate.pem');
    writeFileSync(canaryFile, '-----BEGIN CERTIFICATE-----\nCANARY-5c1f0e-this-is-not-base64\n-----END CERTIFICATE-----\n');
    const messages = [
      configurationErrorOf({ TLS_CERT_FILE: canaryFile, TLS_KEY_FILE: canaryFile }).message,
      configurationErrorOf({ TLS_CERT_FILE: pair.keyFile, TLS_KEY_FILE: pair.certFile }).message,
      configurationErrorOf({ TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: otherPair.keyFile, NODE_ENV: 'production', COOKIE_SECURE: 'true' }).message,
    ].join('\n');
    expect(messages).not.toContain('CANARY');
    for (const line of [...pemBodyLines(pair.keyFile), ...pemBodyLines(otherPair.keyFile), ...pemBodyLines(pair.certFile)]) {
      expect(messages).not.toContain(line);
    }
  });

  it('warns (without the contents) when the certificate has expired', () => {
    const twoDaysAhead = new Date(Date.now() + 2 * 86_400_000);
    const check = checkTlsFiles(pair.certFile, pair.keyFile, tempDir(), twoDaysAhead);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([expect.stringMatching(/^TLS_CERT_FILE: the certificate expired on \d{4}-\d\d-\d\dT/)]);
    expect(checkTlsFiles(pair.certFile, pair.keyFile, tempDir()).warnings).toEqual([]);
  });

  it('shows the paths, never the contents, when the configuration is described', () => {
    const { config } = load({ TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: pair.keyFile });
    const described = describeConfig(config);
    expect(described.TLS_CERT_FILE).toBe(pair.certFile);
    expect(described.TLS_KEY_FILE).toBe(pair.keyFile);
    const shown = JSON.stringify(described);
    for (const line of pemBodyLines(pair.keyFile)) expect(shown).not.toContain(line);
    expect(describeConfig(load({}).config)).toMatchObject({ TLS_CERT_FILE: null, TLS_KEY_FILE: null });
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['True', true],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.1, 192.168.0.0/16 ,::1,fd00::/8', ['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8']],
    ['0.0.0.0/0', ['0.0.0.0/0']],
  ])('reads %s as %j', (value, expected) => {
    const { config } = load(value === undefined ? {} : { TRUST_PROXY: value });
    expect(config.trustProxy).toEqual(expected);
    expect(describeConfig(config).TRUST_PROXY).toEqual(expected);
  });

  it.each(['yes', '1', 'loopback', '10.0.0.0/33', 'fd00::/129', '300.1.1.1', '10.0.0.1/8/1', '10.0.0.0/', '10.0.0.1,not-an-address', ',', 'proxy.internal'])(
    'refuses %j',
    (value) => {
      const error = configurationErrorOf({ TRUST_PROXY: value });
      expect(error.problems.map((problem) => problem.variable)).toEqual(['TRUST_PROXY']);
      expect(error.message).toContain('true, false, or a comma-separated list of proxy IP addresses or CIDR ranges');
    },
  );

  it('freezes the address list', () => {
    const { config } = load({ TRUST_PROXY: '10.0.0.1' });
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
  });
});

describe('X_XSS_PROTECTION', () => {
  it('defaults to the seed value and accepts 0', () => {
    expect(load({}).config.xXssProtection).toBe('1; mode=block');
    expect(load({ X_XSS_PROTECTION: '0' }).config.xXssProtection).toBe('0');
    expect(load({ X_XSS_PROTECTION: ' 1; mode=block ' }).config.xXssProtection).toBe('1; mode=block');
    expect(describeConfig(load({ X_XSS_PROTECTION: '0' }).config).X_XSS_PROTECTION).toBe('0');
  });

  it.each(['1', '1;mode=block', 'off', 'false', '1; report=https://evil.example'])('refuses %j, naming the two accepted values', (value) => {
    const error = configurationErrorOf({ X_XSS_PROTECTION: value });
    expect(error.problems.map((problem) => problem.variable)).toEqual(['X_XSS_PROTECTION']);
    expect(error.message).toContain('"1; mode=block" (the default) or "0"');
  });
});
