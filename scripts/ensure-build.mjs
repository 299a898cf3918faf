// Decides whether `npm start` and the `autocognitix` command may run what is in
// dist/ and web/dist/. Outside production, a missing or stale build is rebuilt
// (so both work straight after `npm install`); in production nothing is ever
// compiled: a missing build ends the process with one line saying what to run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');

function newestMtime(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Why the build cannot run: printed as the process's only line before it exits 1. */
function missingBuild(what) {
  process.stderr.write(`autocognitix: ${what} is missing: run \`npm run build\` first (with the dev dependencies installed), then start again\n`);
  process.exit(1);
}

/** True when this process may compile: never in production, and only where the compiler is installed. */
function mayCompile(compiler) {
  return process.env.NODE_ENV !== 'production' && existsSync(compiler);
}

/** True when `marker` exists and is at least as new as every file in `sources` (missing sources count as old). */
function isCurrent(marker, sources) {
  if (!existsSync(marker)) return false;
  const present = sources.filter((source) => existsSync(source));
  const newest = Math.max(0, ...present.map((source) => (statSync(source).isDirectory() ? newestMtime(source) : statSync(source).mtimeMs)));
  return statSync(marker).mtimeMs >= newest;
}

/** The server (dist/): built when missing or older than src/, outside production; required as is in production. */
export function ensureBuild() {
  const marker = path.join(root, 'dist', 'main.js');
  if (isCurrent(marker, [path.join(root, 'src')])) return;
  if (!mayCompile(tsc)) {
    if (!existsSync(marker)) missingBuild('the server build (dist/main.js)');
    process.stderr.write('autocognitix: dist/ is older than src/: run `npm run build` to use the current sources\n');
    return;
  }
  process.stderr.write('building the server (dist/ is missing or out of date)...\n');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
}

/** The front end (web/dist/): built when missing or older than its sources, outside production; required as is in production. */
export function ensureWebBuild() {
  const web = path.join(root, 'web');
  const marker = path.join(web, 'dist', 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => path.join(web, name));
  if (isCurrent(marker, sources)) return;
  if (!mayCompile(vite)) {
    if (!existsSync(marker)) missingBuild('the web front end build (web/dist/index.html)');
    process.stderr.write('autocognitix: web/dist/ is older than web/src/: run `npm run build` to use the current sources\n');
    return;
  }
  process.stderr.write('building the web front end (web/dist/ is missing or out of date)...\n');
  // NODE_ENV decides which React Vite bundles; a test runner's `test` would give the development build.
  execFileSync(process.execPath, [vite, 'build', web, '--logLevel', 'warn'], { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'production' } });
}

export const projectRoot = root;
