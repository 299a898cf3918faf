import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole, saveScreenshot, type ConsoleRecord } from '../helpers/browser.js';
import { ApiClient, startWebServer, type WebServer } from '../helpers/web-server.js';
import { signInThroughUi, type Account } from './ui.js';

/**
 * Issue 20, scans in a real Chromium against a real server process: a Torque
 * log dropped on the vehicle page uploads with a progress bar, its scan page
 * plots the logged values with uPlot (pixels really drawn), an ELM327
 * transcript shows its codes and freeze-frame table, a malformed log names its
 * line, and the scan's mileage makes the oil reminder overdue on the garage
 * page (Hungarian); a JSON scan with codes, freeze frame and plots, its CSV
 * export and its removal (English). No Content-Security-Policy violation
 * anywhere: uPlot styles its elements through the CSSOM only.
 */

let server: WebServer;
let browser: Browser;

/** 1 MiB: every fixture fits, and a larger file is refused with 413. */
const UPLOAD_LIMIT = 1024 * 1024;

const fixture = (name: string): string => path.join(import.meta.dirname, '..', 'fixtures', 'scans', name);

beforeAll(async () => {
  [server, browser] = await Promise.all([startWebServer({ recalls: false, env: { SCAN_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([(async () => browser.close())(), (async () => server.stop())()]);
});

interface Violation {
  readonly directive: string;
  readonly source: string;
}

/** A context whose pages record every CSP violation from before their first script runs (as csp-every-page does). */
async function watchedPage(locale: string): Promise<{ context: BrowserContext; page: Page; records: ConsoleRecord[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
  context.setDefaultTimeout(20_000);
  await context.addInitScript(`{
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push({ directive: event.effectiveDirective, source: event.sourceFile + ':' + event.lineNumber });
    });
  }`);
  const page = await context.newPage();
  return { context, page, records: recordConsole(page) };
}

/** What the CSP blocked on the current page, and any uncaught error so far. */
async function problems(page: Page, records: readonly ConsoleRecord[]): Promise<string[]> {
  const events = await page.evaluate<Violation[]>('window.__violations');
  return [
    ...events.map((event) => `${page.url()}: ${event.directive} (${event.source})`),
    ...records.filter((record) => record.type === 'pageerror' || /Content Security Policy/i.test(record.text)).map((record) => `${record.type}: ${record.text}`),
  ];
}

/** A verified account with a vehicle and an oil service due at 120 000 km, set up through the API. */
async function accountWithVehicle(label: string): Promise<{ account: Account; vehicleId: string }> {
  const client = new ApiClient(server.origin);
  const account = await client.register(label);
  await server.verifyEmail(account.email);
  expect((await client.request('POST', '/api/v1/auth/login', account)).status).toBe(200);
  await client.fetchCsrfToken();
  const added = await client.request('POST', '/api/v1/garage/vehicles', { make: 'SKODA', model: 'OCTAVIA', year: 2015, nickname: 'Szervizautó' });
  expect(added.status).toBe(201);
  const vehicleId = ((await added.json()) as { id: string }).id;
  const reminder = await client.request('POST', `/api/v1/garage/vehicles/${encodeURIComponent(vehicleId)}/reminders`, { kind: 'oil_service', due_km: 120_000 });
  expect(reminder.status).toBe(201);
  return { account, vehicleId };
}

/**
 * Watches the upload's progress bar from inside the page (it may come and go
 * between two of Playwright's polls): whether it appeared, and its values.
 */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(`{
    window.__progress = { appeared: false, values: [] };
    const note = () => {
      const bar = document.querySelector('#scan-progress-bar');
      if (bar === null) return;
      window.__progress.appeared = true;
      window.__progress.values.push(Number(bar.getAttribute('value')));
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
  }`);
}

/** Drops `file` on the drop zone the way a browser does: a DataTransfer with the file in it. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(`(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'text/csv' }));
    return transfer;
  })()`);
  await page.dispatchEvent('#scan-drop-zone', 'dragenter', { dataTransfer });
  await page.dispatchEvent('#scan-drop-zone', 'dragover', { dataTransfer });
  await page.dispatchEvent('#scan-drop-zone', 'drop', { dataTransfer });
}

/** How many pixels of the plot's canvas are drawn in the line's colour (#0b5394, give or take anti-aliasing). */
async function linePixels(page: Page, plotId: string): Promise<number> {
  await page.locator(`#${plotId} canvas`).waitFor();
  return page.evaluate<number>(`(() => {
    const canvas = document.querySelector('#${plotId} canvas');
    const context = canvas === null ? null : canvas.getContext('2d');
    if (context === null) return -1;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let index = 0; index < data.length; index += 4) {
      if (data[index + 3] > 200 && Math.abs(data[index] - 0x0b) < 40 && Math.abs(data[index + 1] - 0x53) < 40 && Math.abs(data[index + 2] - 0x94) < 40) count += 1;
    }
    return count;
  })()`);
}

const scanUrl = (vehicleId: string): RegExp => new RegExp(`/garage/${vehicleId}/scans/[^/]+$`);

/** A JSON scan (our own format) with three codes, a freeze frame and four logged values of a minute and a half. */
function jsonScan(): string {
  const times = Array.from({ length: 90 }, (_, second) => second * 1000);
  const wave = (base: number, swing: number, period: number) => times.map((time, index) => [time, Math.round((base + swing * Math.sin(index / period)) * 10) / 10] as const);
  return JSON.stringify(
    {
      format: 'autocognitix-scan',
      version: 1,
      takenAt: '2026-12-03T14:22:05+01:00',
      mileageKm: 98_765,
      codes: [
        { code: 'P0171', status: 'stored', ecu: '7E8' },
        { code: 'P0128', status: 'pending', ecu: '7E8' },
        { code: 'P0420', status: 'permanent' },
      ],
      freezeFrames: [
        {
          code: 'P0171',
          ecu: '7E8',
          values: {
            engine_rpm: { value: 780, unit: 'rpm' },
            engine_load: { value: 24.7, unit: '%' },
            coolant_temp: { value: 88, unit: '°C' },
            stft_bank1: { value: 6.3, unit: '%' },
            ltft_bank1: { value: 14.8, unit: '%' },
            maf: { value: 2.9, unit: 'g/s' },
            vehicle_speed: { value: 0, unit: 'km/h' },
          },
        },
      ],
      series: {
        engine_rpm: { unit: 'rpm', points: wave(1800, 900, 9) },
        vehicle_speed: { unit: 'km/h', points: wave(50, 40, 15) },
        coolant_temp: { unit: '°C', points: times.map((time, index) => [time, Math.min(90, 60 + index * 0.5)] as const) },
        ltft_bank1: { unit: '%', points: wave(12, 2.5, 6) },
      },
    },
    null,
    2,
  );
}

describe('garage scans in Chromium', { timeout: 180_000 }, () => {
  it('Hungarian: a dropped Torque log is plotted, an ELM327 transcript shows codes and freeze frame, a bad line is named, and the mileage makes the oil service overdue', async () => {
    const { context, page, records } = await watchedPage('hu-HU');
    const { account, vehicleId } = await accountWithVehicle('scans-hu');
    const vehiclePath = `/garage/${vehicleId}`;
    await signInThroughUi(page, server.origin, account, vehiclePath);

    const oil = page.locator('[aria-labelledby="reminders-title"] li.reminder');
    await oil.first().waitFor();
    expect(await oil.first().locator('.badge').textContent()).toBe('Rendben');
    await page.getByRole('heading', { name: 'Kiolvasások' }).waitFor();
    await page.getByText('Még nincs feltöltött kiolvasás.').waitFor();

    // A Torque log dropped on the drop zone, with the mileage given by hand.
    await dropFile(page, 'torque-log-odometer.csv', readFileSync(fixture('torque-log-odometer.csv'), 'utf8'));
    expect(await page.locator('#scan-file-chosen').textContent()).toContain('torque-log-odometer.csv');
    await page.getByLabel('Futásteljesítmény (km) (nem kötelező)').fill('123456');
    await watchProgress(page);
    await page.getByRole('button', { name: 'Kiolvasás feltöltése' }).click();
    await page.waitForURL(scanUrl(vehicleId));
    expect(await page.evaluate<{ appeared: boolean }>('window.__progress')).toMatchObject({ appeared: true });

    await page.getByRole('heading', { level: 1, name: /^Kiolvasás, / }).waitFor();
    expect(await page.locator('#scan-mileage-value').textContent()).toMatch(/^123\s456 km$/);
    await page.getByText('A futásteljesítményt kilométeróra-állásként is mentettük.').waitFor();
    await page.getByText('A kiolvasásban nincs hibakód.').waitFor();
    await page.getByRole('checkbox', { name: 'Fordulatszám' }).waitFor();
    expect(await page.locator('.scan-plot-figure figcaption').first().textContent()).toBe('Fordulatszám (1/min)');
    expect(await linePixels(page, 'scan-plot-0')).toBeGreaterThan(50);
    // Another value chosen: one more plot, drawn as well.
    const plotsBefore = await page.locator('.scan-plot canvas').count();
    await page.getByRole('checkbox', { name: 'Kilométeróra-állás' }).check();
    await expect.poll(async () => page.locator('.scan-plot canvas').count()).toBe(plotsBefore + 1);

    // An ELM327 transcript through the file picker, its format chosen.
    await page.getByRole('link', { name: 'Vissza a járműhöz' }).click();
    await page.waitForURL(`${server.origin}${vehiclePath}`);
    await page.getByLabel('Kiolvasás fájlja').setInputFiles(fixture('elm327-session.txt'));
    await page.getByLabel('Formátum').selectOption('elm327');
    await page.getByRole('button', { name: 'Kiolvasás feltöltése' }).click();
    await page.waitForURL(scanUrl(vehicleId));
    const codes = page.locator('[aria-labelledby="scan-codes-title"] li.scan-code');
    await codes.first().waitFor();
    const codeText = (await codes.allTextContents()).join('\n');
    expect(codeText).toContain('P0171');
    expect(codeText).toContain('Tárolt');
    expect(codeText).toContain('Függőben lévő');
    expect(codeText).toContain('Állandó');
    const frame = page.locator('table.freeze-frame').first();
    expect(await frame.locator('caption').textContent()).toContain('A(z) P0171 kód pillanatképe');
    expect(await frame.locator('tbody th').allTextContents()).toContain('Hűtőfolyadék-hőmérséklet');

    // The symptom-based diagnosis opens with the scan's codes and vehicle filled in.
    const elmScanUrl = page.url();
    await page.getByRole('link', { name: 'A hiba leírása ezekkel a kódokkal' }).click();
    await page.getByLabel('Már kiolvasott hibakódok (nem kötelező)').waitFor();
    expect(await page.getByLabel('Már kiolvasott hibakódok (nem kötelező)').inputValue()).toContain('P0171');
    await expect.poll(async () => page.getByLabel('Jármű a garázsomból (nem kötelező)').inputValue()).toBe(vehicleId);
    await page.goto(elmScanUrl);
    await codes.first().waitFor();

    // A malformed log: the line and the reader's reason, nothing stored.
    await page.getByRole('link', { name: 'Vissza a járműhöz' }).click();
    await page.waitForURL(`${server.origin}${vehiclePath}`);
    await page.getByLabel('Kiolvasás fájlja').setInputFiles(fixture('torque-malformed.csv'));
    await page.getByRole('button', { name: 'Kiolvasás feltöltése' }).click();
    const error = page.locator('#scan-upload-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('A fájl 4. sora nem olvasható be.');
    expect(await error.locator('code').textContent()).toBe('Fordulatszám: „8x20” nem szám');
    expect(page.url()).toBe(`${server.origin}${vehiclePath}`);
    expect(await page.locator('li.scan-item').count()).toBe(2);
    await saveScreenshot(page, 'scan-upload-refused');

    // The scan's mileage reached the oil service's 120 000 km.
    await page.getByRole('link', { name: 'Garázsom' }).click();
    await page.getByRole('heading', { name: 'Esedékes és lejárt' }).waitFor();
    const due = page.locator('[aria-labelledby="due-title"] li.reminder');
    await due.first().waitFor();
    expect(await due.first().textContent()).toContain('Olajcsere');
    expect(await due.first().locator('.badge').textContent()).toBe('Lejárt');

    expect(await problems(page, records)).toEqual([]);
    await context.close();
  });

  it('English: a JSON scan with codes, freeze frame and four plots, its CSV export, and its removal after a confirmation', async () => {
    const { context, page, records } = await watchedPage('en-GB');
    const { account, vehicleId } = await accountWithVehicle('scans-en');
    const vehiclePath = `/garage/${vehicleId}`;
    await signInThroughUi(page, server.origin, account, vehiclePath);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Scans' }).waitFor();

    await page.getByLabel('Scan file').setInputFiles({ name: 'octavia-scan.json', mimeType: 'application/json', buffer: Buffer.from(jsonScan()) });
    await page.getByRole('button', { name: 'Upload scan' }).click();
    await page.waitForURL(scanUrl(vehicleId));
    await page.getByRole('heading', { level: 1, name: /^Scan of / }).waitFor();
    expect(await page.locator('#scan-mileage-value').textContent()).toBe('98,765 km');

    const codes = page.locator('[aria-labelledby="scan-codes-title"] li.scan-code');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(3);
    expect(await codes.nth(0).locator('.badge-scan-stored').textContent()).toBe('Stored');
    expect(await codes.nth(1).locator('.badge-scan-pending').textContent()).toBe('Pending');
    expect(await codes.nth(2).locator('.badge-scan-permanent').textContent()).toBe('Permanent');
    expect(await codes.nth(0).textContent()).toContain('control unit 7E8');

    const frame = page.locator('table.freeze-frame');
    expect(await frame.count()).toBe(1);
    expect(await frame.locator('caption').textContent()).toContain('Freeze frame of P0171');
    const rows: string[][] = [];
    for (const row of await frame.locator('tbody tr').all()) rows.push(await row.locator('th, td').allTextContents());
    expect(rows).toContainEqual(['Long-term fuel trim, bank 1', '14.8', '%']);
    expect(rows).toContainEqual(['Engine speed', '780', 'rpm']);
    await page.getByRole('heading', { name: 'What the freeze frames suggest' }).waitFor();

    await expect.poll(async () => page.locator('.scan-plot canvas').count()).toBe(4);
    for (let index = 0; index < 4; index += 1) expect(await linePixels(page, `scan-plot-${index}`)).toBeGreaterThan(50);
    expect(await page.locator('.scan-plot-figure figcaption').allTextContents()).toEqual(['Engine speed (rpm)', 'Vehicle speed (km/h)', 'Coolant temperature (°C)', 'Long-term fuel trim, bank 1 (%)']);
    await saveScreenshot(page, 'scan-page');

    const exportLink = page.getByRole('link', { name: 'Export CSV' });
    expect(await exportLink.getAttribute('download')).not.toBeNull();
    const exported = await page.request.get(`${server.origin}${(await exportLink.getAttribute('href')) ?? ''}`);
    expect(exported.status()).toBe(200);
    expect(exported.headers()['content-type']).toMatch(/^text\/csv/);
    expect(exported.headers()['content-disposition']).toMatch(/^attachment; filename="scan-/);
    expect(await exported.text()).toContain('P0171');

    await page.getByRole('link', { name: 'Back to the vehicle' }).click();
    await page.waitForURL(`${server.origin}${vehiclePath}`);
    const item = page.locator('li.scan-item');
    await item.first().waitFor();
    expect(await item.count()).toBe(1);
    await item.first().getByRole('button', { name: 'Remove' }).click();
    await item.first().getByText('Remove this scan for good?').waitFor();
    await item.first().getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByText('No scans yet.').waitFor();
    await page.getByText('Scan removed.').waitFor();

    // Past the server's limit: 413, said as such.
    const header = 'Time,Engine RPM(rpm)\n';
    const row = '1.5,812.25\n';
    const tooLarge = header + row.repeat(Math.ceil((UPLOAD_LIMIT * 1.5) / row.length));
    await page.getByLabel('Scan file').setInputFiles({ name: 'too-large.csv', mimeType: 'text/csv', buffer: Buffer.from(tooLarge) });
    await page.getByRole('button', { name: 'Upload scan' }).click();
    await page.locator('#scan-upload-error').getByText('The file is larger than the server accepts.').waitFor();

    expect(await problems(page, records)).toEqual([]);
    await context.close();
  });
});
