import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Which test files depend on the backend under test. `npm test` runs every
 * file on the embedded default and, when REDIS_URL and DATABASE_URL name
 * real servers, runs again on them only the files whose outcome can depend on
 * that choice: those that read REDIS_URL / DATABASE_URL (or pass the whole
 * environment on), themselves or through a test helper they import. A file
 * that does neither would run the same code twice. A file that reads them
 * only to reach the same servers either way says so with a comment line
 * starting `// @backend-independent:` and the reason, and runs once.
 */
const BACKEND_MARKERS = [/process\.env\.(REDIS_URL|DATABASE_URL)\b/, /process\.env\[['"](REDIS_URL|DATABASE_URL)['"]\]/, /\.\.\.process\.env\b/, /env:\s*process\.env\b/];
const INDEPENDENT_PRAGMA = /^\/\/ @backend-independent: \S/m;
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Follows relative imports that stay inside `testRoot` (helpers); the code under test is the same on both runs. */
function readsBackend(file: string, testRoot: string, seen: Map<string, boolean>): boolean {
  const known = seen.get(file);
  if (known !== undefined) return known;
  seen.set(file, false);
  const source = readFileSync(file, 'utf8');
  let result = BACKEND_MARKERS.some((marker) => marker.test(source));
  for (const match of source.matchAll(RELATIVE_IMPORT)) {
    if (result) break;
    const target = path.resolve(path.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts'));
    // Text that only looks like an import (in a string or a comment) may name no file.
    if (!target.startsWith(testRoot + path.sep) || !target.endsWith('.ts') || !existsSync(target)) continue;
    result = readsBackend(target, testRoot, seen);
  }
  seen.set(file, result);
  return result;
}

/** Test files (relative to `root`) whose outcome can depend on the backend. */
export function backendDependentTestFiles(root: string, testFolder = 'test'): string[] {
  const testRoot = path.resolve(root, testFolder);
  const seen = new Map<string, boolean>();
  return testFiles(testRoot)
    .filter((file) => !INDEPENDENT_PRAGMA.test(readFileSync(file, 'utf8')) && readsBackend(file, testRoot, seen))
    .map((file) => path.relative(root, file))
    .sort();
}

/** All test files relative to `root`, for comparison. */
export function allTestFiles(root: string, testFolder = 'test'): string[] {
  return testFiles(path.resolve(root, testFolder))
    .map((file) => path.relative(root, file))
    .sort();
}
