import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.js';
import type { SecretKind } from '../../src/observability/log-scrubber.js';
import { securityMetrics } from '../../src/observability/metrics.js';

async function leaks(kind: SecretKind): Promise<number> {
  return (await securityMetrics.logSecretLeaks.get()).values.find((value) => value.labels.kind === kind)?.value ?? 0;
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { logger: createLogger({ level: 'info', destination }), output: () => chunks.join('') };
}

const canary = (): string => `CANARY${randomBytes(8).toString('hex')}`;
const fakeJwt = (): string => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI${randomBytes(6).toString('hex')}In0.${randomBytes(16).toString('base64url')}`;

describe('security_log_secret_leaks_total (the CredentialLeak alert)', () => {
  it.each([
    ['bearer_token', (secret: string) => `calling upstream with Authorization: Bearer ${secret}`],
    ['url_password', (secret: string) => `connecting to redis://default:${secret}@cache:6379/0`],
  ] as const)('counts a %s the scrubber had to mask, and masks it', async (kind, message) => {
    const { logger, output } = capturingLogger();
    const secret = canary();
    const before = await leaks(kind);
    logger.warn(message(secret));
    expect(output()).toContain('********');
    expect(output()).not.toContain(secret);
    expect(await leaks(kind)).toBe(before + 1);
  });

  it('counts a JWT in a field no redaction path covers', async () => {
    const { logger, output } = capturingLogger();
    const token = fakeJwt();
    const before = await leaks('jwt');
    logger.info({ upstreamResponse: { note: `issued ${token}` } }, 'careless dump');
    expect(output()).not.toContain(token);
    expect(await leaks('jwt')).toBe(before + 1);
  });

  it('counts nothing for lines without secrets, or secrets redaction already removed by path', async () => {
    const { logger, output } = capturingLogger();
    const before = await Promise.all((['bearer_token', 'url_password', 'jwt'] as const).map(leaks));
    logger.info({ url: 'https://example.com/api/v1/dtc/P0301', status: 200 }, 'request completed');
    logger.info({ req: { headers: { authorization: `Bearer ${canary()}` } } }, 'redacted by path');
    expect(output()).toContain('[redacted]');
    expect(await Promise.all((['bearer_token', 'url_password', 'jwt'] as const).map(leaks))).toEqual(before);
  });
});
