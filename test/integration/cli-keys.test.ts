import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIGURATION_ERROR, MAX_PREVIOUS_SECRET_KEYS } from '../../src/config/index.js';
import { keyIdOf } from '../../src/security/tokens.js';
import { generatedSecret } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';

/** `autocognitix keys rotate` (issue 19): the rotation steps and key ids, never a key. */

const DAY_MS = 86_400_000;

function environment(env: Record<string, string>): Record<string, string> {
  return { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-keys-')), ...env };
}

describe('autocognitix keys rotate', () => {
  it('prints numbered steps, the kid of the current and each previous key, and the date the replaced key may go, and no key', async () => {
    const [current, older, oldest] = [generatedSecret(), generatedSecret(), generatedSecret()];
    const startedAt = Date.now();
    const result = await runCli(['keys', 'rotate'], environment({ JWT_SECRET_KEY: current, JWT_PREVIOUS_SECRET_KEYS: `${older},${oldest}`, REFRESH_TOKEN_EXPIRE_DAYS: '3' }));
    const finishedAt = Date.now();
    expect(result.code, result.output).toBe(0);
    for (const key of [current, older, oldest]) expect(result.output).not.toContain(key);
    expect(result.stdout).toMatch(new RegExp(`current\\s+JWT_SECRET_KEY\\s+kid ${keyIdOf(current)}`));
    expect(result.stdout).toMatch(new RegExp(`previous\\s+JWT_PREVIOUS_SECRET_KEYS\\s+kid ${keyIdOf(older)}, kid ${keyIdOf(oldest)}`));
    expect(result.stdout).toContain('openssl rand -base64 48');
    for (const step of [1, 2, 3, 4, 5, 6]) expect(result.stdout).toMatch(new RegExp(`^  ${step}\\. `, 'm'));
    expect(result.stdout).toMatch(/Restart every instance/);

    // REFRESH_TOKEN_EXPIRE_DAYS + 1 day from now, to the minute, in UTC.
    const printed = /On or after (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC \(REFRESH_TOKEN_EXPIRE_DAYS=3 \+ 1 day/.exec(result.stdout);
    expect(printed, result.stdout).not.toBeNull();
    const removeAfter = Date.parse(`${printed?.[1] ?? ''}T${printed?.[2] ?? ''}:00Z`);
    expect(removeAfter).toBeGreaterThan(startedAt + 4 * DAY_MS - 60_000);
    expect(removeAfter).toBeLessThanOrEqual(finishedAt + 4 * DAY_MS);
  });

  it('says when there are no previous keys, and when the list is full', async () => {
    const none = await runCli(['keys', 'rotate'], environment({ JWT_SECRET_KEY: generatedSecret() }));
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/JWT_PREVIOUS_SECRET_KEYS\s+\(none\)/);

    const full = Array.from({ length: MAX_PREVIOUS_SECRET_KEYS }, generatedSecret);
    const result = await runCli(['keys', 'rotate'], environment({ JWT_SECRET_KEY: generatedSecret(), JWT_PREVIOUS_SECRET_KEYS: full.join(',') }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`JWT_PREVIOUS_SECRET_KEYS is full (${MAX_PREVIOUS_SECRET_KEYS} keys)`);
    for (const key of full) expect(result.output).not.toContain(key);
  });

  it('marks the generated development key as such', async () => {
    const result = await runCli(['keys', 'rotate'], environment({}));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kid [A-Za-z0-9_-]{16} \(generated development key in DATA_DIR\)/);
  });

  it('a bad JWT_PREVIOUS_SECRET_KEYS is exit 78 naming the variable, without quoting a key', async () => {
    const current = generatedSecret();
    const result = await runCli(['keys', 'rotate'], environment({ JWT_SECRET_KEY: current, JWT_PREVIOUS_SECRET_KEYS: current }));
    expect(result.code).toBe(EXIT_CONFIGURATION_ERROR);
    expect(result.output).toContain('JWT_PREVIOUS_SECRET_KEYS');
    expect(result.output).not.toContain(current);
  });

  it('is listed in the help', async () => {
    const result = await runCli(['keys', '--help'], environment({}));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/rotate\s+print the steps that rotate the signing key/);
  });
});
