import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, SECRET_VARIABLES, describeConfig, loadConfig, maskUrlCredentials } from '../../src/config/index.js';
import { generatedSecret } from '../helpers/backends.js';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-config-'));
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { cwd: tempDir() });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems.map((problem) => problem.variable);
    throw error;
  }
  return [];
}

function errorMessageOf(env: Record<string, string>): string {
  try {
    loadConfig(env, { cwd: tempDir() });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('configuration from the environment', () => {
  it('applies the documented defaults and freezes the result', () => {
    const { config } = loadConfig({ JWT_SECRET_KEY: generatedSecret() }, { cwd: tempDir() });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 8000,
      logLevel: 'info',
      accessTokenExpireMinutes: 15,
      refreshTokenExpireDays: 7,
      corsOrigins: [],
      cookieSecure: false,
      databaseUrl: undefined,
      redisUrl: undefined,
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('converts numbers, booleans and origin lists', () => {
    const { config } = loadConfig(
      {
        JWT_SECRET_KEY: generatedSecret(),
        PORT: '9001',
        COOKIE_SECURE: 'true',
        ACCESS_TOKEN_EXPIRE_MINUTES: '5',
        CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      },
      { cwd: tempDir() },
    );
    expect(config.port).toBe(9001);
    expect(config.cookieSecure).toBe(true);
    expect(config.accessTokenExpireMinutes).toBe(5);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('treats an empty value as unset', () => {
    const { config } = loadConfig({ JWT_SECRET_KEY: generatedSecret(), REDIS_URL: '', PORT: ' ' }, { cwd: tempDir() });
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(8000);
  });

  it('lists every invalid variable at once, with what is expected', () => {
    const message = errorMessageOf({
      PORT: 'eighty',
      NODE_ENV: 'staging',
      LOG_LEVEL: 'loud',
      ACCESS_TOKEN_EXPIRE_MINUTES: '0',
      REFRESH_TOKEN_EXPIRE_DAYS: '1.5',
      DATABASE_URL: 'mysql://db',
      REDIS_URL: 'http://cache',
      COOKIE_SECURE: 'maybe',
      CORS_ORIGINS: '*',
    });
    for (const variable of ['PORT', 'NODE_ENV', 'LOG_LEVEL', 'ACCESS_TOKEN_EXPIRE_MINUTES', 'REFRESH_TOKEN_EXPIRE_DAYS', 'DATABASE_URL', 'REDIS_URL', 'COOKIE_SECURE']) {
      expect(message).toMatch(new RegExp(`- ${variable}: expected `));
    }
    expect(message).toContain('9 environment variables are missing or invalid');
    expect(message).toContain('a TCP port from 0 to 65535');
  });

  it.each([
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['CORS_ORIGINS', '*'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['REDIS_KEY_PREFIX', 'a b'],
  ])('rejects %s=%s', (variable, value) => {
    expect(problemsOf({ JWT_SECRET_KEY: generatedSecret(), [variable]: value })).toEqual([variable]);
  });

  it('never prints a value it received, even an invalid one', () => {
    const canary = 'CANARY-ffd81b2c-not-a-url';
    const message = errorMessageOf({ DATABASE_URL: canary, REDIS_URL: canary, PORT: canary, NODE_ENV: 'production', JWT_SECRET_KEY: 'short-CANARY' });
    expect(message).not.toContain('CANARY');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('JWT_SECRET_KEY');
  });
});

describe('production refuses weak configuration', () => {
  const production = { NODE_ENV: 'production', COOKIE_SECURE: 'true', SMTP_URL: 'smtp://mail.example.com:587' };

  it('accepts a strong secret with secure cookies', () => {
    const { config } = loadConfig({ ...production, JWT_SECRET_KEY: generatedSecret() }, { cwd: tempDir() });
    expect(config.isProduction).toBe(true);
    expect(config.cookieSecure).toBe(true);
  });

  it('secure cookies are the production default', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET_KEY: generatedSecret(), SMTP_URL: 'smtp://mail.example.com:587' }, { cwd: tempDir() }).config.cookieSecure).toBe(true);
  });

  it.each([
    ['a missing JWT_SECRET_KEY', {}, ['JWT_SECRET_KEY']],
    ['a JWT_SECRET_KEY under 32 bytes', { JWT_SECRET_KEY: 'x'.repeat(10) + 'abcdefghijklmnopqrstu' }, ['JWT_SECRET_KEY']],
    ['a placeholder JWT_SECRET_KEY', { JWT_SECRET_KEY: 'your-secret-key-here-change-me-in-production' }, ['JWT_SECRET_KEY']],
    ['a repeated-character JWT_SECRET_KEY', { JWT_SECRET_KEY: 'a'.repeat(64) }, ['JWT_SECRET_KEY']],
    ['COOKIE_SECURE=false', { JWT_SECRET_KEY: generatedSecret(), COOKIE_SECURE: 'false' }, ['COOKIE_SECURE']],
    ['both at once', { COOKIE_SECURE: 'false' }, ['JWT_SECRET_KEY', 'COOKIE_SECURE']],
    ['a missing SMTP_URL', { JWT_SECRET_KEY: generatedSecret(), SMTP_URL: '' }, ['SMTP_URL']],
  ])('refuses %s', (_name, env: Record<string, string>, expected) => {
    expect(problemsOf({ ...production, ...env })).toEqual(expected);
  });

  it('does not generate a key in production', () => {
    const cwd = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: 'state' }, { cwd })).toThrow(ConfigurationError);
    expect(() => statSync(path.join(cwd, 'state', 'jwt-secret.key'))).toThrow();
  });
});

describe('development signing key', () => {
  it('is generated once with mode 0600, reused on restart, and never logged', () => {
    const cwd = tempDir();
    const first = loadConfig({ DATA_DIR: 'state' }, { cwd });
    const keyFile = path.join(cwd, 'state', 'jwt-secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.config.jwtSecretSource).toBe('generated-file');
    expect(Buffer.byteLength(first.config.jwtSecretKey)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(keyFile, 'utf8')).toBe(first.config.jwtSecretKey);
    expect(first.warnings.join('\n')).toMatch(/JWT_SECRET_KEY is not set/);

    const second = loadConfig({ DATA_DIR: 'state' }, { cwd });
    expect(second.config.jwtSecretKey).toBe(first.config.jwtSecretKey);
    for (const warning of [...first.warnings, ...second.warnings]) expect(warning).not.toContain(first.config.jwtSecretKey);
  });
});

describe('previous signing keys (JWT_PREVIOUS_SECRET_KEYS)', () => {
  const production = { NODE_ENV: 'production', COOKIE_SECURE: 'true', SMTP_URL: 'smtp://mail.example.com:587' };

  it('is empty when unset, and a comma-separated list otherwise (blanks and repeats dropped, order kept)', () => {
    expect(loadConfig({ JWT_SECRET_KEY: generatedSecret() }, { cwd: tempDir() }).config.jwtPreviousSecretKeys).toEqual([]);
    const [first, second] = [generatedSecret(), generatedSecret()];
    const { config } = loadConfig({ ...production, JWT_SECRET_KEY: generatedSecret(), JWT_PREVIOUS_SECRET_KEYS: ` ${first} ,, ${second},${first}` }, { cwd: tempDir() });
    expect(config.jwtPreviousSecretKeys).toEqual([first, second]);
    expect(Object.isFrozen(config.jwtPreviousSecretKeys)).toBe(true);
  });

  it.each<[string, (current: string) => string, Record<string, string>]>([
    ['more than 5 keys', () => Array.from({ length: 6 }, generatedSecret).join(','), {}],
    ['the current key among them', (current) => `${generatedSecret()},${current}`, {}],
    ['a key under 32 bytes in production', () => `${generatedSecret()},${randomBytes(12).toString('base64url')}`, production],
    ['a placeholder key in production', () => 'your-previous-secret-key-change-me-in-production', production],
  ])('refuses %s, naming the variable without quoting a key', (_name, previous, env) => {
    const current = generatedSecret();
    const value = previous(current);
    expect(problemsOf({ ...env, JWT_SECRET_KEY: current, JWT_PREVIOUS_SECRET_KEYS: value })).toEqual(['JWT_PREVIOUS_SECRET_KEYS']);
    const message = errorMessageOf({ ...env, JWT_SECRET_KEY: current, JWT_PREVIOUS_SECRET_KEYS: value });
    for (const key of value.split(',')) expect(message).not.toContain(key);
    expect(message).not.toContain(current);
  });

  it('development accepts a short previous key with a warning that does not quote it', () => {
    const short = randomBytes(12).toString('base64url');
    const { config, warnings } = loadConfig({ JWT_SECRET_KEY: generatedSecret(), JWT_PREVIOUS_SECRET_KEYS: short }, { cwd: tempDir() });
    expect(config.jwtPreviousSecretKeys).toEqual([short]);
    expect(warnings.join('\n')).toMatch(/JWT_PREVIOUS_SECRET_KEYS holds a key shorter than 32 bytes/);
    expect(warnings.join('\n')).not.toContain(short);
  });

  it('refuses the generated development key as a previous key', () => {
    const cwd = tempDir();
    const generated = loadConfig({ DATA_DIR: 'state' }, { cwd }).config.jwtSecretKey;
    expect(() => loadConfig({ DATA_DIR: 'state', JWT_PREVIOUS_SECRET_KEYS: generated }, { cwd })).toThrow(ConfigurationError);
  });

  it('is a secret: masked for display with only how many keys there are', () => {
    const [first, second] = [generatedSecret(), generatedSecret()];
    const { config } = loadConfig({ JWT_SECRET_KEY: generatedSecret(), JWT_PREVIOUS_SECRET_KEYS: `${first},${second}` }, { cwd: tempDir() });
    const shown = describeConfig(config);
    expect(shown.JWT_PREVIOUS_SECRET_KEYS).toBe('******** (2 previous keys)');
    expect(JSON.stringify(shown)).not.toContain(first);
    expect(JSON.stringify(shown)).not.toContain(second);
    expect(SECRET_VARIABLES).toContain('JWT_PREVIOUS_SECRET_KEYS');
    expect(describeConfig(loadConfig({ JWT_SECRET_KEY: generatedSecret() }, { cwd: tempDir() }).config).JWT_PREVIOUS_SECRET_KEYS).toBeNull();
  });
});

describe('the authenticator-app encryption key (MFA_ENCRYPTION_KEY)', () => {
  const production = { NODE_ENV: 'production', COOKIE_SECURE: 'true', SMTP_URL: 'smtp://mail.example.com:587' };
  const key = (): string => randomBytes(32).toString('base64');

  it('development generates one into DATA_DIR (0600) and reuses it; it is never printed', () => {
    const cwd = tempDir();
    const first = loadConfig({ DATA_DIR: 'state' }, { cwd });
    const keyFile = path.join(cwd, 'state', 'mfa-encryption.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.config.mfaEncryptionKeySource).toBe('generated-file');
    expect(first.config.mfaEncryptionKey?.length).toBe(32);
    expect(loadConfig({ DATA_DIR: 'state' }, { cwd }).config.mfaEncryptionKey?.equals(first.config.mfaEncryptionKey ?? Buffer.alloc(0))).toBe(true);
    const shown = JSON.stringify(describeConfig(first.config)) + first.warnings.join('\n');
    expect(shown).not.toContain(readFileSync(keyFile, 'utf8'));
  });

  it('production without it starts (setting up an app is refused until it is set) and generates nothing', () => {
    const cwd = tempDir();
    const { config } = loadConfig({ ...production, JWT_SECRET_KEY: generatedSecret(), DATA_DIR: 'state' }, { cwd });
    expect(config.mfaEncryptionKey).toBeUndefined();
    expect(() => statSync(path.join(cwd, 'state', 'mfa-encryption.key'))).toThrow();
  });

  it('takes 32 bytes of base64 from the environment, masked for display', () => {
    const value = key();
    const { config } = loadConfig({ ...production, JWT_SECRET_KEY: generatedSecret(), MFA_ENCRYPTION_KEY: value }, { cwd: tempDir() });
    expect(config.mfaEncryptionKey?.equals(Buffer.from(value, 'base64'))).toBe(true);
    expect(JSON.stringify(describeConfig(config))).not.toContain(value);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['not base64', `${'!'.repeat(43)}=`],
    ['a placeholder of one repeated byte', Buffer.alloc(32, 7).toString('base64')],
  ])('refuses a key that is %s, naming the variable without quoting it', (_name, value) => {
    expect(problemsOf({ ...production, JWT_SECRET_KEY: generatedSecret(), MFA_ENCRYPTION_KEY: value })).toEqual(['MFA_ENCRYPTION_KEY']);
    expect(errorMessageOf({ ...production, JWT_SECRET_KEY: generatedSecret(), MFA_ENCRYPTION_KEY: value })).not.toContain(value);
  });
});

describe('masking for display', () => {
  it('masks passwords inside URLs', () => {
    expect(maskUrlCredentials('postgres://app:s3cr3t-CANARY@db.internal:5432/app')).toBe('postgres://app:********@db.internal:5432/app');
    expect(maskUrlCredentials('redis://:CANARY@cache:6379/0')).toBe('redis://:********@cache:6379/0');
    expect(maskUrlCredentials('postgres://db/app?password=CANARY&sslmode=require')).not.toContain('CANARY');
    expect(maskUrlCredentials('redis://cache:6379')).toBe('redis://cache:6379');
  });

  it('describes the configuration with every secret masked', () => {
    const secret = generatedSecret();
    const { config } = loadConfig(
      { JWT_SECRET_KEY: secret, DATABASE_URL: 'postgres://app:pw-CANARY@127.0.0.1:1/app', REDIS_URL: 'redis://user:pw-CANARY@127.0.0.1:1' },
      { cwd: tempDir() },
    );
    const shown = JSON.stringify(describeConfig(config));
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('CANARY');
    expect(shown).toContain('postgres://app:********@127.0.0.1:1/app');
  });
});
