import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../../src/config/index.js';
import { generatedSecret } from '../helpers/backends.js';

/** Issue 22 item 12: a malformed DATABASE_URL is a configuration error naming the variable, never its value. */
describe('DATABASE_URL is checked as the driver will read it', () => {
  const canary = 'Canary-7f3e';
  /** Composed at run time: no URL with a password appears in the source. */
  const withPassword = (password: string, rest: string): string => `postgres://u:${password}@${rest}`;
  const load = (databaseUrl: string) => () => loadConfig({ NODE_ENV: 'test', DATA_DIR: '/nonexistent-autocognitix', JWT_SECRET_KEY: generatedSecret(), DATABASE_URL: databaseUrl });

  it.each([
    ['an unclosed IPv6 bracket', `postgres://u:${canary}@[bad/db`, /DATABASE_URL: expected a well-formed PostgreSQL URL/],
    ['a port past 65535', `postgres://u:${canary}@db.example:99999/app`, /DATABASE_URL: expected a well-formed PostgreSQL URL/],
    ['port 0', `postgres://u:${canary}@db.example:0/app`, /DATABASE_URL: expected a port from 1 to 65535/],
    ['a bare % in the password', withPassword(`${canary}%zz`, 'db.example/app'), /DATABASE_URL: expected the user name and password percent-encoded/],
  ])('refuses %s', (_name, url, message) => {
    let error: unknown;
    try {
      load(url)();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(canary);
  });

  it.each([withPassword('p%40ss', 'db.example:5432/app'), 'postgresql://[::1]:5432/app', 'postgres:///app'])('accepts %s', (url) => {
    expect(load(url)().config.databaseUrl).toBe(url);
  });
});
