// Builds dist/ (the server) and web/dist/ (the front end) when missing or older
// than any of their sources, so `npm start` and the `autocognitix` command work
// straight after `npm install`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureBuild() {
  const marker = path.join(root, 'dist', 'main.js');
  const sources = path.join(root, 'src');
  if (existsSync(marker) && (!existsSync(sources) || statSync(marker).mtimeMs >= newestMtime(sources))) return;
  process.stderr.write('building the server (dist/ is missing or out of date)...\n');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
}

/** The front end: web/dist/index.html must be newer than everything Vite builds it from. */
export function ensureWebBuild() {
  const web = path.join(root, 'web');
  if (!existsSync(path.join(web, 'index.html'))) return;
  const marker = path.join(web, 'dist', 'index.html');
  const directories = ['src', 'public'].map((name) => path.join(web, name)).filter((directory) => existsSync(directory));
  const files = ['index.html', 'vite.config.ts'].map((name) => path.join(web, name)).filter((file) => existsSync(file));
  const newestSource = Math.max(0, ...directories.map(newestMtime), ...files.map((file) => statSync(file).mtimeMs));
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestSource) return;
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    // Installed without devDependencies: the server still starts, API only.
    process.stderr.write('web/dist/ is missing or out of date and Vite is not installed: run `npm install` then `npm run build:web`\n');
    return;
  }
  process.stderr.write('building the web front end (web/dist/ is missing or out of date)...\n');
  // NODE_ENV decides which React Vite bundles; a test runner's `test` would give the development build.
  execFileSync(process.execPath, [vite, 'build', web, '--logLevel', 'warn'], { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'production' } });
}

export const projectRoot = root;
