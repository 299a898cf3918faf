// @backend-independent: the policy is a response header and the page's own code, the same on either backend; the headers on Redis + PostgreSQL are checked by security-headers
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole, type ConsoleRecord } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { addVehicleThroughUi, signInThroughUi } from './ui.js';

/**
 * Issue 15 item 10: no page of the app and no page of the API docs
 * (Swagger UI at /api/v1/docs) trips the Content-Security-Policy, signed in
 * or not. Each violation is collected from the `securitypolicyviolation`
 * event (armed before any script of the page runs) and from the console.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

interface Violation {
  readonly directive: string;
  readonly source: string;
}

async function watchedContext(): Promise<{ context: BrowserContext; page: Page; records: ConsoleRecord[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(`{
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push({ directive: event.effectiveDirective, source: event.sourceFile + ':' + event.lineNumber });
    });
  }`);
  const page = await context.newPage();
  return { context, page, records: recordConsole(page) };
}

/** Opens `path`, lets it settle, and returns what the CSP blocked there (events and console lines). */
async function violationsOn(page: Page, records: ConsoleRecord[], path: string, ready: (page: Page) => Promise<void>): Promise<string[]> {
  const before = records.length;
  await page.goto(`${server.origin}${path}`);
  await ready(page);
  await page.waitForLoadState('networkidle');
  const events = await page.evaluate<Violation[]>('window.__violations');
  const consoleLines = records.slice(before).filter((record) => /Content Security Policy/i.test(record.text));
  return [...events.map((event) => `${path}: ${event.directive} (${event.source})`), ...consoleLines.map((record) => `${path}: ${record.text}`)];
}

const appShell = async (page: Page): Promise<void> => {
  await page.locator('main').first().waitFor();
};

describe('no CSP violation anywhere', { timeout: 90_000 }, () => {
  it('on every page of the app, anonymous and signed in', async () => {
    const { context, page, records } = await watchedContext();
    const found: string[] = [];
    for (const path of ['/', '/dtc?q=P0300', '/dtc/P0300', '/analysis?codes=P0300%20P0171', '/describe', '/vehicles', '/signin', '/register', '/forgot-password', '/reset-password', '/verify-email', '/no-such-page']) {
      found.push(...(await violationsOn(page, records, path, appShell)));
    }
    const account = await new ApiClient(server.origin).register('csp');
    await server.verifyEmail(account.email);
    await signInThroughUi(page, server.origin, account);
    const vehicleId = await addVehicleThroughUi(page, server.origin, { make: 'HONDA', model: 'CIVIC', year: 2019 });
    // A scan uploaded on the vehicle's page: its page draws plots with uPlot.
    await page.getByLabel('Kiolvasás fájlja').setInputFiles(join(import.meta.dirname, '..', 'fixtures', 'scans', 'json-scan.json'));
    await page.getByRole('button', { name: 'Kiolvasás feltöltése' }).click();
    await page.waitForURL(/\/scans\/[^/]+$/);
    const scanPage = new URL(page.url()).pathname;
    for (const path of ['/garage', `/garage/${vehicleId}`, scanPage, '/describe', '/account']) {
      found.push(...(await violationsOn(page, records, path, appShell)));
    }
    await context.close();
    expect(found).toEqual([]);
  });

  it('on the API docs (Swagger UI), with an operation opened', async () => {
    const { context, page, records } = await watchedContext();
    const found = await violationsOn(page, records, '/api/v1/docs', async (docs) => {
      await docs.locator('.swagger-ui .information-container .title').waitFor();
      await docs.locator('.opblock-summary').first().click();
      await docs.locator('.opblock-body').first().waitFor();
    });
    // The top bar with its logo (the one inline stylesheet Swagger UI injects) was really drawn.
    expect(await page.locator('.topbar svg').count()).toBeGreaterThan(0);
    await context.close();
    expect(found).toEqual([]);
  });
});
