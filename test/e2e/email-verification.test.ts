import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { launchChromium, recordConsole } from '../helpers/browser.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { eventually } from '../helpers/time.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi } from './ui.js';

/**
 * Issue 19 in a real Chromium: registration mails a verification link (real
 * local SMTP server); the garage page explains why adding waits; the link page
 * verifies the address; the account page shows the state in Hungarian and
 * English, and its resend button mails a new link.
 */

let smtp: LocalSmtpServer;
let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpServer();
  [server, browser] = await Promise.all([startWebServer({ smtp, recalls: false }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())(), (async () => smtp.stop())()]);
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
  context.setDefaultTimeout(10_000);
  return context;
}

const LINK = /(http:\/\/127\.0\.0\.1:\d+\/verify-email#token=[A-Za-z0-9_-]+)/;
const verificationMails = (email: string) => smtp.messages.filter((message) => message.to.includes(email) && LINK.test(message.body));

function pageErrors(records: readonly { type: string; text: string }[]): string[] {
  return records.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text)).map((record) => record.text);
}

describe('verifying the e-mail address in Chromium', { timeout: 60_000 }, () => {
  it('register → the resend button mails a new link → the link page verifies → the account page says so in Hungarian and English; the garage opens up', async () => {
    const account = { email: uniqueEmail('e2e-verify'), password: strongPassword() };
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);

    await page.goto(`${server.origin}/register`);
    await page.getByLabel('E-mail-cím').fill(account.email);
    await page.getByLabel('Jelszó', { exact: true }).fill(account.password);
    await page.getByLabel('Jelszó még egyszer').fill(account.password);
    await page.getByRole('button', { name: 'Fiók létrehozása' }).click();
    await page.waitForURL(`${server.origin}/signin?registered=1`);
    await smtp.waitForMail(account.email, 15_000, 'verify-email#token=');
    await signInThroughUi(page, server.origin, account);

    // The garage says why there is no form yet.
    await page.locator('#garage-needs-verified-email').waitFor();
    expect(await page.getByRole('button', { name: 'Jármű hozzáadása' }).count()).toBe(0);

    await page.goto(`${server.origin}/account`);
    expect(await page.locator('#email-verification-state').textContent()).toBe('Nincs megerősítve');
    await page.getByRole('button', { name: 'Új hivatkozás küldése' }).click();
    await page.getByRole('status').getByText('Új hivatkozást küldtünk').waitFor();
    await eventually(() => verificationMails(account.email).length === 2, { timeoutMs: 15_000, what: 'the resent verification mail' });
    const [first, second] = verificationMails(account.email).map((mail) => LINK.exec(mail.body)?.[1] ?? '');
    expect(second).not.toBe(first);

    // The first link died with the resend.
    await page.goto(first ?? '');
    await page.getByRole('button', { name: 'A címem megerősítése' }).click();
    await page.getByRole('alert').getByText('Ez a hivatkozás érvénytelen, lejárt vagy már felhasználták.').waitFor();

    // A mail link opens a new tab.
    const linkPage = await context.newPage();
    await linkPage.goto(second ?? '');
    await linkPage.getByRole('heading', { name: 'E-mail-cím megerősítése' }).waitFor();
    await linkPage.getByRole('button', { name: 'A címem megerősítése' }).click();
    await linkPage.getByRole('status').getByText('Az e-mail-címe megerősítve.').waitFor();
    // The token left the address bar.
    expect(linkPage.url()).toBe(`${server.origin}/verify-email`);
    await linkPage.close();

    await page.goto(`${server.origin}/account`);
    await page.locator('#email-verification-state').getByText('Megerősítve').waitFor();
    expect(await page.getByRole('button', { name: 'Új hivatkozás küldése' }).count()).toBe(0);
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('#email-verification-state').getByText('Verified').waitFor();
    expect(await page.locator('#email-verification-state').textContent()).toBe('Verified');

    // The garage takes vehicles now.
    await page.goto(`${server.origin}/garage`);
    await page.getByRole('button', { name: 'Add vehicle' }).waitFor();
    expect(await page.locator('#garage-needs-verified-email').count()).toBe(0);
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('an unverified account page reads "Not verified" in English', async () => {
    const account = { email: uniqueEmail('e2e-unverified'), password: strongPassword() };
    const response = await new ApiClient(server.origin).request('POST', '/api/v1/auth/register', account);
    expect(response.status).toBe(201);
    const context = await newContext();
    const page = await context.newPage();
    await signInThroughUi(page, server.origin, account);
    await page.goto(`${server.origin}/account`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('#email-verification-state').getByText('Not verified').waitFor();
    await page.getByRole('button', { name: 'Send a new link' }).waitFor();
    await context.close();
  });
});
