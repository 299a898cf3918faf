import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

/**
 * Runs the project's own eslint.config.js over a tiny source tree in a temp
 * directory (laid out like ours: src/ and a tsconfig.json), so the rules are
 * proven to fire without planting a cycle in the real src/.
 */
describe('the lint rules of eslint.config.js', () => {
  let directory: string;
  let eslint: ESLint;

  /** An import statement of `name` from the sibling `module`, assembled so that tools scanning this file for imports do not take it for one. */
  const importLine = (name: string, module = name, keyword = 'import'): string => `${keyword} { ${name} } from ${JSON.stringify(`./${module}.js`)};\n`;

  const write = (relativePath: string, text: string): void => {
    const file = path.join(directory, relativePath);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'lint-rules-'));
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true }, include: ['src'] }));
    write('package.json', JSON.stringify({ type: 'module' }));
    // a → b → a: a cycle. leaf ← user: no cycle.
    write('src/a.ts', `${importLine('b')}export const a = (): number => b() + 1;\n`);
    write('src/b.ts', `${importLine('a')}export const b = (): number => 1;\nexport const viaA = (): number => a();\n`);
    write('src/leaf.ts', 'export const leaf = (): number => 1;\n');
    write('src/user.ts', `${importLine('leaf')}export const user = (): number => leaf();\n`);
    // Only a type flows back: erased at run time, so not a cycle.
    write('src/typed-a.ts', `${importLine('TypedB', 'typed-b', 'import type')}export interface TypedA { b?: TypedB }\nexport const typedA = 1;\n`);
    write('src/typed-b.ts', `${importLine('typedA', 'typed-a')}export interface TypedB { a: number }\nexport const typedB = typedA;\n`);
    eslint = new ESLint({ cwd: directory, overrideConfigFile: path.join(projectRoot, 'eslint.config.js') });
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const cycleReports = async (file: string): Promise<string[]> => {
    const [result] = await eslint.lintFiles([path.join(directory, 'src', file)]);
    const fatal = result?.messages.filter((message) => message.fatal === true) ?? [];
    expect(fatal, 'the file parses').toEqual([]);
    return (result?.messages ?? []).filter((message) => message.ruleId === 'import-x/no-cycle').map((message) => message.message);
  };

  it('reports an import cycle between two modules of src/, on both sides', async () => {
    expect(await cycleReports('a.ts')).toEqual(['Dependency cycle detected']);
    expect(await cycleReports('b.ts')).toEqual(['Dependency cycle detected']);
  });

  it('does not report a one-way import, nor a cycle closed only by a type import', async () => {
    expect(await cycleReports('user.ts')).toEqual([]);
    expect(await cycleReports('typed-a.ts')).toEqual([]);
    expect(await cycleReports('typed-b.ts')).toEqual([]);
  });
});
