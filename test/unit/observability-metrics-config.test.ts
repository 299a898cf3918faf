import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, SECRET_VARIABLES, describeConfig, loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { mainPortMetricsAccess } from '../../src/http/metrics.js';
import { generatedSecret } from '../helpers/backends.js';

const production = (): Record<string, string> => ({ NODE_ENV: 'production', COOKIE_SECURE: 'true', JWT_SECRET_KEY: generatedSecret(), SMTP_URL: 'smtp://mail.example.com:587' });

function load(env: Record<string, string>): LoadedConfig {
  return loadConfig({ JWT_SECRET_KEY: generatedSecret(), ...env }, { cwd: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-metrics-config-')) });
}

function configurationError(env: Record<string, string>): ConfigurationError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('METRICS_TOKEN, METRICS_PORT, METRICS_HOST', () => {
  it('default to no token, no second listener, loopback', () => {
    const { config } = load({});
    expect(config).toMatchObject({ metricsToken: undefined, metricsPort: undefined, metricsHost: '127.0.0.1' });
  });

  it('treat METRICS_TOKEN as a secret: masked in the described configuration', () => {
    const token = generatedSecret();
    const { config } = load({ METRICS_TOKEN: token, METRICS_PORT: '9464' });
    expect(SECRET_VARIABLES).toContain('METRICS_TOKEN');
    const shown = describeConfig(config);
    expect(JSON.stringify(shown)).not.toContain(token);
    expect(shown).toMatchObject({ METRICS_TOKEN: '********', METRICS_PORT: 9464, METRICS_HOST: '127.0.0.1' });
  });

  it.each([
    ['shorter than 32 bytes', 'a-short-metrics-token-CANARY', 'at least 32 bytes'],
    ['a placeholder', `changeme-CANARY-${'x'.repeat(32)}`, 'not a placeholder'],
  ])('production refuses a METRICS_TOKEN %s, naming it and never printing it', (_case, token, expected) => {
    const error = configurationError({ ...production(), METRICS_TOKEN: token });
    expect(error.problems.map((problem) => problem.variable)).toEqual(['METRICS_TOKEN']);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('CANARY');
  });

  it.each(['0.0.0.0', '::', '8.8.8.8', '172.32.0.1', '192.169.0.1', 'metrics.internal', '2001:db8::1'])('refuses METRICS_HOST=%s: the listener has no authentication', (host) => {
    expect(configurationError({ METRICS_HOST: host }).problems.map((problem) => problem.variable)).toEqual(['METRICS_HOST']);
  });

  it.each(['127.0.0.1', '127.0.0.53', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.10', 'fd12:3456::1'])('accepts the private address METRICS_HOST=%s', (host) => {
    expect(load({ METRICS_HOST: host, METRICS_PORT: '9464' }).config).toMatchObject({ metricsHost: host, metricsPort: 9464 });
  });

  it.each(['0', '65536', 'ninety'])('refuses METRICS_PORT=%s', (port) => {
    expect(configurationError({ METRICS_PORT: port }).problems.map((problem) => problem.variable)).toEqual(['METRICS_PORT']);
  });

  it('refuses METRICS_PORT equal to PORT', () => {
    const error = configurationError({ PORT: '9000', METRICS_PORT: '9000' });
    expect(error.problems).toEqual([{ variable: 'METRICS_PORT', expected: 'a port other than PORT (the API listener)' }]);
  });

  it('warns, without refusing, when production has neither: /metrics is then not served', () => {
    const { warnings } = load(production());
    expect(warnings.some((warning) => warning.includes('/metrics is not served in production'))).toBe(true);
    for (const env of [{ METRICS_TOKEN: generatedSecret() }, { METRICS_PORT: '9464' }] as Record<string, string>[]) {
      expect(load({ ...production(), ...env }).warnings.some((warning) => warning.includes('/metrics'))).toBe(false);
    }
    expect(load({}).warnings.some((warning) => warning.includes('/metrics'))).toBe(false);
  });
});

describe('who may read /metrics on the API port', () => {
  it.each([
    ['development', { NODE_ENV: 'development' }, 'open'],
    ['test', { NODE_ENV: 'test' }, 'open'],
    ['development, even with a token', { NODE_ENV: 'development', METRICS_TOKEN: 'dev-token' }, 'open'],
  ] as const)('%s: open', (_case, env, kind) => {
    expect(mainPortMetricsAccess(load(env).config)?.kind).toBe(kind);
  });

  it('production with METRICS_TOKEN: the bearer of that token', () => {
    const token = generatedSecret();
    expect(mainPortMetricsAccess(load({ ...production(), METRICS_TOKEN: token }).config)).toEqual({ kind: 'bearer_token', token });
  });

  it('production without METRICS_TOKEN: nobody (only the METRICS_PORT listener, if any)', () => {
    expect(mainPortMetricsAccess(load(production()).config)).toBeUndefined();
    expect(mainPortMetricsAccess(load({ ...production(), METRICS_PORT: '9464' }).config)).toBeUndefined();
  });
});
