import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

/** Modules a source file loads when it is imported: static imports and re-exports that are not type-only. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'/gm)].map((match) => match[1] ?? '');
}

/** Every project file and package loaded by importing `entry` (dynamic `import()` not followed). */
function loadedBy(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  };
  visit(path.join(projectRoot, entry));
  return { files: [...files].map((file) => path.relative(projectRoot, file)).sort(), packages: [...packages].sort() };
}

describe('autocognitix start-up loads only the command tree (issue 16 item 8)', () => {
  it('the entry point loads commander and a few leaf modules, none of the commands, database, store or server code', () => {
    const loaded = loadedBy('src/cli/main.ts');
    expect(loaded.packages).toEqual(['commander']);
    expect(loaded.files).toEqual([
      'src/cli/constants.ts',
      'src/cli/exit-status.ts',
      'src/cli/main.ts',
      'src/cli/program.ts',
      'src/clock.ts',
      'src/importers/import-run.ts',
      'src/security/store-keys.ts',
      'src/version.ts',
    ]);
  });

  it('finds what a module loads (the walk itself is not blind)', () => {
    const loaded = loadedBy('src/cli/migrate.ts');
    expect(loaded.files).toEqual(expect.arrayContaining(['src/db/index.ts', 'src/runtime.ts']));
    expect(loaded.packages).toEqual(expect.arrayContaining(['kysely']));
  });
});
