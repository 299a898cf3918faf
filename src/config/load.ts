import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import Value from 'typebox/value';
import type { Config } from './config.js';
import { ConfigurationError, type ConfigurationProblem } from './errors.js';
import { environmentSchema, type Environment, type EnvironmentVariableName } from './schema.js';
import { checkTlsFiles } from './tls.js';

export interface LoadedConfig {
  readonly config: Config;
  /** Things an operator should know, worded without any secret value. */
  readonly warnings: readonly string[];
}

export interface LoadConfigOptions {
  /** Directory relative paths (DATA_DIR) are resolved against. Defaults to process.cwd(). */
  readonly cwd?: string;
}

const MINIMUM_SECRET_BYTES = 32;
/** Previous signing keys kept at once: one or two rotations in flight is the norm; more is a key nobody removed. */
export const MAX_PREVIOUS_SECRET_KEYS = 5;
const GENERATED_SECRET_FILE = 'jwt-secret.key';
const GENERATED_MFA_KEY_FILE = 'mfa-encryption.key';
const MFA_KEY_BYTES = 32;

/** Values that appear in tutorials and templates; a production secret equal to one is a mistake. */
const PLACEHOLDER_SECRET_PATTERNS: readonly RegExp[] = [
  /change[-_ ]?me/i,
  /changeit/i,
  /placeholder/i,
  /^your[-_ ]/i,
  /^(secret|password|jwt[-_]?secret|supersecret|default|example|test|dev)[-_ ]?(key)?$/i,
  /^(.)\1+$/, // one character repeated
  /^x+$/i,
];

const variableNames = Object.keys(environmentSchema.properties) as EnvironmentVariableName[];
const propertySchemas = environmentSchema.properties as Record<string, { type?: unknown; description?: string } | undefined>;

/**
 * Reads the environment into a typed, frozen {@link Config}. Throws one
 * {@link ConfigurationError} naming every bad variable; values are never quoted.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): LoadedConfig {
  const candidate: unknown = Value.Default(environmentSchema, collectRawValues(env));
  const problems = schemaProblems(candidate);
  const environment = candidate as Environment;
  const corsOrigins = problems.some((problem) => problem.variable === 'CORS_ORIGINS') ? [] : parseOrigins(environment.CORS_ORIGINS, problems);
  const isProduction = environment.NODE_ENV === 'production';
  const cookieSecure = environment.COOKIE_SECURE ?? isProduction;
  const trustProxy = parseTrustProxy(environment.TRUST_PROXY, problems);
  const cwd = options.cwd ?? process.cwd();
  const tlsCheck = checkTlsFiles(environment.TLS_CERT_FILE, environment.TLS_KEY_FILE, cwd);
  problems.push(...tlsCheck.problems);
  problems.push(...metricsListenerProblems(environment, problems));
  problems.push(...databaseUrlProblems(environment, problems));
  const previousKeys = parsePreviousKeys(environment.JWT_PREVIOUS_SECRET_KEYS);
  problems.push(...previousKeyProblems(previousKeys, environment.JWT_SECRET_KEY, isProduction));
  if (isProduction) problems.push(...productionProblems(environment, cookieSecure, problems));
  if (problems.length > 0 || !Value.Check(environmentSchema, candidate)) throw new ConfigurationError(problems);

  const warnings: string[] = [...tlsCheck.warnings];
  if (isProduction && environment.METRICS_TOKEN === undefined && environment.METRICS_PORT === undefined) {
    warnings.push('METRICS_TOKEN and METRICS_PORT are unset: /metrics is not served in production. Set one of them to let Prometheus scrape (see docs/DEPLOYMENT.md).');
  }
  const dataDir = path.resolve(cwd, environment.DATA_DIR);
  let jwtSecretKey = environment.JWT_SECRET_KEY;
  let jwtSecretSource: Config['jwtSecretSource'] = 'environment';
  if (jwtSecretKey === undefined) {
    jwtSecretKey = readOrCreateDevelopmentSecret(dataDir, warnings, JWT_DEVELOPMENT_SECRET);
    jwtSecretSource = 'generated-file';
  } else if (Buffer.byteLength(jwtSecretKey) < MINIMUM_SECRET_BYTES) {
    warnings.push(`JWT_SECRET_KEY is shorter than ${MINIMUM_SECRET_BYTES} bytes; production refuses such a key.`);
  }
  // The generated development key is only known now: a previous key equal to it would sign nothing new.
  if (environment.JWT_SECRET_KEY === undefined && previousKeys.includes(jwtSecretKey)) {
    throw new ConfigurationError([{ variable: 'JWT_PREVIOUS_SECRET_KEYS', expected: 'keys other than the current signing key' }]);
  }
  if (!isProduction && previousKeys.some((key) => Buffer.byteLength(key) < MINIMUM_SECRET_BYTES)) {
    warnings.push(`JWT_PREVIOUS_SECRET_KEYS holds a key shorter than ${MINIMUM_SECRET_BYTES} bytes; production refuses such a key.`);
  }

  let mfaEncryptionKey: Buffer | undefined;
  let mfaEncryptionKeySource: Config['mfaEncryptionKeySource'] = 'unset';
  if (environment.MFA_ENCRYPTION_KEY !== undefined) {
    mfaEncryptionKey = Buffer.from(environment.MFA_ENCRYPTION_KEY, 'base64');
    mfaEncryptionKeySource = 'environment';
  } else if (!isProduction) {
    mfaEncryptionKey = Buffer.from(readOrCreateDevelopmentSecret(dataDir, warnings, MFA_DEVELOPMENT_KEY), 'base64url');
    mfaEncryptionKeySource = 'generated-file';
  }

  const config: Config = Object.freeze({
    nodeEnv: environment.NODE_ENV,
    isProduction,
    host: environment.HOST,
    port: environment.PORT,
    logLevel: environment.LOG_LEVEL,
    dataDir,
    databaseUrl: environment.DATABASE_URL,
    redisUrl: environment.REDIS_URL,
    redisKeyPrefix: environment.REDIS_KEY_PREFIX,
    redisCluster: environment.REDIS_CLUSTER,
    jwtSecretKey,
    jwtPreviousSecretKeys: Object.freeze(previousKeys),
    jwtSecretSource,
    mfaEncryptionKey,
    mfaEncryptionKeySource,
    stepUpWindowMinutes: environment.STEP_UP_WINDOW_MINUTES,
    accessTokenExpireMinutes: environment.ACCESS_TOKEN_EXPIRE_MINUTES,
    refreshTokenExpireDays: environment.REFRESH_TOKEN_EXPIRE_DAYS,
    refreshRateLimitPerHour: environment.REFRESH_RATE_LIMIT_PER_HOUR,
    corsOrigins: Object.freeze(corsOrigins),
    cookieSecure,
    requireVerifiedEmail: environment.REQUIRE_VERIFIED_EMAIL,
    tls: tlsCheck.tls,
    trustProxy,
    xXssProtection: environment.X_XSS_PROTECTION,
    requestTimeoutMs: environment.REQUEST_TIMEOUT_MS,
    scanUploadMaxBytes: environment.SCAN_UPLOAD_MAX_BYTES,
    csrfTokensPerAddress: environment.CSRF_TOKENS_PER_ADDRESS,
    securityEventsRetentionDays: environment.SECURITY_EVENTS_RETENTION_DAYS,
    reminderMailIntervalMinutes: environment.REMINDER_MAIL_INTERVAL_MINUTES,
    securityEventsQueueLimit: environment.SECURITY_EVENTS_QUEUE_LIMIT,
    metricsToken: environment.METRICS_TOKEN,
    metricsPort: environment.METRICS_PORT,
    metricsHost: environment.METRICS_HOST,
    smtpUrl: environment.SMTP_URL,
    mailFrom: environment.MAIL_FROM,
    publicUrl: environment.PUBLIC_URL ?? `http://${environment.HOST.includes(':') ? `[${environment.HOST}]` : environment.HOST}:${environment.PORT}`,
  });
  return { config, warnings: Object.freeze(warnings) };
}

/**
 * DATABASE_URL must parse as the PostgreSQL driver will parse it: a URL
 * (brackets closed, a port from 1 to 65535) whose user name and password
 * are valid percent-encoding. Otherwise the driver fails later with a message
 * that names neither the variable nor the problem.
 */
function databaseUrlProblems(environment: Environment, problems: readonly ConfigurationProblem[]): ConfigurationProblem[] {
  const value = environment.DATABASE_URL;
  if (value === undefined || problems.some((problem) => problem.variable === 'DATABASE_URL')) return [];
  const problem = (expected: string): ConfigurationProblem[] => [{ variable: 'DATABASE_URL', expected }];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem('expected a well-formed PostgreSQL URL (postgres://user:password@host:5432/database; an IPv6 host in brackets; a port from 1 to 65535; special characters in the password percent-encoded)');
  }
  if (url.port === '0') return problem('expected a port from 1 to 65535');
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return problem('expected the user name and password percent-encoded (a % must start %XX)');
  }
  return [];
}

/** JWT_PREVIOUS_SECRET_KEYS as a list: comma-separated, blanks around and empty items ignored, a repeated key kept once. */
function parsePreviousKeys(value: string | undefined): string[] {
  if (value === undefined) return [];
  const keys = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return [...new Set(keys)];
}

/**
 * Previous keys must differ from the current one (a token's kid must name one
 * key) and be few; in production each must be as strong as JWT_SECRET_KEY,
 * since a token it signed is accepted like one signed with the current key.
 */
function previousKeyProblems(keys: readonly string[], currentKey: string | undefined, isProduction: boolean): ConfigurationProblem[] {
  const problem = (expected: string): ConfigurationProblem[] => [{ variable: 'JWT_PREVIOUS_SECRET_KEYS', expected }];
  if (keys.length > MAX_PREVIOUS_SECRET_KEYS) return problem(`at most ${MAX_PREVIOUS_SECRET_KEYS} keys (remove those older than REFRESH_TOKEN_EXPIRE_DAYS)`);
  if (currentKey !== undefined && keys.includes(currentKey)) return problem('keys other than JWT_SECRET_KEY (the current key is accepted anyway)');
  if (!isProduction) return [];
  if (keys.some((key) => Buffer.byteLength(key) < MINIMUM_SECRET_BYTES)) return problem(`each key at least ${MINIMUM_SECRET_BYTES} bytes in production`);
  if (keys.some((key) => PLACEHOLDER_SECRET_PATTERNS.some((pattern) => pattern.test(key)))) return problem('random secrets, not placeholders or template values');
  return [];
}

/** Strings from the environment, converted where the schema wants a number or boolean. Empty means unset. */
function collectRawValues(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const name of variableNames) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    raw[name] = convert(name, value.trim());
  }
  return raw;
}

function convert(name: EnvironmentVariableName, value: string): unknown {
  const schema = propertySchemas[name];
  if (schema?.type === 'integer') return /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (schema?.type === 'boolean') {
    const lowered = value.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
    if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  }
  return value;
}

/** Checks each variable on its own so one message can name every bad one. */
function schemaProblems(candidate: unknown): ConfigurationProblem[] {
  const values = candidate as Record<string, unknown>;
  return variableNames
    .filter((name) => values[name] !== undefined && !Value.Check(environmentSchema.properties[name], values[name]))
    .map((variable) => ({ variable, expected: expectationOf(variable) }));
}

function expectationOf(variable: string): string {
  const schema = propertySchemas[variable];
  return `expected ${schema?.description ?? 'a valid value'}`;
}

function parseOrigins(list: string, problems: ConfigurationProblem[]): string[] {
  const origins = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const valid = origins.every((origin) => {
    if (!URL.canParse(origin)) return false;
    const url = new URL(origin);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
  });
  if (!valid) problems.push({ variable: 'CORS_ORIGINS', expected: expectationOf('CORS_ORIGINS') });
  return origins;
}

/** `true`, `false`, or a list of IP addresses and CIDR ranges (what Fastify's `trustProxy` accepts, kept simple). */
function parseTrustProxy(value: string, problems: ConfigurationProblem[]): boolean | readonly string[] {
  const lowered = value.toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  const entries = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (entries.length === 0 || !entries.every(isAddressOrRange)) {
    problems.push({ variable: 'TRUST_PROXY', expected: expectationOf('TRUST_PROXY') });
    return false;
  }
  return Object.freeze(entries);
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Addresses the unauthenticated metrics listener may bind to: never a public interface, never 0.0.0.0. */
const PRIVATE_ADDRESSES = new BlockList();
PRIVATE_ADDRESSES.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE_ADDRESSES.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE_ADDRESSES.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE_ADDRESSES.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE_ADDRESSES.addAddress('::1', 'ipv6');
PRIVATE_ADDRESSES.addSubnet('fc00::', 7, 'ipv6');

/** Whether `address` is an IP literal in a loopback or private range. */
function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && PRIVATE_ADDRESSES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function metricsListenerProblems(environment: Environment, known: readonly ConfigurationProblem[]): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const reported = (variable: string): boolean => known.some((problem) => problem.variable === variable);
  // The listener has no authentication: only an address outsiders cannot reach will do.
  if (!reported('METRICS_HOST') && !isPrivateAddress(environment.METRICS_HOST)) problems.push({ variable: 'METRICS_HOST', expected: expectationOf('METRICS_HOST') });
  if (environment.METRICS_PORT !== undefined && environment.METRICS_PORT === environment.PORT && !reported('METRICS_PORT')) {
    problems.push({ variable: 'METRICS_PORT', expected: 'a port other than PORT (the API listener)' });
  }
  return problems;
}

function productionProblems(environment: Environment, cookieSecure: boolean, known: readonly ConfigurationProblem[]): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const secret = environment.JWT_SECRET_KEY;
  if (secret === undefined) {
    problems.push({ variable: 'JWT_SECRET_KEY', expected: `required in production: ${expectationOf('JWT_SECRET_KEY').slice('expected '.length)}` });
  } else if (Buffer.byteLength(secret) < MINIMUM_SECRET_BYTES) {
    problems.push({ variable: 'JWT_SECRET_KEY', expected: `at least ${MINIMUM_SECRET_BYTES} bytes in production (generate one with \`openssl rand -base64 48\`)` });
  } else if (PLACEHOLDER_SECRET_PATTERNS.some((pattern) => pattern.test(secret))) {
    problems.push({ variable: 'JWT_SECRET_KEY', expected: 'a random secret, not a placeholder or template value' });
  }
  const mfaKey = environment.MFA_ENCRYPTION_KEY;
  if (mfaKey !== undefined && !known.some((problem) => problem.variable === 'MFA_ENCRYPTION_KEY') && new Set(Buffer.from(mfaKey, 'base64')).size < 8) {
    problems.push({ variable: 'MFA_ENCRYPTION_KEY', expected: 'random bytes, not a placeholder (generate one with `openssl rand -base64 32`)' });
  }
  if (environment.SMTP_URL === undefined) {
    problems.push({ variable: 'SMTP_URL', expected: 'required in production: an SMTP URL, so password-reset mail can be sent (smtp://user:password@host:587)' });
  }
  const metricsToken = environment.METRICS_TOKEN;
  if (metricsToken !== undefined && Buffer.byteLength(metricsToken) < MINIMUM_SECRET_BYTES) {
    problems.push({ variable: 'METRICS_TOKEN', expected: `at least ${MINIMUM_SECRET_BYTES} bytes in production (generate one with \`openssl rand -base64 48\`)` });
  } else if (metricsToken !== undefined && PLACEHOLDER_SECRET_PATTERNS.some((pattern) => pattern.test(metricsToken))) {
    problems.push({ variable: 'METRICS_TOKEN', expected: 'a random secret, not a placeholder or template value' });
  }
  // An unparseable COOKIE_SECURE is already reported; do not report it twice.
  if (!cookieSecure && !known.some((problem) => problem.variable === 'COOKIE_SECURE')) {
    problems.push({ variable: 'COOKIE_SECURE', expected: 'true in production (cookies must only travel over HTTPS)' });
  }
  return problems;
}

/** A secret that development generates into DATA_DIR when its variable is unset. */
interface DevelopmentSecret {
  readonly variable: EnvironmentVariableName;
  readonly file: string;
  readonly generate: () => string;
  readonly isUsable: (secret: string) => boolean;
  readonly requirement: string;
}

const JWT_DEVELOPMENT_SECRET: DevelopmentSecret = {
  variable: 'JWT_SECRET_KEY',
  file: GENERATED_SECRET_FILE,
  generate: () => randomBytes(48).toString('base64url'),
  isUsable: (secret) => Buffer.byteLength(secret) >= MINIMUM_SECRET_BYTES,
  requirement: `of at least ${MINIMUM_SECRET_BYTES} bytes`,
};

const MFA_DEVELOPMENT_KEY: DevelopmentSecret = {
  variable: 'MFA_ENCRYPTION_KEY',
  file: GENERATED_MFA_KEY_FILE,
  generate: () => randomBytes(MFA_KEY_BYTES).toString('base64url'),
  isUsable: (secret) => /^[A-Za-z0-9_-]{43}$/.test(secret),
  requirement: `holding ${MFA_KEY_BYTES} bytes in base64url`,
};

/**
 * Development and test only: a secret generated once and kept in DATA_DIR
 * (mode 0600), so tokens and encrypted secrets survive restarts without any setup.
 */
function readOrCreateDevelopmentSecret(dataDir: string, warnings: string[], secret: DevelopmentSecret): string {
  const secretPath = path.join(dataDir, secret.file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(secretPath)) {
    try {
      writeFileSync(secretPath, secret.generate(), { mode: 0o600, flag: 'wx' });
      warnings.push(`${secret.variable} is not set: generated a development key in ${secretPath} (mode 0600). Set ${secret.variable} in production.`);
    } catch (error) {
      // Another process created it first: read theirs.
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  } else {
    warnings.push(`${secret.variable} is not set: using the development key in ${secretPath}. Set ${secret.variable} in production.`);
  }
  if ((statSync(secretPath).mode & 0o077) !== 0) chmodSync(secretPath, 0o600);
  const value = readFileSync(secretPath, 'utf8').trim();
  if (!secret.isUsable(value)) {
    throw new ConfigurationError([{ variable: secret.variable, expected: `set, or a generated key file ${secret.requirement} at ${secretPath}` }]);
  }
  return value;
}
