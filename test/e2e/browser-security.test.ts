import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium, recordConsole, saveScreenshot, type ConsoleRecord } from '../helpers/browser.js';
import { recallLine } from '../helpers/nhtsa-fixtures.js';
import { ApiClient, startAttackerSite, startWebServer, type AttackerSite, type WebServer } from '../helpers/web-server.js';
import { addVehicleThroughUi, cookieNamed, signInThroughUi } from './ui.js';

/**
 * Issue 7: the browser-side defences, proven in Chromium: the CSP stops
 * injected markup and inline script, frame-ancestors stops framing, and
 * cross-site forms and fetches cannot change a signed-in user's state.
 */

/** Sets `window.__pwned` if it ever runs. Fits the 100-character nickname. */
const XSS_PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

let server: WebServer;
let attacker: AttackerSite;
let browser: Browser;

beforeAll(async () => {
  [server, attacker, browser] = await Promise.all([
    startWebServer({
      // Hostile text can arrive through imported data too: a recall whose defect summary is markup.
      extraRecallLines: [recallLine({ RECORD_ID: '90', CAMPNO: '24V666000', MAKETXT: 'ACME', MODELTXT: 'ROADSTER', YEARTXT: '2020', COMPNAME: 'ELECTRICAL SYSTEM', RCDATE: '20240101', DESC_DEFECT: XSS_PAYLOAD })],
    }),
    startAttackerSite(),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  // Each separately, so a start-up that failed half-way still closes what did start.
  await Promise.allSettled([(async () => browser.close())(), (async () => attacker.close())(), (async () => server.stop())()]);
});

/** A browser profile with a signed-in user, as a victim would have. */
async function signedInVictim(label: string): Promise<{ context: BrowserContext; page: Page; api: ApiClient; consoleRecords: ConsoleRecord[] }> {
  const api = new ApiClient(server.origin);
  const account = await api.register(label);
  // Victims add garage data, which needs a verified address.
  await server.verifyEmail(account.email);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const consoleRecords = recordConsole(page);
  await signInThroughUi(page, server.origin, account);
  return { context, page, api, consoleRecords };
}

/** The attacker's two vantage points: another site (localhost), and the same site on another port. */
const attackerOrigins = (): { name: string; origin: string }[] => [
  { name: 'another site', origin: `http://localhost:${attacker.port}` },
  { name: 'the same site, another origin', origin: `http://127.0.0.1:${attacker.port}` },
];

describe('Content-Security-Policy', { timeout: 30_000 }, () => {
  it('shows hostile nicknames, notes and recall texts as text, runs none of it, and reports an inline script as a CSP violation', async () => {
    const { page, consoleRecords } = await signedInVictim('xss');
    await addVehicleThroughUi(page, server.origin, { make: 'ACME', model: 'ROADSTER', year: 2020, nickname: XSS_PAYLOAD });
    await page.getByLabel('Tünetek, megfigyelések').fill(`Zörög. ${XSS_PAYLOAD}`);
    await page.getByRole('button', { name: 'Jegyzet mentése' }).click();

    await page.getByRole('heading', { name: XSS_PAYLOAD, exact: true }).waitFor();
    await page.getByText(`Zörög. ${XSS_PAYLOAD}`, { exact: true }).waitFor();
    await page.getByRole('heading', { name: '24V666000 kampány' }).waitFor();
    await page.locator('.recall-text', { hasText: XSS_PAYLOAD }).waitFor();
    // Reload: the payloads now come from the server's answers only.
    await page.reload();
    await page.getByRole('heading', { name: XSS_PAYLOAD, exact: true }).waitFor();
    await page.getByText(`Zörög. ${XSS_PAYLOAD}`, { exact: true }).waitFor();
    await saveScreenshot(page, 'xss-as-text');

    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate('[...document.scripts].filter((script) => !script.src).length')).toBe(0);
    expect(consoleRecords.filter((record) => record.type === 'pageerror')).toEqual([]);

    // A page of ours that tries inline script anyway: a <script> element with text, and an inline event handler.
    await page.evaluate(`{
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.effectiveDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = 1';
      document.body.append(script);
      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.__handlerRan = 1');
      document.body.append(button);
      button.click();
    }`);
    await vi.waitFor(
      async () => {
        expect(await page.evaluate('window.__violations')).toEqual(expect.arrayContaining(['script-src-elem', 'script-src-attr']));
      },
      { timeout: 5_000 },
    );
    expect(await page.evaluate('typeof window.__inlineRan')).toBe('undefined');
    expect(await page.evaluate('typeof window.__handlerRan')).toBe('undefined');
    const messages = consoleRecords.map((record) => record.text).join('\n');
    expect(messages).toMatch(/inline script violates the following Content Security Policy directive 'script-src 'self''/);
    expect(messages).toMatch(/inline event handler violates the following Content Security Policy directive 'script-src-attr 'none''/);
  });
});

describe('framing (clickjacking)', { timeout: 30_000 }, () => {
  it('a page on another origin that frames the app shows nothing of it', async () => {
    const { context } = await signedInVictim('frame');
    attacker.pages.set('/control.html', '<!doctype html><p id="control">control frame content</p>');
    for (const { name, origin } of attackerOrigins()) {
      attacker.pages.set(
        '/frame.html',
        `<!doctype html><title>Win a prize</title><h1>Click the button!</h1>
         <iframe id="app" src="${server.origin}/garage" width="900" height="500"></iframe>
         <iframe id="control" src="/control.html" width="300" height="100"></iframe>`,
      );
      const page = await context.newPage();
      const consoleRecords = recordConsole(page);
      const appAnswered = page.waitForResponse((response) => response.url() === `${server.origin}/garage`);
      await page.goto(`${origin}/frame.html`);

      // The same page frames its own control page fine: frames work, so a blank app frame means blocked.
      await page.frameLocator('#control').locator('#control').waitFor();
      // The server did answer the frame's request (200, with its headers); the browser refused to show it.
      expect((await appAnswered).status(), name).toBe(200);
      await vi.waitFor(() => {
        expect(consoleRecords.map((record) => record.text).join('\n'), name).toMatch(/frame-ancestors 'none'|X-Frame-Options/);
      });
      const appFrame = (await (await page.$('#app'))?.contentFrame()) ?? null;
      expect(appFrame, name).not.toBeNull();
      expect(appFrame?.url(), name).not.toContain(server.origin);
      expect(await appFrame?.locator('#root').count(), name).toBe(0);
      expect(await appFrame?.getByText('AutoCognitix').count(), name).toBe(0);
      await page.close();
    }
  });
});

describe('cross-site request forgery', { timeout: 30_000 }, () => {
  it('forms and credentialed fetches from another origin get 403 and change nothing', async () => {
    const { context, page } = await signedInVictim('csrf');
    // The same request from the app itself succeeds: the attack below fails for its origin, not its shape.
    await addVehicleThroughUi(page, server.origin, { make: 'HONDA', model: 'CIVIC', year: 2018, nickname: 'Saját' });
    const accessCookie = await cookieNamed(context, 'access_token');
    const asVictim = { headers: { cookie: `access_token=${accessCookie.value}` } };

    attacker.pages.set(
      '/csrf.html',
      `<!doctype html><title>Free parts</title>
       <form id="add" method="POST" action="${server.origin}/api/v1/garage/vehicles" enctype="text/plain" target="sink-add">
         <input name='{"make":"EVIL","model":"FORM","year":2020,"pad":"' value='"}'>
       </form>
       <form id="logout-all" method="POST" action="${server.origin}/api/v1/auth/logout-all" target="sink-logout"></form>
       <iframe name="sink-add"></iframe><iframe name="sink-logout"></iframe>
       <script>
         document.getElementById('add').submit();
         document.getElementById('logout-all').submit();
         const options = { method: 'POST', credentials: 'include', mode: 'no-cors' };
         Promise.allSettled([
           fetch('${server.origin}/api/v1/garage/vehicles', { ...options, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ make: 'EVIL', model: 'FETCH', year: 2020 }) }),
           fetch('${server.origin}/api/v1/auth/logout-all', options),
         ]).then((results) => { document.title = 'sent: ' + results.map((result) => result.status).join(','); });
       </script>`,
    );
    const isAttack = (request: { method: string; url: string }): boolean =>
      request.method === 'POST' && (request.url === '/api/v1/garage/vehicles' || request.url === '/api/v1/auth/logout-all');

    for (const { name, origin } of attackerOrigins()) {
      const before = server.requests().length;
      const attackPage = await context.newPage();
      await attackPage.goto(`${origin}/csrf.html`);
      await attackPage.waitForFunction('document.title.startsWith("sent: ")');
      // Two forms and two fetches reached the server, and each was refused as cross-site.
      await vi.waitFor(
        () => {
          const attacks = server.requests().slice(before).filter(isAttack);
          expect(attacks, name).toHaveLength(4);
          expect(attacks.filter((request) => request.statusCode === undefined), name).toEqual([]);
        },
        { timeout: 10_000 },
      );
      const attacks = server.requests().slice(before).filter(isAttack);
      expect(
        attacks.map((request) => `${request.url} ${String(request.statusCode)} ${String(request.errorCode)}`),
        name,
      ).toEqual(expect.arrayContaining([
        '/api/v1/garage/vehicles 403 csrf_origin',
        '/api/v1/garage/vehicles 403 csrf_origin',
        '/api/v1/auth/logout-all 403 csrf_origin',
        '/api/v1/auth/logout-all 403 csrf_origin',
      ]));
      await attackPage.close();
    }

    // Nothing changed: the session is alive (no logout-all) and the garage holds only the user's own vehicle.
    const me = await fetch(`${server.origin}/api/v1/auth/me`, asVictim);
    expect(me.status).toBe(200);
    const vehicles = (await (await fetch(`${server.origin}/api/v1/garage/vehicles`, asVictim)).json()) as { items: { make: string }[]; total: number };
    expect(vehicles.items.map((vehicle) => vehicle.make)).toEqual(['HONDA']);
    // And the victim's tab still works.
    await page.reload();
    await page.getByRole('heading', { name: 'Saját' }).waitFor();
  });
});
