import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, recordConsole } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { addVehicleThroughUi, signInThroughUi } from './ui.js';

/**
 * Issue 20, the iCalendar feed, in a real Chromium against a real server
 * process, in Hungarian: the garage page's "Naptár" card turns the feed on
 * and shows its address once, a new address (after a warning) kills the old
 * one, and turning it off kills the address.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false }), chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], timeout: 30_000 })]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

/** The feed as a calendar app would fetch it (the same path on this test server). */
const fetchFeed = async (url: string): Promise<{ status: number; body: string }> => {
  const response = await fetch(`${server.origin}${new URL(url).pathname}`);
  return { status: response.status, body: await response.text() };
};

describe('the garage calendar card in Chromium', { timeout: 120_000 }, () => {
  it('turns the feed on, shows the address once, rotates it after a warning and turns it off', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = await new ApiClient(server.origin).register('calendar');
    await server.verifyEmail(account.email);
    await signInThroughUi(page, server.origin, account);
    await addVehicleThroughUi(page, server.origin, { make: 'Opel', model: 'Astra', year: 2014, nickname: 'Piros' });
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Fajta').selectOption('inspection');
    await page.getByLabel('Esedékes dátum').fill(inTenDays);
    await page.getByRole('button', { name: 'Emlékeztető hozzáadása' }).click();
    await page.locator('[aria-labelledby="reminders-title"] li.reminder').first().waitFor();

    await page.getByRole('link', { name: 'Garázsom' }).click();
    await page.getByRole('heading', { name: 'Naptár' }).waitFor();
    await expect.poll(async () => page.locator('#calendar-feed-state').textContent()).toBe('A naptárcsatorna ki van kapcsolva.');
    await page.getByRole('button', { name: 'Naptárcsatorna bekapcsolása' }).click();
    const address = page.getByLabel('A csatorna címe');
    await address.waitFor();
    const first = await address.inputValue();
    expect(first).toMatch(/\/api\/v1\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    await page.getByText('Most másolja ki: csak ez egyszer látható.', { exact: false }).waitFor();
    const feed = await fetchFeed(first);
    expect(feed.status).toBe(200);
    expect(feed.body.replace(/\r\n /g, '')).toContain('SUMMARY:Műszaki vizsga – Piros (OPEL ASTRA)');
    expect(await page.locator('#calendar-feed-state').textContent()).toContain('be van kapcsolva');

    // A new address: first the warning, then the old address is dead.
    await page.getByRole('button', { name: 'Új cím', exact: true }).click();
    await page.getByText('Az új cím azonnal érvényteleníti a régit', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Új cím létrehozása' }).click();
    await expect.poll(async () => address.inputValue()).not.toBe(first);
    const second = await address.inputValue();
    expect((await fetchFeed(first)).status).toBe(404);
    expect((await fetchFeed(second)).status).toBe(200);

    // After a reload the address is not shown again: only its hash is kept.
    await page.reload();
    await page.getByRole('heading', { name: 'Naptár' }).waitFor();
    await expect.poll(async () => page.locator('#calendar-feed-state').textContent()).toContain('be van kapcsolva');
    expect(await page.getByLabel('A csatorna címe').count()).toBe(0);
    expect(await page.content()).not.toContain(new URL(second).pathname);

    await page.getByRole('button', { name: 'Kikapcsolás' }).click();
    await page.getByText('A naptárcsatorna kikapcsolva; a címe többé nem működik.').waitFor();
    expect((await fetchFeed(second)).status).toBe(404);
    expect(consoleRecords.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text))).toEqual([]);
    await context.close();
  });
});
