import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Issue 16: the README's "Layout" section matches the tree. */

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const layout = /^## Layout\n([\s\S]*?)\n## /m.exec(readme)?.[1] ?? '';
/** Every `path` in the first column of the Layout table, folders with their trailing slash. */
const named = [...layout.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) => [...(row[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter((file) => file !== '' && existsSync(path.join(root, file)));

/** Folders directly under `folder` and files directly in it, as the tracked tree has them. */
function entriesOf(folder: string): { folders: string[]; files: string[] } {
  const prefix = folder === '' ? '' : `${folder}/`;
  const below = tracked.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length));
  return {
    folders: [...new Set(below.filter((file) => file.includes('/')).map((file) => `${prefix}${file.split('/')[0] ?? ''}/`))].sort(),
    files: below.filter((file) => !file.includes('/')).map((file) => `${prefix}${file}`).sort(),
  };
}

describe('README Layout', () => {
  it('has a table', () => {
    expect(named.length).toBeGreaterThan(10);
  });

  it('names only paths that exist', () => {
    expect(named.filter((entry) => !existsSync(path.join(root, entry)))).toEqual([]);
  });

  it('names every folder of src/ and every module directly in src/', () => {
    const { folders, files } = entriesOf('src');
    expect([...folders, ...files].filter((entry) => !named.includes(entry))).toEqual([]);
  });

  it('names every top-level folder, or folders inside it', () => {
    expect(entriesOf('').folders.filter((folder) => !named.some((entry) => entry.startsWith(folder)))).toEqual([]);
  });
});
