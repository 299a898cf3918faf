import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as storeKeys from '../../src/security/store-keys.js';
import { projectRoot } from '../helpers/process.js';

/** The key patterns in the first column of docs/SECURITY.md's "Keys in the store" table, e.g. `jti:<jti>`. */
function documentedKeyPatterns(): string[] {
  const text = readFileSync(path.join(projectRoot, 'docs', 'SECURITY.md'), 'utf8');
  const start = text.indexOf('### Keys in the store');
  const section = text.slice(start, text.indexOf('\n### ', start + 1));
  const keyCells = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1] ?? '');
  return keyCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
}

const escapeRegExp = (text: string): RegExp['source'] => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A documented pattern as a regular expression: each `<placeholder>` stands for some non-empty text. */
const patternRegExp = (pattern: string): RegExp => new RegExp(`^${pattern.split(/<[^>]+>/).map(escapeRegExp).join('.+')}$`);

type KeyBuilder = (...parts: string[]) => string;
const exportsOfStoreKeys = Object.entries(storeKeys) as [string, unknown][];
/** Functions named …Key or …KeyOfDigest build keys; constants named …_KEY are keys and …_KEY_PREFIX key families. */
const builders = exportsOfStoreKeys.filter((entry): entry is [string, KeyBuilder] => typeof entry[1] === 'function' && /Key(OfDigest)?$/.test(entry[0]));
const constantKeys = exportsOfStoreKeys.filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /_KEY$/.test(entry[0]));
const keyPrefixes = exportsOfStoreKeys.filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /_KEY_PREFIX$/.test(entry[0]));
const helpers = ['storedDigest'];

/** A key from `builder` with distinct, recognisable parts. */
const sampleKey = (name: string, builder: KeyBuilder): { key: string; parts: string[] } => {
  const parts = Array.from({ length: builder.length }, (_, index) => `${name}-part${String(index)}`);
  return { key: builder(...parts), parts };
};

describe('store keys: src/security/store-keys.ts and the table in docs/SECURITY.md agree', () => {
  const patterns = documentedKeyPatterns();

  it('reads a table of key patterns', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(20);
    expect(patterns).toContain('jti:<jti>');
  });

  it('every export is a key builder, a key, a key prefix or a named helper', () => {
    const classified = new Set([...builders, ...constantKeys, ...keyPrefixes].map(([name]) => name).concat(helpers));
    expect(exportsOfStoreKeys.map(([name]) => name).filter((name) => !classified.has(name))).toEqual([]);
    expect(builders.length).toBeGreaterThanOrEqual(20);
  });

  it.each(builders)('%s builds a key of exactly one documented pattern', (name, builder) => {
    const { key } = sampleKey(name, builder);
    expect(patterns.filter((pattern) => patternRegExp(pattern).test(key)), key).toHaveLength(1);
  });

  it.each(constantKeys)('%s is documented as it is', (_name, key) => {
    expect(patterns).toContain(key);
  });

  it.each(keyPrefixes)('%s starts a documented key family', (_name, prefix) => {
    expect(patterns.filter((pattern) => pattern.startsWith(prefix))).toHaveLength(1);
  });

  it('every documented pattern is built by store-keys.ts', () => {
    const built = [...builders.map(([name, builder]) => sampleKey(name, builder).key), ...constantKeys.map(([, key]) => key)];
    expect(patterns.filter((pattern) => !built.some((key) => patternRegExp(pattern).test(key)))).toEqual([]);
  });

  it('a key documented as holding a sha256 never holds its input in the clear', () => {
    const hashing = builders.filter(([name, builder]) => {
      const { key } = sampleKey(name, builder);
      return !name.endsWith('OfDigest') && patterns.some((pattern) => pattern.includes('<sha256(') && patternRegExp(pattern).test(key));
    });
    expect(hashing.length).toBeGreaterThanOrEqual(6);
    for (const [name, builder] of hashing) {
      const { key, parts } = sampleKey(name, builder);
      for (const part of parts) {
        expect(key, name).not.toContain(part);
        expect(key, name).not.toContain(part.toLowerCase());
      }
    }
  });

  it('e-mail addresses are keyed case-insensitively, and a digest key matches its token key', () => {
    expect(storeKeys.loginFailuresByAccountKey('Driver@Example.test')).toBe(storeKeys.loginFailuresByAccountKey('driver@example.test'));
    expect(storeKeys.resetRequestsByAccountKey('Driver@Example.test')).toBe(storeKeys.resetRequestsByAccountKey('driver@example.test'));
    expect(storeKeys.passwordResetKeyOfDigest(storeKeys.storedDigest('link'))).toBe(storeKeys.passwordResetKey('link'));
    expect(storeKeys.emailChangeKeyOfDigest(storeKeys.storedDigest('link'))).toBe(storeKeys.emailChangeKey('link'));
    expect(storeKeys.storedDigest('link')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
