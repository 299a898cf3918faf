import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { TokenCodec, newTokenId } from '../../src/security/tokens.js';
import { launchChromium, recordConsole, saveScreenshot } from '../helpers/browser.js';
import { strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { projectRoot } from '../helpers/process.js';
import { addVehicleThroughUi, cookieNamed, signInThroughUi } from './ui.js';

/** The bundled P0301, as the seed file has it. */
const seededMisfire = (JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-generic.json'), 'utf8')) as { code: string; symptoms: string[]; symptoms_hu: string[]; possible_causes_hu: string[] }[]).find(
  (code) => code.code === 'P0301',
);

/** Issue 7: the web front end in a real Chromium against a real server process. */

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ complaints: true }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  // Each separately, so a start-up that failed half-way still closes what did start.
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

async function newContext(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'hu-HU' });
  context.setDefaultTimeout(20_000);
  return context;
}

/** Uncaught errors in the app; an expected 401 answer logs a console error too, so those are not counted. */
function pageErrors(records: readonly { type: string; text: string }[]): string[] {
  return records.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text)).map((record) => record.text);
}

describe('the web app in Chromium', { timeout: 60_000 }, () => {
  it('registers, signs in, finds a code, adds a garage vehicle with its recalls, signs out, and the old access cookie is dead', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const account = { email: uniqueEmail('e2e-flow'), password: strongPassword() };

    await page.goto(`${server.origin}/register`);
    await page.getByRole('heading', { name: 'Fiók létrehozása' }).waitFor();
    await page.getByLabel('E-mail-cím').fill(account.email);
    await page.getByLabel('Jelszó', { exact: true }).fill(account.password);
    await page.getByLabel('Jelszó még egyszer').fill(account.password);
    await page.getByRole('button', { name: 'Fiók létrehozása' }).click();
    await page.waitForURL(`${server.origin}/signin?registered=1`);
    await page.getByRole('status').getByText('A fiókja elkészült').waitFor();
    // The registration mail's link; test/e2e/email-verification.test.ts follows it in the browser.
    await server.verifyEmail(account.email);

    await page.getByLabel('E-mail-cím').fill(account.email);
    await page.getByLabel('Jelszó', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Bejelentkezés' }).click();
    await page.waitForURL(`${server.origin}/garage`);
    await page.getByText('A garázsa üres').waitFor();

    // The session is in httpOnly cookies only: nothing token-like is readable by the page.
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    expect(await page.evaluate('Object.keys(localStorage).filter((key) => key !== "autocognitix.language")')).toEqual([]);
    expect((await context.cookies()).filter((cookie) => !cookie.httpOnly).map((cookie) => cookie.name)).toEqual([]);

    await page.getByRole('link', { name: 'Hibakódok' }).click();
    await page.getByLabel('Kód vagy leírás').fill('p0301');
    await page.getByRole('button', { name: 'Keresés' }).click();
    await page.waitForURL(`${server.origin}/dtc?q=p0301`);
    await page.getByRole('link', { name: 'P0301', exact: true }).click();
    await page.getByRole('heading', { name: 'P0301 hibakód' }).waitFor();
    await page.getByRole('heading', { name: 'Tünetek' }).waitFor();
    // The code's symptoms and causes in Hungarian, not the English ones (issue 17).
    for (const line of [...(seededMisfire?.symptoms_hu ?? []), ...(seededMisfire?.possible_causes_hu ?? [])]) await page.getByText(line, { exact: true }).first().waitFor();
    expect(seededMisfire?.symptoms_hu.length).toBeGreaterThan(0);
    for (const line of seededMisfire?.symptoms ?? []) expect(await page.getByText(line, { exact: true }).count()).toBe(0);
    await saveScreenshot(page, 'dtc-detail');

    const vehicleId = await addVehicleThroughUi(page, server.origin, { make: 'honda', model: 'civic', year: 2018, nickname: 'Családi autó' });
    expect(vehicleId).not.toBe('');
    await page.getByRole('heading', { name: 'Családi autó' }).waitFor();
    await page.getByRole('heading', { name: '23V100000 kampány' }).waitFor();
    await page.getByRole('heading', { name: '22V200000 kampány' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Visszahívások (2)' }).count()).toBe(1);
    await saveScreenshot(page, 'garage-vehicle');

    const accessCookie = await cookieNamed(context, 'access_token');
    const before = await fetch(`${server.origin}/api/v1/auth/me`, { headers: { cookie: `access_token=${accessCookie.value}` } });
    expect(before.status).toBe(200);

    await page.getByRole('link', { name: 'Fiók' }).click();
    await page.getByRole('button', { name: 'Kijelentkezés', exact: true }).click();
    await page.waitForURL(`${server.origin}/signin?signedout=1`);
    await page.getByRole('heading', { name: 'Bejelentkezés' }).waitFor();
    await page.getByRole('status').getByText('Kijelentkezett').waitFor();
    expect(await page.getByRole('link', { name: 'Garázsom' }).count()).toBe(0);

    const replayed = await fetch(`${server.origin}/api/v1/auth/me`, { headers: { cookie: `access_token=${accessCookie.value}` } });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain('access_token');

    // The garage is behind sign-in again.
    await page.goto(`${server.origin}/garage/${vehicleId}`);
    await page.waitForURL(`${server.origin}/signin?next=${encodeURIComponent(`/garage/${vehicleId}`)}`);
    expect(pageErrors(consoleRecords)).toEqual([]);
  });

  it('two tabs with an expired access token make one refresh between them (issue 14 item 9), get no token in its body (item 7), and both keep working', async () => {
    const api = new ApiClient(server.origin);
    const account = await api.register('tabs');
    await server.verifyEmail(account.email);
    const context = await newContext();
    // Test instrumentation, injected before the app loads: records what each tab's session channel receives.
    await context.addInitScript(`{
      const Original = window.BroadcastChannel;
      window.__tabMessages = [];
      window.BroadcastChannel = class extends Original {
        constructor(name) {
          super(name);
          this.addEventListener('message', (event) => window.__tabMessages.push(event.data));
        }
      };
    }`);
    const first = await context.newPage();
    const firstConsole = recordConsole(first);
    await signInThroughUi(first, server.origin, account);
    const vehicleId = await addVehicleThroughUi(first, server.origin, { make: 'HONDA', model: 'CIVIC', year: 2018, nickname: 'Két fül' });
    await first.getByRole('link', { name: 'Vissza a garázshoz' }).first().click();
    await first.getByRole('link', { name: 'Két fül megnyitása' }).waitFor();

    const second = await context.newPage();
    const secondConsole = recordConsole(second);
    const secondCsrf = second.waitForResponse((response) => response.url().endsWith('/api/v1/auth/csrf-token'));
    await second.goto(`${server.origin}/garage`);
    await second.getByRole('link', { name: 'Két fül megnyitása' }).waitFor();
    await secondCsrf;
    // The second tab's CSRF token replaced the cookie; wait until the first tab has learnt it too.
    const csrfCookie = await cookieNamed(context, 'csrf_token');
    await vi.waitFor(async () => {
      const received = await first.evaluate<unknown[]>('window.__tabMessages.map((message) => message.csrfToken)');
      expect(received).toContain(csrfCookie.value);
    });

    // An access token for the same session, validly signed, expired 25 minutes ago.
    const current = await cookieNamed(context, 'access_token');
    const claims = JSON.parse(Buffer.from(current.value.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; family: string };
    const issuedAtMs = Date.now() - 40 * 60_000;
    const expired = new TokenCodec(server.jwtSecret, { now: () => issuedAtMs }).encode({
      sub: claims.sub,
      family: claims.family,
      type: 'access',
      jti: newTokenId(),
      issuedAtMs,
      expiresAtSeconds: Math.floor(issuedAtMs / 1000) + 15 * 60,
    });
    expect(() => new TokenCodec(server.jwtSecret, systemClock).decode(expired, 'access')).toThrow('The token has expired');
    await context.addCookies([{ ...current, value: expired, expires: Math.floor(Date.now() / 1000) + 600 }]);

    const logBefore = server.requests().length;
    // Record every refresh (which tab sent it, what came back) and pass it through unchanged.
    const refreshedFrom: Page[] = [];
    const answers: { status: number; body: string }[] = [];
    await context.route('**/api/v1/auth/refresh', async (route, request) => {
      refreshedFrom.push(request.frame().page());
      const response = await route.fetch();
      answers.push({ status: response.status(), body: await response.text() });
      await route.fulfill({ response });
    });

    // Each tab opens the vehicle at the same moment: six authenticated requests, all 401 token_expired.
    await Promise.all([first, second].map((page) => page.getByRole('link', { name: 'Két fül megnyitása' }).click()));
    for (const page of [first, second]) {
      await page.getByRole('heading', { name: 'Két fül' }).waitFor();
      await page.getByRole('heading', { name: 'Visszahívások (2)' }).waitFor();
      await page.getByText('Még nincs jegyzet.').waitFor();
      expect(page.url()).toBe(`${server.origin}/garage/${vehicleId}`);
    }

    // One refresh for both tabs (a Web Lock, under it a session probe; a single flight within each tab): the
    // refresh budget (5 per user and hour) is spent once, and the answer carries no token (cookie mode).
    expect(refreshedFrom).toHaveLength(1);
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    expect(answers[0]?.body).not.toMatch(/eyJ|access_token|refresh_token/);
    const refreshed = await cookieNamed(context, 'access_token');
    expect(refreshed.value).not.toBe(expired);
    const served = server.requests().slice(logBefore).filter((request) => request.method === 'POST' && request.url === '/api/v1/auth/refresh');
    expect(served.map((request) => request.statusCode)).toEqual([200]);

    // Both tabs keep working, writes included (their CSRF token is still bound to the session).
    await second.getByLabel('Tünetek, megfigyelések').fill('Rángat hidegindításnál');
    await second.getByRole('button', { name: 'Jegyzet mentése' }).click();
    await second.getByText('Rángat hidegindításnál').waitFor();
    await first.reload();
    await first.getByText('Rángat hidegindításnál').waitFor();
    expect([...pageErrors(firstConsole), ...pageErrors(secondConsole)]).toEqual([]);
  });

  it('issue 17: a manufacturer code shows whose meaning it is and links to the other makes’ meanings', async () => {
    const manufacturerSeed = JSON.parse(readFileSync(path.join(projectRoot, 'seed', 'dtc-manufacturer.json'), 'utf8')) as { code: string; make: string; description_hu: string }[];
    const meaning = (make: string): string => manufacturerSeed.find((entry) => entry.code === 'P1780' && entry.make === make)?.description_hu ?? '';
    expect(meaning('FORD')).not.toBe(meaning('TOYOTA'));
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);

    await page.goto(`${server.origin}/dtc?q=P1780`);
    const results = page.getByRole('region', { name: 'Találatok' });
    await results.getByText(meaning('TOYOTA')).waitFor();
    await results.getByText('Ford-specifikus kód').waitFor();
    await results.getByText('Toyota-specifikus kód').waitFor();

    await page.goto(`${server.origin}/dtc/P1780?make=ford`);
    await page.getByRole('heading', { name: 'P1780 hibakód' }).waitFor();
    await page.getByText(meaning('FORD'), { exact: true }).waitFor();
    expect(await page.getByText('Ford-specifikus kód').count()).toBe(1);
    const variants = page.getByRole('region', { name: 'Jelentése más gyártóknál' });
    await variants.getByText(meaning('TOYOTA')).waitFor();
    await saveScreenshot(page, 'dtc-detail-make');
    await variants.getByRole('link', { name: 'P1780' }).click();
    await page.waitForURL(`${server.origin}/dtc/P1780?make=TOYOTA`);
    await page.getByText(meaning('TOYOTA'), { exact: true }).first().waitFor();
    await page.getByText('Toyota-specifikus kód').first().waitFor();

    // A make without its own meaning of a code that has only makes' meanings: the page says whose meaning it shows.
    await page.goto(`${server.origin}/dtc/P1780?make=SUZUKI`);
    await page.getByText('Ezt a kódot csak gyártók saját jelentésével ismerjük; itt a(z) Ford jelentés látható.').waitFor();
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('issue 15 item 9: an anonymous page load makes no failing request and leaves the console clean', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    const sessionCheck = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/session'));
    await page.goto(`${server.origin}/`);
    expect((await sessionCheck).status()).toBe(200);
    await page.getByRole('link', { name: 'Bejelentkezés' }).first().waitFor();
    await page.goto(`${server.origin}/vehicles`);
    await page.getByRole('link', { name: 'Bejelentkezés' }).first().waitFor();
    expect(failed).toEqual([]);
    expect(consoleRecords.filter((record) => record.type === 'error' || record.type === 'pageerror')).toEqual([]);
    await context.close();
  });

  it('issue 16: a form the server answers 422 says what is wrong in the UI language, never in the server’s English', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const consoleRecords = recordConsole(page);
    /** The server's own words in every 422 the page received, to prove none of them reaches the screen. */
    const serverWords: string[] = [];
    const refused = async (): Promise<void> => {
      const answer = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/register'));
      await page.getByRole('button', { name: 'Fiók létrehozása' }).click();
      const response = await answer;
      expect(response.status()).toBe(422);
      const body = (await response.json()) as { error: { message: string; details?: { message: string }[] } };
      serverWords.push(body.error.message, ...(body.error.details ?? []).map((detail) => detail.message));
    };
    const password = strongPassword();

    await page.goto(`${server.origin}/register`);
    await page.getByLabel('E-mail-cím').fill('nem-egy-cim');
    await page.getByLabel('Jelszó', { exact: true }).fill(password);
    await page.getByLabel('Jelszó még egyszer').fill(password);
    await refused();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Néhány adat nem megfelelő. Javítsa a megjelölt mezőket.');
    expect(await page.locator('#register-email-error').textContent()).toBe('Adjon meg egy érvényes e-mail-címet, például nev@example.com.');
    expect(await page.getByLabel('E-mail-cím').getAttribute('aria-invalid')).toBe('true');

    // The route's own check (not the schema's) says it in English too: the page does not.
    await page.getByLabel('E-mail-cím').fill(uniqueEmail('e2e-422'));
    await page.getByLabel('Jelszó', { exact: true }).fill('rövid');
    await page.getByLabel('Jelszó még egyszer').fill('rövid');
    await refused();
    await page.locator('#register-password-error').waitFor();
    expect(await page.locator('#register-password-error').textContent()).toBe('Legalább 12 karaktert adjon meg.');
    expect(await page.locator('#register-email-error').count()).toBe(0);

    expect(serverWords).toEqual(['The request is invalid', 'must match format "email"', 'The request is invalid', 'must be at least 12 characters']);
    const shown = await page.locator('body').innerText();
    for (const words of serverWords) expect(shown).not.toContain(words);

    // The same answer in the English UI is English: the text follows the language, not the server.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    expect(await page.locator('#register-password-error').textContent()).toBe('Enter at least 12 characters.');
    expect(await page.getByRole('alert').textContent()).toBe('Some of the data is not valid. Please correct the highlighted fields.');
    expect(pageErrors(consoleRecords)).toEqual([]);
    await context.close();
  });

  it('shows the main pages in Hungarian and English, remembers the language, and fits a phone screen (screenshots)', async () => {
    const api = new ApiClient(server.origin);
    const account = await api.register('pages');
    await server.verifyEmail(account.email);
    const context = await newContext();
    const page: Page = await context.newPage();
    const consoleRecords = recordConsole(page);

    await page.goto(`${server.origin}/signin`);
    await page.getByRole('heading', { name: 'Bejelentkezés' }).waitFor();
    await saveScreenshot(page, 'sign-in');

    await page.goto(`${server.origin}/dtc?q=misfire`);
    await page.getByRole('link', { name: 'P0300', exact: true }).waitFor();
    await saveScreenshot(page, 'dtc-search');

    await page.goto(`${server.origin}/analysis?codes=P0301%20P0300`);
    // Free text, any case; the imported makes and models are offered as suggestions.
    await page.getByLabel('Márka').fill('honda');
    await page.locator('#analysis-models option[value="CIVIC"]').waitFor({ state: 'attached' });
    await page.getByLabel('Típus').fill('civic');
    await page.getByLabel('Évjárat').fill('2018');
    await page.getByRole('button', { name: 'Elemzés' }).click();
    await page.getByRole('heading', { name: 'Eredmény' }).waitFor();
    await page.getByText('Visszahívások (HONDA CIVIC 2018): összesen 2').waitFor();
    await saveScreenshot(page, 'quick-analysis');

    await page.goto(`${server.origin}/vehicles`);
    await page.getByLabel('Márka').fill('HONDA');
    await page.getByLabel('Típus').fill('CIVIC');
    await page.getByLabel('Évjárat').fill('2018');
    await page.getByRole('button', { name: 'Mutasd' }).click();
    await page.waitForURL(`${server.origin}/vehicles?make=HONDA&model=CIVIC&year=2018`);
    await page.getByText('2 panasz · 1 baleset · 1 tűz · 1 sérülés · 1 haláleset').waitFor();
    await saveScreenshot(page, 'recalls-complaints');

    await signInThroughUi(page, server.origin, account);
    await addVehicleThroughUi(page, server.origin, { make: 'TOYOTA', model: 'COROLLA', year: 2004, nickname: 'Munkaautó' });
    await page.getByRole('link', { name: 'Vissza a garázshoz' }).first().click();
    await page.getByRole('link', { name: 'Munkaautó megnyitása' }).waitFor();
    await saveScreenshot(page, 'garage');

    await page.getByRole('link', { name: 'Fiók' }).click();
    await page.getByRole('heading', { name: 'Jelszócsere' }).waitFor();
    await saveScreenshot(page, 'account');

    // English, remembered across a reload; the stored choice is the only thing in localStorage.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.goto(`${server.origin}/dtc?q=misfire`);
    await page.getByRole('heading', { name: 'Trouble code search' }).waitFor();
    expect(await page.evaluate('JSON.stringify(Object.entries(localStorage))')).toBe('[["autocognitix.language","en"]]');
    await saveScreenshot(page, 'dtc-search-en');
    await page.getByRole('button', { name: 'Magyar' }).click();
    await page.getByRole('heading', { name: 'Hibakód-kereső' }).waitFor();

    const phone = await newContext({ width: 390, height: 844 });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${server.origin}/dtc?q=P03`);
    await phonePage.getByRole('link', { name: 'P0300', exact: true }).waitFor();
    const overflow = await phonePage.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await saveScreenshot(phonePage, 'dtc-search-phone');
    expect(pageErrors(consoleRecords)).toEqual([]);
  });
});
