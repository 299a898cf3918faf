import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from './process.js';

/** Debian's Chromium, unless the CHROMIUM_PATH environment variable names another binary. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The Chromium the browser tests drive: CHROMIUM_PATH when set, else Debian's.
 * A missing binary is one line that says how to get it, not a Playwright stack.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  const executable = configured === undefined || configured === '' ? DEFAULT_CHROMIUM_PATH : configured;
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium not found at ${executable}${configured === undefined || configured === '' ? '' : ' (CHROMIUM_PATH)'}: install it with \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH to a Chromium or Chrome binary`,
    );
  }
  return executable;
}

/**
 * Flags that keep Chromium off the network: only localhost and 127.0.0.1
 * resolve. Playwright adds a fresh temporary `--user-data-dir` itself (and
 * refuses one here), removed again when the browser closes.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** Git-ignored; the README's pictures are copied from here to docs/screenshots/. */
export const SCREENSHOT_DIRECTORY = path.join(projectRoot, 'test-output', 'screenshots');

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

export interface ConsoleRecord {
  readonly type: string;
  readonly text: string;
}

/** Collects a page's console messages and uncaught errors, for assertions and for failure messages. */
export function recordConsole(page: Page): ConsoleRecord[] {
  const records: ConsoleRecord[] = [];
  page.on('console', (message) => records.push({ type: message.type(), text: message.text() }));
  page.on('pageerror', (error) => records.push({ type: 'pageerror', text: error.message }));
  return records;
}
