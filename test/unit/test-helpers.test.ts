import { describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM_PATH, chromiumPath } from '../helpers/browser.js';
import { TEST_DATABASES, testPostgresUrl } from '../helpers/test-databases.js';

/** Issue 15 item 12: the test helpers a fresh machine meets first. */

describe('chromiumPath', () => {
  it('takes CHROMIUM_PATH when set', () => {
    expect(chromiumPath({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });

  it("defaults to Debian's /usr/bin/chromium", () => {
    expect(DEFAULT_CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });

  it('a missing binary: one line naming it and how to install Chromium', () => {
    const missing = '/nonexistent/chromium-for-this-test';
    expect(() => chromiumPath({ CHROMIUM_PATH: missing })).toThrow(
      new Error(`Chromium not found at ${missing} (CHROMIUM_PATH): install it with \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH to a Chromium or Chrome binary`),
    );
  });
});

describe('testPostgresUrl', () => {
  it('names the databases .ci/run creates, and builds URLs on the configured server', () => {
    expect(TEST_DATABASES).toContain('test');
    const url = new URL(testPostgresUrl('some_database'));
    expect(url.pathname).toBe('/some_database');
    expect(url.protocol).toBe('postgres:');
  });
});
