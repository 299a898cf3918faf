import { createHmac, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, ownSecretsOf } from '../../src/observability/index.js';
import type { SecretKind } from '../../src/observability/log-scrubber.js';
import { securityMetrics } from '../../src/observability/metrics.js';

async function leaks(kind: SecretKind): Promise<number> {
  return (await securityMetrics.logSecretLeaks.get()).values.find((value) => value.labels.kind === kind)?.value ?? 0;
}

const jwtKey = randomBytes(48).toString('base64url');
const previousJwtKey = randomBytes(48).toString('base64url');
const metricsToken = randomBytes(32).toString('base64url');
const redisPassword = `redis-${randomBytes(12).toString('hex')}`;
const own = ownSecretsOf({ jwtSecretKey: jwtKey, jwtPreviousSecretKeys: [previousJwtKey], metricsToken, redisUrl: `redis://default:${redisPassword}@cache:6379/0` });

function capturingLogger(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { logger: createLogger({ level: 'info', destination, ownSecrets: own }), output: () => chunks.join('') };
}

const canary = (): string => `CANARY${randomBytes(8).toString('hex')}`;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT-shaped string signed with `key` (ours, or anyone's). */
const jwtSignedWith = (key: string): string => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64({ sub: randomBytes(6).toString('hex') })}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
};
const allKinds = ['bearer_token', 'url_password', 'jwt', 'configured_secret'] as const;

describe('security_log_secret_leaks_total (the CredentialLeak alert): only our own secrets count', () => {
  it.each([
    ['bearer_token', 'a token signed with our key', () => jwtSignedWith(jwtKey), (secret: string) => `calling upstream with Authorization: Bearer ${secret}`],
    ['bearer_token', 'the configured metrics token', () => metricsToken, (secret: string) => `scraping with Authorization: Bearer ${secret}`],
    ['url_password', 'our Redis password', () => redisPassword, (secret: string) => `connecting to redis://default:${secret}@cache:6379/0`],
    ['jwt', 'a token signed with our key', () => jwtSignedWith(jwtKey), (secret: string) => `issued ${secret} to a client`],
    ['jwt', 'a token signed with a previous key (JWT_PREVIOUS_SECRET_KEYS)', () => jwtSignedWith(previousJwtKey), (secret: string) => `issued ${secret} to a client`],
    ['configured_secret', 'the signing key itself', () => jwtKey, (secret: string) => `loaded key ${secret}`],
    ['configured_secret', 'a previous signing key', () => previousJwtKey, (secret: string) => `loaded key ${secret}`],
  ] as const)('counts a %s (%s), and masks it', async (kind, _what, secret, message) => {
    const { logger, output } = capturingLogger();
    const before = await leaks(kind);
    const value = secret();
    logger.warn(message(value));
    expect(output()).toContain('********');
    expect(output()).not.toContain(value);
    expect(await leaks(kind)).toBe(before + 1);
  });

  it.each([
    ['a JWT-shaped string signed with another key', () => `GET /api/v1/dtc/search?q=${jwtSignedWith(randomBytes(32).toString('hex'))}`],
    ['a random bearer token', () => `Authorization: Bearer ${canary()}`],
    ['a URL with someone else’s password', () => `GET /api/v1/dtc/search?u=https://u:${canary()}@host.example/`],
  ])('masks %s a client could send, but counts nothing', async (_what, message) => {
    const { logger, output } = capturingLogger();
    const before = await Promise.all(allKinds.map(leaks));
    const line = message();
    logger.info(line);
    expect(output()).toContain('********');
    expect(await Promise.all(allKinds.map(leaks))).toEqual(before);
  });

  it('counts nothing for lines without secrets, or secrets redaction already removed by path', async () => {
    const { logger, output } = capturingLogger();
    const before = await Promise.all(allKinds.map(leaks));
    logger.info({ url: 'https://example.com/api/v1/dtc/P0301', status: 200 }, 'request completed');
    logger.info({ req: { headers: { authorization: `Bearer ${jwtSignedWith(jwtKey)}` } } }, 'redacted by path');
    expect(output()).toContain('[redacted]');
    expect(await Promise.all(allKinds.map(leaks))).toEqual(before);
  });
});
