import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, recordConsole } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi, type Account } from './ui.js';

/**
 * Issue 18: second factors in a real Chromium against a real server process.
 * Passkeys come from a CDP virtual authenticator (user verification always
 * succeeds); authenticator-app codes are computed here from the secret the page
 * shows. The app is served at http://localhost:<port> (PUBLIC_URL, so the RP ID
 * is `localhost`: WebAuthn takes no IP address) and, for the cross-origin check,
 * at http://other.localhost:<port>, which Chromium resolves to loopback and
 * treats as a secure context.
 */

let server: WebServer;
let browser: Browser;
let otherOrigin: string;

/** The shared Chromium flags, except that `*.localhost` names must resolve too. */
function chromiumArgs(): string[] {
  return CHROMIUM_ARGS.map((argument) => (argument.startsWith('--host-resolver-rules=') ? `${argument}, EXCLUDE *.localhost` : argument));
}

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startWebServer({ recalls: false, publicHost: 'localhost', env: { MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') } }),
    chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(), timeout: 30_000 }),
  ]);
  otherOrigin = `http://other.localhost:${server.port}`;
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'hu-HU' });
  context.setDefaultTimeout(20_000);
  return context;
}

/** A platform authenticator with user verification, as a laptop's fingerprint reader would be. */
async function addVirtualAuthenticator(page: Page): Promise<{ credentialCount: () => Promise<number> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    credentialCount: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  };
}

/** Uncaught errors and CSP violations: the pages must have none. */
function pageErrors(records: readonly { type: string; text: string }[]): string[] {
  return records.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text)).map((record) => record.text);
}

async function newAccount(label: string): Promise<Account> {
  return new ApiClient(server.origin).register(label);
}

async function openSecurityPage(page: Page): Promise<void> {
  await page.goto(`${server.origin}/account`);
  await page.getByRole('link', { name: /Biztonság/ }).click();
  await page.waitForURL(`${server.origin}/account/security`);
  await page.getByRole('heading', { name: 'Biztonság', exact: true }).waitFor();
}

/** Reads the recovery codes shown once, then confirms they were saved. */
async function takeRecoveryCodes(page: Page): Promise<string[]> {
  const list = page.getByTestId('recovery-codes');
  await list.waitFor();
  const codes = (await list.locator('li').allTextContents()).map((code) => code.trim());
  await page.getByRole('button', { name: 'Elmentettem őket' }).click();
  await list.waitFor({ state: 'detached' });
  return codes;
}

async function signOut(page: Page): Promise<void> {
  await page.goto(`${server.origin}/account`);
  await page.getByRole('button', { name: 'Kijelentkezés', exact: true }).click();
  await page.waitForURL(`${server.origin}/signin?signedout=1`);
}

/** Password first; the page then asks for the second step in place. */
async function passwordStep(page: Page, account: Account): Promise<void> {
  await page.goto(`${server.origin}/signin`);
  await page.getByLabel('E-mail-cím').fill(account.email);
  await page.getByLabel('Jelszó', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Bejelentkezés' }).click();
  await page.getByRole('heading', { name: 'Kétlépcsős azonosítás' }).waitFor();
}


async function sessionIsSignedIn(page: Page, origin: string): Promise<boolean> {
  const state = await page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json() as Promise<{ authenticated: boolean }>, `${origin}/api/v1/auth/session`);
  return state.authenticated;
}

describe('second factors in Chromium', { timeout: 120_000 }, () => {
  it('registers a passkey on the security page, then signs in with it alone, without a password', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const authenticator = await addVirtualAuthenticator(page);
    const account = await newAccount('passkey');

    await signInThroughUi(page, server.origin, account);
    await openSecurityPage(page);
    await page.getByLabel('Név').fill('Teszt laptop');
    await page.getByRole('button', { name: 'Jelkulcs hozzáadása' }).click();
    // The first factor comes with 10 recovery codes, shown once.
    const codes = await takeRecoveryCodes(page);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    await page.getByText('Teszt laptop').waitFor();
    expect(await authenticator.credentialCount()).toBe(1);

    await signOut(page);
    await page.getByRole('button', { name: 'Belépés jelkulccsal' }).click();
    await page.waitForURL(`${server.origin}/garage`);
    expect(await page.getByLabel('Jelszó', { exact: true }).count()).toBe(0);
    expect(await sessionIsSignedIn(page, server.origin)).toBe(true);

    // The passkey now shows when it was last used.
    await openSecurityPage(page);
    await expect.poll(async () => page.locator('li.passkey dd').nth(1).textContent()).not.toBe('Még soha');
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('sets up an authenticator app, signs in with password and code, then with a recovery code once only', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = await newAccount('totp');

    await signInThroughUi(page, server.origin, account);
    await openSecurityPage(page);
    await page.getByRole('button', { name: 'Beállítás' }).click();
    await expect.poll(async () => page.getByRole('img', { name: /QR-kód/ }).getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const shownSecret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(shownSecret).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
    const totp = new TOTP({ secret: Secret.fromBase32(shownSecret.replace(/\s/g, '')) });
    const enrolledAt = Date.now();
    await page.getByLabel('Hitelesítő kód').fill(totp.generate({ timestamp: enrolledAt }));
    await page.getByRole('button', { name: 'Bekapcsolás' }).click();
    const recoveryCodes = await takeRecoveryCodes(page);
    expect(recoveryCodes).toHaveLength(10);
    await page.getByText('Bekapcsolva').waitFor();

    // Password and a wrong code: refused, still on the second step.
    await signOut(page);
    await passwordStep(page, account);
    const wrongCode = String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0');
    await page.getByLabel('Hitelesítő kód').fill(wrongCode);
    await page.getByRole('button', { name: 'Ellenőrzés' }).click();
    await page.getByRole('alert').getByText('A kód hibás').waitFor();
    expect(await sessionIsSignedIn(page, server.origin)).toBe(false);

    // The right code, from a time step not used at set-up: the next one, which the server accepts as one step of drift.
    await page.getByLabel('Hitelesítő kód').fill(totp.generate({ timestamp: enrolledAt + totp.period * 1000 }));
    await page.getByRole('button', { name: 'Ellenőrzés' }).click();
    await page.waitForURL(`${server.origin}/garage`);
    expect(await sessionIsSignedIn(page, server.origin)).toBe(true);

    // A recovery code instead, typed in lower case: works once.
    const [recoveryCode = ''] = recoveryCodes;
    for (const attempt of ['first', 'again'] as const) {
      await signOut(page);
      await passwordStep(page, account);
      await page.getByRole('button', { name: 'Inkább helyreállító kódot használok' }).click();
      await page.getByLabel('Helyreállító kód').fill(recoveryCode.toLowerCase());
      await page.getByRole('button', { name: 'Ellenőrzés' }).click();
      if (attempt === 'first') {
        await page.waitForURL(`${server.origin}/garage`);
      } else {
        await page.getByRole('alert').getByText('A kód hibás').waitFor();
        expect(await sessionIsSignedIn(page, server.origin)).toBe(false);
      }
    }

    // Still on the second step after the refused reuse: another code signs in, and eight unused codes are left.
    await page.getByLabel('Helyreállító kód').fill(recoveryCodes[1] ?? '');
    await page.getByRole('button', { name: 'Ellenőrzés' }).click();
    await page.waitForURL(`${server.origin}/garage`);
    await openSecurityPage(page);
    await page.getByText(/10-ből 8 felhasználatlan/).waitFor();
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('refuses a passkey registered on one origin when it is used on another', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const account = await newAccount('passkey-origin');

    await signInThroughUi(page, server.origin, account);
    await openSecurityPage(page);
    await page.getByLabel('Név').fill('Első gép');
    await page.getByRole('button', { name: 'Jelkulcs hozzáadása' }).click();
    await takeRecoveryCodes(page);
    expect(await authenticator.credentialCount()).toBe(1);
    await signOut(page);

    // The same server, the same authenticator, reached under another host name: the RP ID and the origin no longer match.
    const requestsBefore = server.requests().length;
    await page.goto(`${otherOrigin}/signin`);
    await page.getByRole('button', { name: 'Belépés jelkulccsal' }).click();
    await page.locator('.passkey-sign-in .notice').waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await sessionIsSignedIn(page, otherOrigin)).toBe(false);
    // Whichever side said no (the browser, for the RP ID, or the server, for the origin), no passkey sign-in succeeded.
    const passkeyLogins = server
      .requests()
      .slice(requestsBefore)
      .filter((request) => request.url.startsWith('/api/v1/auth/passkey/login'));
    expect(passkeyLogins.filter((request) => request.statusCode === 200)).toHaveLength(0);
    await context.close();
  });
});

