import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi } from './ui.js';

/**
 * Issue 19 in a real Chromium: an admin locks a user from the admin page
 * while the user has their account page open in another browser; the user's
 * tab lands on the sign-in page at its next request, and on a reload.
 */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
  context.setDefaultTimeout(10_000);
  return context;
}

describe('admin user management in Chromium', { timeout: 90_000 }, () => {
  it('an admin locks a user from the admin page; the user, signed in elsewhere, is sent to the sign-in page and cannot sign in again', async () => {
    const api = new ApiClient(server.origin);
    const user = await api.register('locked');
    const admin = await api.register('admin');
    const promoted = await runCli(['users', 'create-admin', '--email', admin.email, '--promote-existing'], server.env);
    expect(promoted.code, promoted.output).toBe(0);

    // The user: signed in, the account page open.
    const userContext = await newContext();
    const userPage = await userContext.newPage();
    const userConsole = recordConsole(userPage);
    await signInThroughUi(userPage, server.origin, user, '/account');
    await userPage.getByRole('heading', { name: 'Fiók', exact: true }).waitFor();
    // No admin link for a user, and the admin page is not theirs.
    expect(await userPage.getByRole('link', { name: 'Adminisztráció' }).count()).toBe(0);

    // The admin: finds the user and locks them, after confirming.
    const adminContext = await newContext();
    const adminPage = await adminContext.newPage();
    await signInThroughUi(adminPage, server.origin, admin, '/garage');
    await adminPage.getByRole('link', { name: 'Adminisztráció' }).click();
    await adminPage.waitForURL(`${server.origin}/admin`);
    await adminPage.getByLabel('Az e-mail-cím eleje').fill(user.email);
    await adminPage.getByRole('button', { name: 'Keresés' }).click();
    await adminPage.getByRole('link', { name: user.email }).click();
    await adminPage.getByRole('heading', { name: user.email }).waitFor();
    expect(await adminPage.locator('dd[data-state]').textContent()).toBe('Aktív');
    await adminPage.getByRole('button', { name: 'A fiók zárolása' }).click();
    await adminPage.getByText(`Zárolja ezt a fiókot: ${user.email}?`).waitFor();
    await adminPage.getByRole('button', { name: 'Igen, végrehajtom' }).click();
    await adminPage.getByRole('status').getByText('Kész.').waitFor();
    await adminPage.locator('dd[data-state="locked"]').waitFor();
    expect(await adminPage.locator('dd[data-state]').textContent()).toBe('Zárolva');

    // The user's open tab: its next request finds the session over and goes to the sign-in page.
    await userPage.getByRole('link', { name: 'Garázsom' }).click();
    await userPage.waitForURL(`${server.origin}/signin?next=%2Fgarage`);
    await userPage.getByText('A munkamenet lejárt. Jelentkezzen be újra.').waitFor();
    // A reload of a signed-in page lands there too.
    await userPage.goto(`${server.origin}/account`);
    await userPage.waitForURL(`${server.origin}/signin?next=%2Faccount`);
    // And the password no longer signs in.
    await userPage.getByLabel('E-mail-cím').fill(user.email);
    await userPage.getByLabel('Jelszó', { exact: true }).fill(user.password);
    await userPage.getByRole('button', { name: 'Bejelentkezés' }).click();
    await userPage.getByRole('alert').getByText('Ez a fiók le van tiltva.').waitFor();
    expect(userConsole.filter((record) => record.type === 'pageerror').map((record) => record.text)).toEqual([]);

    await Promise.all([userContext.close(), adminContext.close()]);
  });

  it('a user whose admin requires a new password is told at sign-in, in Hungarian, and led to the reset link', async () => {
    const api = new ApiClient(server.origin);
    const user = await api.register('reset-required');
    const admin = await api.register('admin-two');
    expect((await runCli(['users', 'create-admin', '--email', admin.email, '--promote-existing'], server.env)).code).toBe(0);
    const adminApi = new ApiClient(server.origin);
    expect((await adminApi.request('POST', '/api/v1/auth/login', admin)).status).toBe(200);
    await adminApi.fetchCsrfToken();
    const found = (await (await adminApi.request('GET', `/api/v1/admin/users?q=${encodeURIComponent(user.email)}`)).json()) as { items: { id: string }[] };
    const [target] = found.items;
    expect(target).toBeDefined();
    expect((await adminApi.request('POST', `/api/v1/admin/users/${target?.id ?? ''}/password-reset/require`)).status).toBe(204);

    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/signin`);
    await page.getByLabel('E-mail-cím').fill(user.email);
    await page.getByLabel('Jelszó', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Bejelentkezés' }).click();
    await page.getByRole('alert').getByText('Az adminisztrátor új jelszó beállítását kérte.').waitFor();
    await page.getByRole('link', { name: 'Jelszó-visszaállító hivatkozás kérése' }).click();
    await page.waitForURL(`${server.origin}/forgot-password`);
    await context.close();
  });
});
