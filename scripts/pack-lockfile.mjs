// npm pack's prepack/postpack steps. `add`: refuse to pack without a build
// (the tarball is what production runs: it never compiles), and ship the
// lockfile as npm-shrinkwrap.json (npm leaves package-lock.json out of every
// tarball), so `npm ci --omit=dev` in the unpacked folder installs exactly the
// tested dependency tree. `remove`: delete that copy again.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shrinkwrap = path.join(root, 'npm-shrinkwrap.json');

const step = process.argv[2];
if (step === 'add') {
  for (const marker of ['dist/main.js', 'dist/cli/main.js', 'web/dist/index.html']) {
    if (!existsSync(path.join(root, marker))) {
      process.stderr.write(`npm pack: ${marker} is missing: run \`npm run build\` first\n`);
      process.exit(1);
    }
  }
  copyFileSync(path.join(root, 'package-lock.json'), shrinkwrap);
} else if (step === 'remove') {
  rmSync(shrinkwrap, { force: true });
} else {
  process.stderr.write('usage: node scripts/pack-lockfile.mjs add|remove\n');
  process.exit(2);
}
