import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, recordConsole } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { addVehicleThroughUi, signInThroughUi } from './ui.js';

/**
 * Issue 20, mileage and reminders, in a real Chromium against a real server
 * process: an odometer reading and an inspection reminder on the vehicle
 * page, its "due soon" badge, and the garage page's due list, in Hungarian.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false }), chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], timeout: 30_000 })]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

describe('garage reminders in Chromium', { timeout: 120_000 }, () => {
  it('records a reading, refuses a lower one until it is a correction, and shows a due reminder on the vehicle and garage pages', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = await new ApiClient(server.origin).register('reminders');
    await server.verifyEmail(account.email);

    await signInThroughUi(page, server.origin, account);
    await addVehicleThroughUi(page, server.origin, { make: 'Skoda', model: 'Fabia', year: 2012, nickname: 'Kicsi' });

    await page.getByLabel('Állás (km)').fill('123456');
    await page.getByRole('button', { name: 'Állás mentése' }).click();
    await expect.poll(async () => page.locator('#odometer-latest').textContent()).toMatch(/123\s?456 km/);

    await page.getByLabel('Állás (km)').fill('12345');
    await page.getByRole('button', { name: 'Állás mentése' }).click();
    await page.getByText('Ez a kilométeróra-állás kisebb a legutóbbinál').waitFor();
    await page.getByLabel('A legutóbbi állás hibás volt: ez javításként mentendő').check();
    await page.getByRole('button', { name: 'Állás mentése' }).click();
    await expect.poll(async () => page.locator('#odometer-latest').textContent()).toMatch(/12\s?345 km/);

    const inFiveDays = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Fajta').selectOption('inspection');
    await page.getByLabel('Esedékes dátum').fill(inFiveDays);
    await page.getByRole('button', { name: 'Emlékeztető hozzáadása' }).click();
    const reminder = page.locator('[aria-labelledby="reminders-title"] li.reminder');
    await reminder.first().waitFor();
    expect(await reminder.count()).toBe(1);
    expect(await reminder.first().textContent()).toContain('Műszaki vizsga');
    expect(await reminder.first().locator('.badge').textContent()).toBe('Hamarosan esedékes');

    await page.getByRole('link', { name: 'Garázsom' }).click();
    await page.getByRole('heading', { name: 'Esedékes és lejárt' }).waitFor();
    const due = page.locator('[aria-labelledby="due-title"] li.reminder');
    await due.first().waitFor();
    expect(await due.first().textContent()).toContain('Műszaki vizsga');
    expect(await due.first().textContent()).toContain('Kicsi');
    // Uncaught errors and CSP violations only: the refused reading's 409 is an expected failed request.
    expect(consoleRecords.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text))).toEqual([]);
    await context.close();
  });
});
