import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, logout, me, registerAndLogin, request } from '../helpers/auth-client.js';
import { projectRoot } from '../helpers/process.js';

/**
 * The alert rules and their unit tests run through the real `promtool`
 * (Debian package `prometheus`). A missing promtool fails this file: the
 * alerts would otherwise ship untested.
 */

const RULES_DIRECTORY = path.join(projectRoot, 'ops', 'prometheus');
const RULES_FILE = path.join(RULES_DIRECTORY, 'alerts.yml');
const RULE_TESTS_FILE = path.join(RULES_DIRECTORY, 'alerts.test.yml');

/**
 * What `promtool check metrics` says about names we keep on purpose (docs/SECURITY.md, "Metrics and alerts"):
 * the seed fixes `security_redis_blacklist_latency_ms` and `security_password_reset_tokens_issued`, the other
 * security latency histograms share its unit and buckets, and prom-client's defaults name gauges `_total`.
 */
const ACCEPTED_LINT_FINDINGS = new Set([
  'security_redis_blacklist_latency_ms metric names should not contain abbreviated units',
  'security_token_decode_latency_ms metric names should not contain abbreviated units',
  'security_csrf_validation_latency_ms metric names should not contain abbreviated units',
  'security_csrf_generation_latency_ms metric names should not contain abbreviated units',
  'security_password_reset_tokens_issued counter metrics should have "_total" suffix',
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]);

interface CommandResult {
  readonly status: number | null;
  readonly output: string;
}

function promtool(args: readonly string[], input?: string): CommandResult {
  const result = spawnSync('promtool', args, { cwd: projectRoot, encoding: 'utf8', input, timeout: 60_000 });
  if (result.error !== undefined) {
    const missing = 'code' in result.error && result.error.code === 'ENOENT';
    throw new Error(
      missing
        ? 'promtool is not installed: install the Debian package `prometheus` (apt-get install --no-install-recommends prometheus; .ci/run does this)'
        : `promtool could not run: ${result.error.message}`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The rule-test file cut into its header (rule_files, evaluation_interval) and one text block per test. */
function splitRuleTests(text: string): { header: string; tests: { name: string; block: string }[] } {
  const [header = '', ...blocks] = text.split(/^(?= {2}- name: )/m);
  return {
    header: header.replace(/^ {2}- alerts\.yml$/m, `  - ${JSON.stringify(RULES_FILE)}`),
    tests: blocks.map((block) => ({ name: /^ {2}- name: (.+)$/m.exec(block)?.[1]?.trim() ?? '', block })),
  };
}

const ruleTests = splitRuleTests(readFileSync(RULE_TESTS_FILE, 'utf8'));
const alertNames = [...readFileSync(RULES_FILE, 'utf8').matchAll(/^\s+- alert: (\w+)$/gm)].map((match) => match[1] ?? '');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs promtool on a rule-test file holding only the given test blocks. */
function runRuleTests(blocks: readonly string[]): CommandResult {
  const file = path.join(scratch, `tests-${String(Math.random()).slice(2)}.yml`);
  writeFileSync(file, `${ruleTests.header}${blocks.join('')}`);
  return promtool(['test', 'rules', file]);
}

describe('ops/prometheus/alerts.yml', () => {
  it('is valid and holds exactly the seed\'s four alerts and the security log\'s', () => {
    const result = promtool(['check', 'rules', RULES_FILE]);
    expect(result.output).toContain('SUCCESS: 5 rules found');
    expect(result.status).toBe(0);
    expect(alertNames.sort()).toEqual(['CredentialLeak', 'HighCSRFFailureRate', 'RedisBlacklistSlow', 'SecurityEventsDropped', 'TokenBlacklistGrowth']);
  });

  it('passes `promtool test rules ops/prometheus/alerts.test.yml`', () => {
    const result = promtool(['test', 'rules', path.relative(projectRoot, RULE_TESTS_FILE)]);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });

  it.each(alertNames)('%s has a test where it fires and one where it stays quiet', (alert) => {
    const own = ruleTests.tests.filter((test) => test.name.startsWith(`${alert} `));
    expect(own.some((test) => /exp_alerts:\s*\n\s+- exp_labels:/.test(test.block))).toBe(true);
    expect(own.some((test) => /exp_alerts: \[\]/.test(test.block) && !/- exp_labels:/.test(test.block))).toBe(true);
  });

  it.each(ruleTests.tests.map((test) => [test.name, test.block] as const))('passed: %s', (_name, block) => {
    const result = runRuleTests([block]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('would fail a test whose expectation is wrong, naming it (promtool really evaluates the rules)', () => {
    const firing = ruleTests.tests.find((test) => test.name.startsWith('CredentialLeak fires'));
    expect(firing?.block).toContain('alertname: CredentialLeak');
    const wrong = (firing?.block ?? '').replace(/(eval_time: 7m\n\s+alertname: CredentialLeak\n\s+exp_alerts:)[\s\S]*?(\n\s+- eval_time: 15m)/, '$1 []$2');
    expect(wrong).not.toBe(firing?.block);
    const result = runRuleTests([wrong]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('FAILED');
    expect(result.output).toContain('CredentialLeak fires on the first masked secret');
  });
});

describe('promtool check metrics on a real scrape', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('parses every line after real traffic; lint findings are only the documented ones', async () => {
    const { tokens } = await registerAndLogin(testApp.app);
    expect((await me(testApp.app, tokens.access_token)).statusCode).toBe(200);
    expect((await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me', headers: bearer('not-a-token') })).statusCode).toBe(401);
    expect((await request(testApp.app, { method: 'POST', url: '/api/v1/auth/logout', payload: {}, csrf: false })).statusCode).toBe(403);
    expect((await logout(testApp.app, tokens)).statusCode).toBe(204);
    await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/P0301' });
    await testApp.app.inject({ method: 'GET', url: '/no-such-route' });

    const scrape = await testApp.app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('http_request_duration_seconds_bucket{');
    const result = promtool(['check', 'metrics'], scrape.body);
    // 0: clean; 3: lint findings only; anything else (1) is a scrape Prometheus could not parse.
    expect([0, 3]).toContain(result.status);
    const findings = result.output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    expect(findings.filter((finding) => !ACCEPTED_LINT_FINDINGS.has(finding))).toEqual([]);
  });
});
