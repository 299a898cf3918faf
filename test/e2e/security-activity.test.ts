import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, recordConsole } from '../helpers/browser.js';
import { eventually } from '../helpers/time.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi } from './ui.js';

/**
 * Issue 19: the security page lists the recent security activity, in a real
 * Chromium against a real server process: a sign-in through the page shows up
 * with its device and address, in Hungarian and in English.
 */

let server: WebServer;
let browser: Browser;

// A fixed User-Agent, so the device label is known: the server keeps only the label parsed from it.
const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false }), chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], timeout: 30_000 })]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

/** The events reach the database within about a second of the sign-in (the log writes in batches): reload until the list shows one. */
async function activityEntries(page: Page, heading: string): Promise<string[]> {
  return eventually(
    async () => {
      await page.reload();
      await page.getByRole('heading', { name: heading }).waitFor();
      const entries = await page.getByTestId('security-activity').locator('li').allTextContents();
      return entries.length > 0 ? entries : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 250, what: 'the sign-in in the recent activity list' },
  );
}

describe('recent security activity in Chromium', { timeout: 120_000 }, () => {
  it('shows the sign-in with its device and address, in Hungarian and English', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU', userAgent: FIREFOX_ON_LINUX });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = await new ApiClient(server.origin).register('activity');

    await signInThroughUi(page, server.origin, account);
    await page.goto(`${server.origin}/account/security`);
    const hungarian = await activityEntries(page, 'Legutóbbi biztonsági események');
    expect(hungarian).toHaveLength(1);
    expect(hungarian[0]).toContain('Bejelentkezés');
    // The server's label "Firefox 133 on Linux", without the English word on the Hungarian page.
    expect(hungarian[0]).toContain('Firefox 133 (Linux)');
    expect(hungarian[0]).toContain('127.0.0.1');
    expect(hungarian[0]).toContain('Eszköz');
    const when = await page.getByTestId('security-activity').locator('time').getAttribute('datetime');
    expect(Date.parse(when ?? '')).toBeGreaterThan(Date.now() - 5 * 60_000);

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Recent security activity' }).waitFor();
    const english = await page.getByTestId('security-activity').locator('li').allTextContents();
    expect(english).toHaveLength(1);
    expect(english[0]).toContain('Signed in');
    expect(english[0]).toContain('Device');
    expect(english[0]).toContain('Firefox 133 on Linux');
    expect(english[0]).not.toContain('Bejelentkezés');

    expect(consoleRecords.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text))).toEqual([]);
    await context.close();
  });

  it('says so when there is nothing yet', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const account = await new ApiClient(server.origin).register('quiet');
    await signInThroughUi(page, server.origin, account);
    // Any sign-in records an event: the page's empty state is seen with the server's answer for a quiet account.
    await page.route('**/api/v1/auth/security-events*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [], next_cursor: null }) }));
    await page.goto(`${server.origin}/account/security`);
    await page.getByText('Az elmúlt 90 napban nem történt semmi.').waitFor();
    await context.close();
  });
});
