// Builds dist/ when it is missing or older than any source file, so `npm start`
// and the `autocognitix` command work straight after `npm install`.
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

export const projectRoot = root;
