import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

/** Loads `.env` from the working directory if present; variables already set win. */
export function loadDotEnvFile(cwd: string = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) dotenv.config({ path: file, override: false, quiet: true });
}

/** The variables `.env` in `cwd` sets (none without the file), leaving process.env alone. */
export function readDotEnvFile(cwd: string): Record<string, string> {
  const file = path.join(cwd, '.env');
  return existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
}
