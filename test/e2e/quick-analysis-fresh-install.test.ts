// @backend-independent: a fresh install is the embedded default: the server gets DATABASE_URL and REDIS_URL empty on either run
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startWebServer, type WebServer } from '../helpers/web-server.js';

/**
 * Issue 15 item 8: on a fresh install (no NHTSA data imported, its own
 * embedded database) the quick analysis still takes any make and model as
 * free text, says there is no vehicle data yet, and tells where recall data
 * comes from and how it is imported.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false, env: { DATABASE_URL: '', REDIS_URL: '' } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

describe('the quick analysis before any vehicle data is imported', { timeout: 40_000 }, () => {
  it('accepts a typed make and model, says no data is imported yet, and where recalls come from (Hungarian and English)', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${server.origin}/analysis?codes=P0301`);
    await page.getByText('Még nincsenek importált járműadatok: bármilyen márkát és típust beírhat.').waitFor();
    await page.getByText(/nyilvános adatfájljaiból \(FLAT_RCL és FLAT_CMPL\)/).waitFor();
    await page.getByText('npx autocognitix import recalls FLAT_RCL.zip').waitFor();
    expect(await page.locator('#analysis-makes option').count()).toBe(0);

    await page.getByLabel('Márka').fill('Lada');
    await page.getByLabel('Típus').fill('Niva 4x4');
    await page.getByLabel('Évjárat').fill('1990');
    await page.getByRole('button', { name: 'Elemzés' }).click();
    await page.getByText('Visszahívások (LADA NIVA 4X4 1990): összesen 0, ezekhez a kódokhoz kapcsolódó 0').waitFor();

    await page.evaluate(`window.localStorage.setItem('autocognitix.language', 'en')`);
    await page.reload();
    await page.getByText('No vehicle data has been imported yet: type any make and model.').waitFor();
    await page.getByText(/public flat files of the US National Highway Traffic Safety Administration \(NHTSA\), FLAT_RCL and FLAT_CMPL/).waitFor();
    await context.close();
  });
});
