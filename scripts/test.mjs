#!/usr/bin/env node
// `npm test`: every check the project has, as stages, with one summary line each.
//
//   typecheck (server and tests), typecheck (web app), lint, secret scan
//       run two at a time (they are independent; this machine kind has two cores),
//       each one's output printed whole when it ends;
//   tests
//       vitest, once: the embedded project runs every test file on the SQLite
//       default; when REDIS_URL and DATABASE_URL are both set, the redis-postgres
//       project runs the backend-dependent files again on those servers
//       (vitest.config.ts, test/helpers/backend-projects.ts).
//
// Arguments go to vitest (`npm test -- test/unit`). A failed check stage
// skips the tests; the summary says so. In a full run skipped tests fail the
// stage: a test that did not run did not pass.
// Exit: 0 when every stage passed, 1 otherwise.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (file) => path.join(root, 'node_modules', file);

const checks = [
  { name: 'typecheck (server and tests)', args: [bin('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'typecheck (web app)', args: [bin('typescript/bin/tsc'), '-p', 'web/tsconfig.json', '--noEmit'] },
  { name: 'lint', args: [bin('eslint/bin/eslint.js'), '.'] },
  { name: 'secret scan', args: [path.join(root, 'scripts/scan-secrets.mjs')] },
];

/** Runs `node <args>`; with `quiet`, keeps the output and returns it instead of streaming it. */
function run(args, { quiet = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (quiet) {
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
    }
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output, seconds: (performance.now() - started) / 1000 }));
  });
}

const seconds = (value) => `${value.toFixed(1)} s`;
const mark = (passed) => (passed ? '✔' : '✘');
const summary = [];

async function runChecks() {
  const queue = [...checks];
  const worker = async () => {
    for (let check = queue.shift(); check !== undefined; check = queue.shift()) {
      const result = await run(check.args, { quiet: true });
      const passed = result.code === 0;
      process.stdout.write(`\n── ${check.name}: ${passed ? 'passed' : `failed (exit ${result.code})`} in ${seconds(result.seconds)}\n`);
      if (result.output.trim() !== '') process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
      summary.push({ name: check.name, passed, detail: seconds(result.seconds) });
    }
  };
  await Promise.all([worker(), worker()]);
  summary.sort((a, b) => checks.findIndex((check) => check.name === a.name) - checks.findIndex((check) => check.name === b.name));
  return summary.every((line) => line.passed);
}

async function runTests(vitestArgs) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-test-summary-'));
  const summaryFile = path.join(folder, 'summary.json');
  try {
    process.stdout.write('\n── tests\n');
    const result = await run(
      [bin('vitest/vitest.mjs'), 'run', '--reporter=default', `--reporter=${path.join(root, 'test/helpers/stage-summary-reporter.ts')}`, ...vitestArgs],
      { env: { ...process.env, TEST_SUMMARY_FILE: summaryFile } },
    );
    let projects = [];
    try {
      projects = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      // vitest ended before its reporters ran (a configuration error): the exit code says it failed.
    }
    for (const project of projects) {
      // In a full run a skipped test is a failure; a run narrowed by arguments skips the rest on purpose.
      const passed = project.failed === 0 && (project.skipped === 0 || vitestArgs.length > 0) && project.passed > 0;
      summary.push({
        name: `tests [${project.project}]`,
        passed,
        detail: `${project.passed} passed, ${project.failed} failed, ${project.skipped} skipped (${project.files} files)`,
      });
    }
    const passed = result.code === 0 && projects.length > 0 && summary.every((line) => line.passed);
    summary.push({ name: 'tests', passed, detail: `${seconds(result.seconds)}${result.code === 0 ? '' : ` (vitest exit ${result.code})`}` });
    return passed;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const separator = process.argv.indexOf('--');
const vitestArgs = separator === -1 ? process.argv.slice(2) : process.argv.slice(separator + 1);
const started = performance.now();
const checksPassed = await runChecks();
const testsPassed = checksPassed ? await runTests(vitestArgs) : false;
if (!checksPassed) summary.push({ name: 'tests', passed: false, detail: 'not run: a check failed' });

const width = Math.max(...summary.map((line) => line.name.length));
process.stdout.write(`\n── summary (${seconds((performance.now() - started) / 1000)})\n`);
for (const line of summary) process.stdout.write(`${mark(line.passed)} ${line.name.padEnd(width)}  ${line.detail}\n`);
process.exitCode = checksPassed && testsPassed ? 0 : 1;
