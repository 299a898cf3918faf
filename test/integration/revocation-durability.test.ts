import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStateRepository } from '../../src/db/repositories/auth-state.js';
import { HYDRATION_MARKER_KEY } from '../../src/security/store-keys.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, errorCode, login, logout, me, refresh, registerAndLogin, request, type TokenPair } from '../helpers/auth-client.js';
import { useOwnRedisApp } from '../helpers/own-redis.js';
import { eventually, manualClock } from '../helpers/time.js';

describe('issue 8: a Redis that restarts empty revives nothing', () => {
  const own = useOwnRedisApp();

  it('tokens revoked before the restart, logout-all cut-offs and ended sessions stay dead; live sessions keep working', async () => {
    const loggedOut = await registerAndLogin(own.testApp.app);
    await logout(own.testApp.app, loggedOut.tokens);

    const everywhere = await registerAndLogin(own.testApp.app);
    const everywhereSecond = await login(own.testApp.app, everywhere.email, everywhere.password);
    await request(own.testApp.app, { method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(everywhere.tokens.access_token) });

    const rotated = await registerAndLogin(own.testApp.app);
    const successor = (await refresh(own.testApp.app, rotated.tokens.refresh_token)).json<TokenPair>();

    const alive = await registerAndLogin(own.testApp.app);

    await own.redis.restart();
    expect(own.redis.running).toBe(true);
    // Every instance notices the missing marker in its first check and refills before answering "ok".
    await eventually(async () => (await me(own.testApp.app, alive.tokens.access_token)).statusCode === 200);
    expect(await own.testApp.runtime.store.exists(HYDRATION_MARKER_KEY)).toBe(true);

    for (const token of [loggedOut.tokens.access_token, everywhere.tokens.access_token, everywhereSecond.access_token, rotated.tokens.access_token]) {
      expect(errorCode(await me(own.testApp.app, token))).toBe('token_revoked');
    }
    expect(errorCode(await refresh(own.testApp.app, loggedOut.tokens.refresh_token))).toBe('token_revoked');
    expect(errorCode(await refresh(own.testApp.app, everywhereSecond.refresh_token))).toBe('token_revoked');

    // Sessions survive: the rotated session's current token still refreshes, the untouched one too.
    expect((await me(own.testApp.app, successor.access_token)).statusCode).toBe(200);
    expect((await refresh(own.testApp.app, successor.refresh_token)).statusCode).toBe(200);
    expect((await refresh(own.testApp.app, alive.tokens.refresh_token)).statusCode).toBe(200);
  });

  it('a check that finds the store emptied waits for the refill instead of deciding on empty state (issue 13.5)', async () => {
    const { tokens } = await registerAndLogin(own.testApp.app);
    await logout(own.testApp.app, tokens);
    // Empty the data set behind the app's back: no check may pass on the empty store; they wait for the refill.
    await own.testApp.runtime.store.deleteWithPrefix('');
    const blocked = await Promise.all([me(own.testApp.app, tokens.access_token), me(own.testApp.app, tokens.access_token)]);
    expect(blocked.map(errorCode)).toEqual(['token_revoked', 'token_revoked']);
    expect(await own.testApp.runtime.store.exists(HYDRATION_MARKER_KEY)).toBe(true);
  });
});

describe('the SQL copy of the security state', () => {
  let testApp: TestApp;
  const clock = manualClock();
  beforeAll(async () => {
    testApp = await startTestApp({ clock });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('records sessions, revocations and cut-offs, and purges what expired', async () => {
    const db = testApp.runtime.database.db;
    const { id, tokens } = await registerAndLogin(testApp.app);
    const sessions = await db.selectFrom('auth_sessions').selectAll().where('user_id', '=', id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.revoked_at).toBeNull();
    await logout(testApp.app, tokens);
    const ended = await db.selectFrom('auth_sessions').select('revoked_at').where('user_id', '=', id).executeTakeFirstOrThrow();
    // Ended at the app's clock (a string from SQLite, a Date from PostgreSQL).
    expect(new Date(ended.revoked_at ?? Number.NaN).getTime()).toBe(clock.now());
    // This app's own database: the logout's access and refresh token, nothing else.
    const revoked = await db.selectFrom('revoked_tokens').select('jti').execute();
    expect(revoked).toHaveLength(2);

    const repository = new AuthStateRepository(db);
    const farFuture = clock.now() + 400 * 86_400_000;
    const purged = await repository.purgeExpired(farFuture);
    expect(purged.revokedTokens).toBe(2);
    expect(purged.sessions).toBe(1);
    expect(await db.selectFrom('auth_sessions').select('id').where('user_id', '=', id).execute()).toEqual([]);
  });
});
