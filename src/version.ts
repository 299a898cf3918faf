import { readFileSync } from 'node:fs';

/** This release's version, from package.json (one folder up from src/version.ts and from dist/version.js alike). */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
