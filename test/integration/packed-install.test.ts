import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuild, ensureWebBuild } from '../../scripts/ensure-build.mjs';
import { generatedSecret, uniqueId } from '../helpers/backends.js';
import { freePort, projectRoot, waitForHttp } from '../helpers/process.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/test-databases.js';

/**
 * Issue 15 item 1: the artefact `npm pack` makes is what production runs. It
 * is unpacked into a temporary folder, installed with `npm ci --omit=dev`
 * (from the npm cache), and started with NODE_ENV=production against
 * PostgreSQL (a scratch database) and Redis (a key prefix of its own).
 */
// @backend-independent: it always runs the packed server on PostgreSQL and Redis, whichever project runs it.

const execFileAsync = promisify(execFile);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let workDirectory: string;
let app: string;
let tarballFiles: string[];
let installOutput: string;
let database: ScratchDatabase;
const keyPrefix = `packed:${uniqueId()}:`;

async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync('npm', [...args], { cwd, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NODE_ENV: undefined, npm_config_update_notifier: 'false' } });
  return `${stdout}${stderr}`;
}

/** The environment a production host gives the service (the secret generated for this run). */
function productionEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    JWT_SECRET_KEY: generatedSecret(),
    SMTP_URL: 'smtp://127.0.0.1:9',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    DATA_DIR: path.join(workDirectory, 'data'),
    ...extra,
  };
}

function run(command: string, args: readonly string[], env: Record<string, string>): { exited: Promise<number | null>; output: () => string; stop: () => void } {
  const child = spawn(command, [...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { exited, output: () => output, stop: () => child.kill('SIGTERM') };
}

beforeAll(async () => {
  // The build npm pack needs (a no-op when dist/ and web/dist/ are current).
  ensureBuild();
  ensureWebBuild();
  workDirectory = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-packed-'));
  database = await createScratchDatabase('packed');
  const packed = JSON.parse(await npm(['pack', '--json', '--silent', '--pack-destination', workDirectory], projectRoot).then((text) => text.slice(text.indexOf('[')))) as { filename: string; files: { path: string }[] }[];
  const tarball = packed[0];
  if (tarball === undefined) throw new Error('npm pack made no tarball');
  tarballFiles = tarball.files.map((file) => file.path);
  app = path.join(workDirectory, 'app');
  mkdirSync(app);
  await execFileAsync('tar', ['xzf', path.join(workDirectory, tarball.filename), '--strip-components=1', '-C', app]);
  // Scripts off: the one install script in the production tree is better-sqlite3's native build (minutes of
  // node-gyp); its result is copied from this checkout instead. Everything else is what a production install gets.
  installOutput = await npm(['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], app);
  const addon = path.join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(path.dirname(path.join(app, addon)), { recursive: true });
  copyFileSync(path.join(projectRoot, addon), path.join(app, addon));
}, 300_000);

afterAll(async () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect().catch(() => undefined);
  if (redis.status === 'ready') {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  redis.disconnect();
  await database.drop();
  rmSync(workDirectory, { recursive: true, force: true });
}, 60_000);

describe('the npm pack artefact', { timeout: 120_000 }, () => {
  it('holds the built server, front end, seed data and docs, the pinned dependency tree, and nothing of the sources or tests', () => {
    for (const needed of ['dist/main.js', 'dist/cli/main.js', 'web/dist/index.html', 'seed/dtc-generic.json', 'seed/dtc-manufacturer.json', 'bin/autocognitix.js', 'scripts/start.mjs', 'npm-shrinkwrap.json', 'LICENSE', 'docs/DEPLOYMENT.md', '.env.example']) {
      expect(tarballFiles).toContain(needed);
    }
    const unwanted = tarballFiles.filter((file) => /^(?:src|test|bench|web\/src)\/|\.map$|\.test\.|^tsconfig|^vitest|^\.ci\//.test(file));
    expect(unwanted).toEqual([]);
    expect(existsSync(path.join(projectRoot, 'npm-shrinkwrap.json'))).toBe(false);
  });

  it('installs with --omit=dev without an engine warning, and without any build tool', () => {
    expect(installOutput).not.toMatch(/EBADENGINE|npm warn/i);
    const installed = readdirSync(path.join(app, 'node_modules'));
    for (const devOnly of ['typescript', 'vite', 'vitest', 'tsx', 'eslint']) expect(installed).not.toContain(devOnly);
  });

  it('npm start in production serves health and the web app on PostgreSQL and Redis, and logs the reachable URL', async () => {
    const port = await freePort();
    const server = run('npm', ['start', '--silent'], productionEnvironment({ PORT: String(port) }));
    try {
      const health = await waitForHttp(`http://127.0.0.1:${String(port)}/api/v1/health`, 60_000);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: 'ok', store: 'ok' } });
      const page = await fetch(`http://127.0.0.1:${String(port)}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect(server.output()).toContain(`"msg":"AutoCognitix API ready at http://127.0.0.1:${String(port)}/"`);
      expect(server.output()).toContain('"database":"postgres","store":"redis","environment":"production"');
    } finally {
      server.stop();
      await server.exited;
    }
  });

  it('npx autocognitix works from the --omit=dev install: --version and health-check', async () => {
    const version = run('npx', ['--no-install', 'autocognitix', '--version'], productionEnvironment());
    expect(await version.exited).toBe(0);
    expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const health = run('npx', ['--no-install', 'autocognitix', 'health-check'], productionEnvironment());
    expect(await health.exited, health.output()).toBe(0);
    expect(health.output()).toMatch(/^migrations\s+postgres\s+ok\s/m);
  });

  it('without the build, production start exits 1 with one line saying to run npm run build (it never compiles)', async () => {
    rmSync(path.join(app, 'dist'), { recursive: true, force: true });
    const server = run(process.execPath, ['scripts/start.mjs'], productionEnvironment({ PORT: String(await freePort()) }));
    expect(await server.exited).toBe(1);
    expect(server.output().trim().split('\n')).toEqual([expect.stringMatching(/\(dist\/main\.js\) is missing: run `npm run build` first/)]);
  });
});
