import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole } from '../helpers/browser.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { cookieNamed, signInThroughUi } from './ui.js';

/** Issue 9 in a real Chromium: password reset by e-mail (real local SMTP server) and ending another session. */

let smtp: LocalSmtpServer;
let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // PUBLIC_URL defaults to http://127.0.0.1:<port>, the origin the browser uses.
  [server, browser] = await Promise.all([startWebServer({ smtp, env: { MAIL_FROM: 'AutoCognitix <noreply@autocognitix.test>' } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())(), (async () => smtp.stop())()]);
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
  context.setDefaultTimeout(10_000);
  return context;
}

async function loginStatus(email: string, password: string): Promise<number> {
  const response = await new ApiClient(server.origin).request('POST', '/api/v1/auth/login', { email, password });
  return response.status;
}

function pageErrors(records: readonly { type: string; text: string }[]): string[] {
  return records.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text)).map((record) => record.text);
}

describe('account recovery in Chromium', { timeout: 60_000 }, () => {
  it('forgot password → mail → reset link → new password works, old fails, the link is single-use', async () => {
    const account = await new ApiClient(server.origin).register('reset');
    const newPassword = ['Új-jelszó', crypto.randomUUID()].join('-');
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);

    await page.goto(`${server.origin}/signin`);
    await page.getByRole('link', { name: 'Elfelejtette a jelszavát?' }).click();
    await page.waitForURL(`${server.origin}/forgot-password`);
    await page.getByRole('heading', { name: 'Elfelejtett jelszó' }).waitFor();
    await page.getByLabel('E-mail-cím').fill(account.email);
    await page.getByRole('button', { name: 'Hivatkozás küldése' }).click();
    await page.getByRole('status').getByText('Ha ehhez a címhez tartozik fiók').waitFor();

    const mail = await smtp.waitForMail(account.email, 15_000, 'reset-password');
    const match = /(http:\/\/127\.0\.0\.1:\d+\/reset-password#token=([A-Za-z0-9_-]+))/.exec(mail.body);
    expect(match, mail.body).not.toBeNull();
    const [, link = '', token = ''] = match ?? [];
    expect(link.startsWith(`${server.origin}/reset-password#token=`)).toBe(true);

    await page.goto(link);
    await page.getByRole('heading', { name: 'Új jelszó beállítása' }).waitFor();
    // The token left the address bar (and the history) once the page read it.
    expect(page.url()).toBe(`${server.origin}/reset-password`);

    // The confirmation is checked in the page first.
    await page.getByLabel('Jelszó', { exact: true }).fill(newPassword);
    await page.getByLabel('Jelszó még egyszer').fill(`${newPassword}x`);
    await page.getByRole('button', { name: 'Új jelszó beállítása' }).click();
    await page.getByText('A két jelszó nem egyezik').waitFor();

    // The password policy answers 422 and the token stays usable.
    await page.getByLabel('Jelszó', { exact: true }).fill('short');
    await page.getByLabel('Jelszó még egyszer').fill('short');
    await page.getByRole('button', { name: 'Új jelszó beállítása' }).click();
    await page.locator('#reset-password-error').waitFor();
    // In the page's language, not the server's "must be at least 12 characters".
    expect(await page.locator('#reset-password-error').textContent()).toBe('Legalább 12 karaktert adjon meg.');
    expect(await page.getByLabel('Jelszó', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Jelszó', { exact: true }).fill(newPassword);
    await page.getByLabel('Jelszó még egyszer').fill(newPassword);
    await page.getByRole('button', { name: 'Új jelszó beállítása' }).click();
    await page.waitForURL(`${server.origin}/signin?reset=1`);
    await page.getByRole('status').getByText('A jelszava megváltozott').waitFor();

    expect(await loginStatus(account.email, newPassword)).toBe(200);
    expect(await loginStatus(account.email, account.password)).toBe(401);

    // The same link a second time: clearly invalid, with a way to ask for a new one.
    await page.goto(link);
    await page.getByRole('heading', { name: 'Új jelszó beállítása' }).waitFor();
    await page.getByLabel('Jelszó', { exact: true }).fill(`${newPassword}2`);
    await page.getByLabel('Jelszó még egyszer').fill(`${newPassword}2`);
    await page.getByRole('button', { name: 'Új jelszó beállítása' }).click();
    await page.getByRole('alert').getByText('érvénytelen, lejárt vagy már felhasználták').waitFor();
    await page.getByRole('alert').getByRole('link', { name: 'Új hivatkozás kérése' }).click();
    await page.waitForURL(`${server.origin}/forgot-password`);
    expect(await loginStatus(account.email, newPassword)).toBe(200);

    // The token never travelled in a URL the server saw.
    expect(server.requests().filter((request) => request.url.includes(token))).toEqual([]);
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('issue 14 item 2: changing the e-mail address needs the password and the link mailed to the new address; the old address can undo it', async () => {
    const account = await new ApiClient(server.origin).register('email-change');
    const target = `moved-${crypto.randomUUID()}@example.com`;
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    await signInThroughUi(page, server.origin, account);
    await page.goto(`${server.origin}/account`);
    await page.getByRole('heading', { name: 'E-mail-cím módosítása' }).waitFor();
    await page.locator('#email-new').fill(target);
    await page.locator('#email-password').fill(account.password);
    await page.getByRole('button', { name: 'Megerősítő hivatkozás küldése' }).click();
    await page.getByRole('status').getByText('Megerősítő hivatkozást küldtünk').waitFor();
    // Nothing has changed yet.
    expect(await loginStatus(account.email, account.password)).toBe(200);

    const confirmMail = await smtp.waitForMail(target, 15_000);
    const confirmLink = /(http:\/\/127\.0\.0\.1:\d+\/confirm-email#token=[A-Za-z0-9_-]+)/.exec(confirmMail.body)?.[1] ?? '';
    expect(confirmLink).not.toBe('');
    await page.goto(confirmLink);
    await page.getByRole('button', { name: 'Az új cím megerősítése' }).click();
    await page.getByRole('status').getByText('Az e-mail-címe megváltozott. A többi munkamenetét kijelentkeztettük.').waitFor();
    // The token left the address bar.
    expect(page.url()).toBe(`${server.origin}/confirm-email`);
    expect(await loginStatus(target, account.password)).toBe(200);
    expect(await loginStatus(account.email, account.password)).toBe(401);

    const notice = await smtp.waitForMail(account.email, 15_000, 'undo-email-change');
    const undoLink = /(http:\/\/127\.0\.0\.1:\d+\/undo-email-change#token=[A-Za-z0-9_-]+)/.exec(notice.body)?.[1] ?? '';
    expect(undoLink).not.toBe('');
    const owner = await (await newContext()).newPage();
    await owner.goto(undoLink);
    await owner.getByRole('button', { name: 'A régi címem visszaállítása' }).click();
    await owner.getByRole('status').getByText('Visszaállt az előző e-mail-címe, és minden munkamenet véget ért.').waitFor();
    expect(await loginStatus(account.email, account.password)).toBe(200);
    expect(await loginStatus(target, account.password)).toBe(401);
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('a throttled reset request shows how long to wait (Retry-After)', async () => {
    const email = `e2e-throttle-${crypto.randomUUID()}@example.com`;
    const api = new ApiClient(server.origin);
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await api.request('POST', '/api/v1/auth/forgot-password', { email })).status).toBe(202);
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/forgot-password`);
    await page.getByLabel('E-mail-cím').fill(email);
    await page.getByRole('button', { name: 'Hivatkozás küldése' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText(/Próbálja újra \d+ másodperc múlva/).waitFor();
    expect(await page.getByRole('status').count()).toBe(0);
    await context.close();
  });

  it('lists the sessions on the account page and ends another browser’s session there', async () => {
    const account = await new ApiClient(server.origin).register('sessions');
    const [mine, other] = await Promise.all([newContext(), newContext()]);
    const minePage = await mine.newPage();
    const otherPage = await other.newPage();
    const consoleRecords = recordConsole(minePage);
    await signInThroughUi(otherPage, server.origin, account);
    await signInThroughUi(minePage, server.origin, account);

    const otherAccess = await cookieNamed(other, 'access_token');
    const otherRefresh = await cookieNamed(other, 'refresh_token');
    const before = await fetch(`${server.origin}/api/v1/auth/me`, { headers: { cookie: `access_token=${otherAccess.value}` } });
    expect(before.status).toBe(200);

    await minePage.getByRole('link', { name: 'Fiók' }).click();
    await minePage.getByRole('heading', { name: 'Munkamenetek' }).waitFor();
    const sessions = minePage.locator('.session-list > li');
    await sessions.nth(1).waitFor();
    expect(await sessions.count()).toBe(2);
    const current = minePage.locator('.session-list > li[aria-current="true"]');
    expect(await current.count()).toBe(1);
    await current.getByText('Ez a munkamenet').waitFor();
    expect(await current.getByRole('button', { name: 'Munkamenet lezárása' }).count()).toBe(0);
    expect(await current.getByText('127.0.0.').count()).toBe(1);

    await minePage.getByRole('button', { name: 'Munkamenet lezárása' }).click();
    await minePage.getByRole('status').getByText('A munkamenet lezárult').waitFor();
    await minePage.locator('.session-list > li').nth(1).waitFor({ state: 'detached' });
    // The list is replaced while it reloads: wait for the reloaded one before counting.
    await minePage.locator('.session-list > li').first().waitFor();
    expect(await minePage.locator('.session-list > li').count()).toBe(1);

    // The other browser's tokens are dead at once: its access token and its refresh token alike.
    const after = await fetch(`${server.origin}/api/v1/auth/me`, { headers: { cookie: `access_token=${otherAccess.value}` } });
    expect(after.status).toBe(401);
    const otherClient = new ApiClient(server.origin);
    otherClient.cookies.set('refresh_token', otherRefresh.value);
    expect((await otherClient.request('POST', '/api/v1/auth/refresh', {})).status).toBe(401);
    // And this browser is still signed in.
    const stillMine = await cookieNamed(mine, 'access_token');
    expect((await fetch(`${server.origin}/api/v1/auth/me`, { headers: { cookie: `access_token=${stillMine.value}` } })).status).toBe(200);

    expect(pageErrors(consoleRecords)).toEqual([]);
    await Promise.all([mine.close(), other.close()]);
  });
});
