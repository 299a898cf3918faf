import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/observability/index.js';
import type { KeyValueStoreWithAdmin } from '../../src/stores/key-value-store.js';
import { bearer, csrfTokenFor, login, registerAndLogin } from '../helpers/auth-client.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';

/** The store as the app sees it, counting its reads (get and getMany). */
function countingReads(store: KeyValueStoreWithAdmin): { store: KeyValueStoreWithAdmin; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'get' || property === 'getMany') && typeof value === 'function') {
        return (...args: unknown[]) => {
          reads += 1;
          return (value as (...parameters: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return { store: counted, reads: () => reads };
}

/** A CSRF-protected signed-in request reads the CSRF token and the access token's revocation state in one store call. */
describe('CSRF check and revocation check share one store read', () => {
  let runtime: TestRuntime;
  let app: FastifyInstance;
  let reads: () => number;

  beforeAll(async () => {
    const config = testConfig();
    runtime = await openTestRuntime(config);
    const counting = countingReads(runtime.store);
    reads = counting.reads;
    app = await buildApp(config, { database: runtime.database, store: counting.store, logger: createLogger({ level: 'silent' }) });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await runtime.dispose();
  });

  const renameWith = async (accessToken: string) => {
    const csrf = await csrfTokenFor(app, { headers: bearer(accessToken) });
    const before = reads();
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/auth/me',
      headers: { ...bearer(accessToken), 'x-csrf-token': csrf.token },
      cookies: csrf.cookies,
      payload: { full_name: 'Renamed' },
    });
    return { response, reads: reads() - before };
  };

  it('one read for a signed-in PUT', async () => {
    const { tokens } = await registerAndLogin(app);
    const { response, reads: count } = await renameWith(tokens.access_token);
    expect(response.statusCode, response.body).toBe(200);
    expect(count).toBe(1);
  });

  it('a token revoked by another session’s logout-all is refused on that shared read', async () => {
    const account = await registerAndLogin(app);
    const other = await login(app, account.email, account.password);
    const csrf = await csrfTokenFor(app, { headers: bearer(other.access_token) });
    const everywhere = await app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: { ...bearer(other.access_token), 'x-csrf-token': csrf.token }, cookies: csrf.cookies });
    expect(everywhere.statusCode, everywhere.body).toBe(204);
    const { response, reads: count } = await renameWith(account.tokens.access_token);
    expect(response.statusCode).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('token_revoked');
    expect(count).toBe(1);
  });
});
