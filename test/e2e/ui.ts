import type { BrowserContext, Cookie, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Steps through the web app the way a person does, by the Hungarian labels
 * people see (Hungarian is the default language).
 */

export interface Account {
  readonly email: string;
  readonly password: string;
}

export async function signInThroughUi(page: Page, origin: string, account: Account, next?: string): Promise<void> {
  await page.goto(`${origin}/signin${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
  await page.getByLabel('E-mail-cím').fill(account.email);
  await page.getByLabel('Jelszó', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Bejelentkezés' }).click();
  await page.waitForURL(`${origin}${next ?? '/garage'}`);
}

export interface VehicleInput {
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly nickname?: string;
}

/** Adds a vehicle from the garage page; returns its id (the app opens the vehicle's page). */
export async function addVehicleThroughUi(page: Page, origin: string, vehicle: VehicleInput): Promise<string> {
  if (page.url() !== `${origin}/garage`) {
    await page.getByRole('link', { name: 'Garázsom' }).click();
    await page.waitForURL(`${origin}/garage`);
  }
  await page.getByLabel('Márka').fill(vehicle.make);
  await page.getByLabel('Típus').fill(vehicle.model);
  await page.getByLabel('Évjárat').fill(String(vehicle.year));
  if (vehicle.nickname !== undefined) await page.getByLabel('Becenév (nem kötelező)').fill(vehicle.nickname);
  await page.getByRole('button', { name: 'Jármű hozzáadása' }).click();
  await page.waitForURL(new RegExp(`^${origin.replaceAll('.', '\\.')}/garage/[^/]+$`));
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
}

/** The httpOnly session cookie, read through the browser context (page scripts cannot see it). */
export async function cookieNamed(context: BrowserContext, name: string): Promise<Cookie> {
  const cookie = (await context.cookies()).find((candidate) => candidate.name === name);
  expect(cookie, `cookie ${name}`).toBeDefined();
  return cookie as Cookie;
}
