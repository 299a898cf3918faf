import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { launchChromium, recordConsole } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi } from './ui.js';

/**
 * Issue 19: the user's mail is written in the language they use the web app
 * in. Registration sends the UI language, and a signed-in user who switches
 * the language switches their account's too. Checked through the API, as the
 * account itself says.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
  context.setDefaultTimeout(20_000);
  return context;
}

/** The account's language, as GET /me tells its own session. */
async function languageOf(account: { email: string; password: string }): Promise<string> {
  const api = new ApiClient(server.origin);
  const signedIn = await api.request('POST', '/api/v1/auth/login', account);
  expect(signedIn.status).toBe(200);
  return ((await (await api.request('GET', '/api/v1/auth/me')).json()) as { language: string }).language;
}

describe('the user language in Chromium', { timeout: 60_000 }, () => {
  it('registration in English makes an English account (the browser itself asks for Hungarian)', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = { email: uniqueEmail('e2e-language'), password: strongPassword() };
    await page.goto(`${server.origin}/register`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByLabel('Password again').fill(account.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.origin}/signin?registered=1`);
    expect(await languageOf(account)).toBe('en');
    expect(consoleRecords.filter((record) => record.type === 'pageerror')).toEqual([]);
    await context.close();
  });

  it("switching the language while signed in switches the account's", async () => {
    const account = await new ApiClient(server.origin).register('switch');
    expect(await languageOf(account)).toBe('hu');
    const context = await newContext();
    const page = await context.newPage();
    await signInThroughUi(page, server.origin, account);
    const profileUpdate = () => page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/me') && response.request().method() === 'PUT');
    const toEnglish = profileUpdate();
    await page.getByRole('button', { name: 'English' }).click();
    expect((await toEnglish).status()).toBe(200);
    await page.getByRole('link', { name: 'My garage' }).waitFor();
    expect(await languageOf(account)).toBe('en');
    const toHungarian = profileUpdate();
    await page.getByRole('button', { name: 'Magyar' }).click();
    expect((await toHungarian).status()).toBe(200);
    expect(await languageOf(account)).toBe('hu');
    await context.close();
  });
});
