import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityEventsRepository, type NewSecurityEvent } from '../../src/db/repositories/security-events.js';
import { securityMetrics } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, errorCode, login, register, registerAndLogin, request, TOKENS_IN_BODY } from '../helpers/auth-client.js';
import { eventually } from '../helpers/time.js';

const DAY_MS = 86_400_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface OwnEvent {
  id: string;
  occurred_at: string;
  event: string;
  reason: string | null;
  address: string | null;
  device: string | null;
  by_administrator: boolean;
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function droppedTotal(): Promise<number> {
  return (await securityMetrics.securityEventsDropped.get()).values.reduce((sum, value) => sum + value.value, 0);
}

/**
 * Issue 19: the security activity log made durable and visible, on this run's
 * backends: the user's own list (90 days, pages, no administrator named), the
 * admins' filtered view, erasure and export, and the log surviving a database
 * outage of its table without holding up a sign-in.
 */
describe('issue 19: the security activity log over HTTP', () => {
  let testApp: TestApp;
  let repository: SecurityEventsRepository;

  beforeAll(async () => {
    testApp = await startTestApp({ config: testConfig({ SECURITY_EVENTS_QUEUE_LIMIT: '100' }) });
    repository = new SecurityEventsRepository(testApp.runtime.database.db, testApp.runtime.database.engine);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const address = (): string => `10.${randomBytes(3).join('.')}`;
  const flush = async (): Promise<void> => {
    expect(await testApp.app.services.securityEventLog.flush()).toBe(true);
  };
  const own = (token: string, query = '') => request(testApp.app, { method: 'GET', url: `/api/v1/auth/security-events${query}`, headers: bearer(token) });
  const admin = (token: string, query = '') => request(testApp.app, { method: 'GET', url: `/api/v1/admin/security-events${query}`, headers: bearer(token) });
  const insert = (rows: NewSecurityEvent[]) => repository.insertMany(rows);
  async function newAdmin(): Promise<{ id: string; token: string }> {
    const account = await registerAndLogin(testApp.app);
    await testApp.runtime.database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', account.id).execute();
    return { id: account.id, token: account.tokens.access_token };
  }

  it("a sign-in appears in the user's own list, with the device and address, and nobody else's", async () => {
    const first = await register(testApp.app);
    const second = await register(testApp.app);
    const response = await request(testApp.app, {
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { ...TOKENS_IN_BODY, 'user-agent': CHROME },
      payload: { email: first.email, password: first.password },
      remoteAddress: '192.0.2.44',
    });
    expect(response.statusCode, response.body).toBe(200);
    const token = response.json<{ access_token: string }>().access_token;
    const otherToken = (await login(testApp.app, second.email, second.password, address())).access_token;
    await flush();

    const mine = await own(token);
    expect(mine.statusCode, mine.body).toBe(200);
    const page = mine.json<Page<OwnEvent>>();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ event: 'sign_in_succeeded', address: '192.0.2.44', device: 'Chrome 131 on Windows 10', reason: 'password', by_administrator: false });
    expect(page.next_cursor).toBeNull();
    expect(Object.keys(page.items[0] ?? {})).not.toContain('actor_id');
    expect(Object.keys(page.items[0] ?? {})).not.toContain('user_id');

    const theirs = (await own(otherToken)).json<Page<OwnEvent>>();
    expect(theirs.items.map((item) => item.event)).toEqual(['sign_in_succeeded']);
    expect(theirs.items[0]?.address).not.toBe('192.0.2.44');

    expect((await request(testApp.app, { method: 'GET', url: '/api/v1/auth/security-events' })).statusCode).toBe(401);
  });

  it('shows the last 90 days only, newest first, in pages that neither repeat nor skip a row', async () => {
    const user = await registerAndLogin(testApp.app);
    await flush();
    const now = Date.now();
    await insert([
      { occurredAtMs: now - 91 * DAY_MS, userId: user.id, event: 'password_changed' },
      { occurredAtMs: now - 89 * DAY_MS, userId: user.id, event: 'password_reset' },
      // Same instant: the id decides their order, and the cursor must not lose one of them.
      ...Array.from({ length: 6 }, (): NewSecurityEvent => ({ occurredAtMs: now - DAY_MS, userId: user.id, event: 'signed_out' })),
    ]);
    const seen: OwnEvent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await own(user.tokens.access_token, `?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(response.statusCode, response.body).toBe(200);
      const page: Page<OwnEvent> = response.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((item) => item.event)).toEqual(['sign_in_succeeded', ...Array<string>(6).fill('signed_out'), 'password_reset']);
    expect(new Set(seen.map((item) => item.id)).size).toBe(8);
    const times = seen.map((item) => Date.parse(item.occurred_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(await repository.countForUser(user.id)).toBe(9);
  });

  it('says an administrator acted, never which one', async () => {
    const user = await registerAndLogin(testApp.app);
    await flush();
    const actorId = randomUUID();
    await insert([{ occurredAtMs: Date.now(), userId: user.id, event: 'admin_action', reason: 'deactivated', actorId }]);
    const response = await own(user.tokens.access_token);
    const item = response.json<Page<OwnEvent>>().items[0];
    expect(item).toMatchObject({ event: 'admin_action', reason: 'deactivated', by_administrator: true });
    expect(response.body).not.toContain(actorId);
  });

  it('refuses a bad limit or cursor with 422 naming the field', async () => {
    const user = await registerAndLogin(testApp.app);
    for (const query of ['?limit=101', '?limit=0', '?cursor=not-a-cursor', `?cursor=${Buffer.from('yesterday|x').toString('base64url')}`, '?extra=1']) {
      const response = await own(user.tokens.access_token, query);
      expect(response.statusCode, query).toBe(422);
      expect(errorCode(response)).toBe('validation_failed');
    }
  });

  describe('the admin view', () => {
    it('filters by user, event and time, pages, and shows who acted', async () => {
      const { token, id: adminId } = await newAdmin();
      const user = await register(testApp.app);
      const base = Date.parse('2026-03-01T12:00:00.000Z');
      await insert([
        { occurredAtMs: base, userId: user.id, event: 'sign_in_failed', reason: 'invalid_credentials', address: '198.51.100.1' },
        { occurredAtMs: base + 1000, userId: user.id, event: 'sign_in_succeeded', address: '198.51.100.1', sessionId: 'family-x' },
        { occurredAtMs: base + 2000, userId: user.id, event: 'admin_action', reason: 'deactivated', actorId: adminId },
        { occurredAtMs: base + 3 * DAY_MS, userId: user.id, event: 'sign_in_failed', reason: 'invalid_credentials' },
      ]);
      const all = await admin(token, `?user_id=${user.id}`);
      expect(all.statusCode, all.body).toBe(200);
      const items = all.json<Page<{ event: string; user_id: string; actor_id: string | null; session_id: string | null }>>().items;
      expect(items.map((item) => item.event)).toEqual(['sign_in_failed', 'admin_action', 'sign_in_succeeded', 'sign_in_failed']);
      expect(items[1]?.actor_id).toBe(adminId);
      expect(items[2]?.session_id).toBe('family-x');
      expect(items.every((item) => item.user_id === user.id)).toBe(true);

      const failures = await admin(token, `?user_id=${user.id}&event=sign_in_failed`);
      expect(failures.json<Page<{ event: string }>>().items).toHaveLength(2);
      const window = await admin(token, `?user_id=${user.id}&from=2026-03-01T12:00:00.500Z&to=2026-03-01T13:00:00Z`);
      expect(window.json<Page<{ event: string }>>().items.map((item) => item.event)).toEqual(['admin_action', 'sign_in_succeeded']);
      const offset = await admin(token, `?user_id=${user.id}&from=${encodeURIComponent('2026-03-01T13:00:00.500+01:00')}&to=${encodeURIComponent('2026-03-01T13:00:01+01:00')}`);
      expect(offset.json<Page<{ event: string }>>().items.map((item) => item.event)).toEqual(['sign_in_succeeded']);

      const first = (await admin(token, `?user_id=${user.id}&limit=3`)).json<Page<{ event: string }>>();
      expect(first.items).toHaveLength(3);
      const rest = (await admin(token, `?user_id=${user.id}&limit=3&cursor=${first.next_cursor ?? ''}`)).json<Page<{ event: string }>>();
      expect(rest.items.map((item) => item.event)).toEqual(['sign_in_failed']);
      expect(rest.next_cursor).toBeNull();
    });

    it('is 403 for a user who is not an admin and 401 without a session', async () => {
      const user = await registerAndLogin(testApp.app);
      const response = await admin(user.tokens.access_token);
      expect(response.statusCode).toBe(403);
      expect(errorCode(response)).toBe('forbidden');
      expect((await request(testApp.app, { method: 'GET', url: '/api/v1/admin/security-events' })).statusCode).toBe(401);
    });

    it('refuses an unknown event, a time that is not ISO-8601, from after to, and a bad cursor with 422', async () => {
      const { token } = await newAdmin();
      const cases: [string, string][] = [
        ['?event=coffee_made', 'event'],
        ['?from=yesterday', 'from'],
        ['?to=2026-13-01T00:00:00Z', 'to'],
        ['?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z', 'to'],
        ['?cursor=%21%21', 'cursor'],
        ['?limit=500', 'limit'],
      ];
      for (const [query, field] of cases) {
        const response = await admin(token, query);
        expect(response.statusCode, `${query}: ${response.body}`).toBe(422);
        expect(errorCode(response)).toBe('validation_failed');
        expect(response.json<{ error: { details: { field: string }[] } }>().error.details.map((detail) => detail.field), query).toContain(field);
      }
    });
  });

  describe('erasure and export', () => {
    it("the export holds the user's events, without naming an administrator", async () => {
      const user = await registerAndLogin(testApp.app);
      await flush();
      const adminId = randomUUID();
      await insert([{ occurredAtMs: Date.now(), userId: user.id, event: 'admin_action', reason: 'second_factors_reset', actorId: adminId }]);
      const response = await request(testApp.app, { method: 'GET', url: '/api/v1/auth/me/export', headers: bearer(user.tokens.access_token) });
      expect(response.statusCode).toBe(200);
      const exported = response.json<{ security_events: { event: string; by_administrator: boolean; occurred_at: string }[] }>();
      expect(exported.security_events.map((event) => event.event)).toEqual(['sign_in_succeeded', 'admin_action']);
      expect(exported.security_events[1]?.by_administrator).toBe(true);
      expect(response.body).not.toContain(adminId);
    });

    it("erasure leaves one account_erased row without address or device, and the admins' actions; queued events of the user never arrive", async () => {
      const user = await registerAndLogin(testApp.app);
      const other = await registerAndLogin(testApp.app);
      await flush();
      const adminId = randomUUID();
      await insert([
        { occurredAtMs: Date.now() - 5000, userId: user.id, event: 'password_changed', address: '192.0.2.1', device: 'Firefox 133 on Linux' },
        { occurredAtMs: Date.now() - 4000, userId: user.id, event: 'admin_action', reason: 'activated', actorId: adminId },
        // The erased user was the administrator here: the other user's row stays.
        { occurredAtMs: Date.now() - 3000, userId: other.id, event: 'admin_action', reason: 'deactivated', actorId: user.id },
      ]);
      // A sign-in whose event is still queued when the account goes.
      const fresh = await login(testApp.app, user.email, user.password, address());
      expect(testApp.app.services.securityEventLog.pending).toBeGreaterThan(0);
      const erased = await request(testApp.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: bearer(fresh.access_token), payload: { password: user.password } });
      expect(erased.statusCode, erased.body).toBe(204);
      await flush();

      const rows = await testApp.runtime.database.db.selectFrom('security_events').selectAll().where('user_id', '=', user.id).orderBy('occurred_at').execute();
      expect(rows.map((row) => row.event)).toEqual(['admin_action', 'account_erased']);
      expect(rows[1]).toMatchObject({ address: null, device: null, session_id: null, actor_id: null, reason: null });
      expect(await testApp.runtime.database.db.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst()).toBeUndefined();
      const others = await repository.query({ userId: other.id, limit: 10 });
      expect(others.items.map((item) => item.event)).toEqual(['sign_in_succeeded', 'admin_action']);
      expect(others.items[1]?.actorId).toBe(user.id);
    });
  });

  describe('writing', () => {
    it('leaves out the rows of a user who no longer exists (erased while queued), keeps anonymous rows and admin actions', async () => {
      const user = await register(testApp.app);
      const gone = randomUUID();
      const written = await repository.appendForExistingUsers([
        { occurredAtMs: Date.now(), userId: user.id, event: 'password_changed' },
        { occurredAtMs: Date.now(), userId: gone, event: 'signed_out' },
        { occurredAtMs: Date.now(), userId: gone, event: 'admin_action', actorId: user.id },
        { occurredAtMs: Date.now(), userId: null, event: 'sign_in_failed', reason: 'unknown_account', address: '203.0.113.50' },
      ]);
      expect(written).toBe(3);
      expect(await repository.countForUser(gone)).toBe(1);
      expect(await repository.countForUser(user.id)).toBe(1);
    });

    it('a write that meets an erasure in progress waits for it, then leaves the erased user out', async () => {
      const user = await register(testApp.app);
      const { db, engine } = testApp.runtime.database;
      let appended: Promise<number> | undefined;
      await db.transaction().execute(async (erasure) => {
        // As AccountDataRepository.eraseAccount: lock the user's row, delete their log rows, later the user.
        await erasure.updateTable('users').set({ id: user.id }).where('id', '=', user.id).execute();
        await erasure.deleteFrom('security_events').where('user_id', '=', user.id).execute();
        appended = repository.appendForExistingUsers([{ occurredAtMs: Date.now(), userId: user.id, event: 'signed_out' }]);
        if (engine === 'postgres') {
          // The write is under way and waits for the erasure's lock (SQLite has one connection: it cannot start until the erasure ends).
          await eventually(
            async () => {
              // pg_stat_activity is read once per transaction and kept: drop that snapshot, or every poll sees the first one.
              await sql`select pg_stat_clear_snapshot()`.execute(erasure);
              const waiting = await sql<{ count: string }>`select count(*) as count from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%for share%'`.execute(erasure);
              return Number(waiting.rows[0]?.count ?? 0) > 0;
            },
            { what: 'the log write waiting on the erased user' },
          );
        }
        await erasure.deleteFrom('users').where('id', '=', user.id).execute();
      });
      expect(await appended).toBe(0);
      expect(await repository.countForUser(user.id)).toBe(0);
    });

    it('closing the app writes what is still queued, before the database closes', async () => {
      const second = await startTestApp({ shareWith: testApp });
      const user = await register(second.app);
      second.app.services.security.events.record({ code: 'signed_out_everywhere', userId: user.id });
      expect(second.app.services.securityEventLog.pending).toBe(1);
      await second.close({ dropData: false });
      expect(await repository.countForUser(user.id)).toBe(1);
    });
  });

  describe('retention', () => {
    it('purges rows older than the cutoff in batches, and only those', async () => {
      const user = await register(testApp.app);
      const now = Date.now();
      // Far in the past, so rows of the other tests are not in the way.
      const ancient = Date.parse('2001-01-01T00:00:00.000Z');
      await insert([
        ...Array.from({ length: 25 }, (_, index): NewSecurityEvent => ({ occurredAtMs: ancient + index, userId: user.id, event: 'signed_out' })),
        ...Array.from({ length: 5 }, (_, index): NewSecurityEvent => ({ occurredAtMs: now - index, userId: user.id, event: 'signed_out' })),
      ]);
      const cutoff = Date.parse('2002-01-01T00:00:00.000Z');
      expect(await repository.countOlderThan(cutoff)).toBe(25);
      expect(await repository.purgeOlderThan(cutoff, 10)).toBe(25);
      expect(await repository.countOlderThan(cutoff)).toBe(0);
      expect(await repository.countForUser(user.id)).toBe(5);
      expect(await repository.purgeOlderThan(cutoff, 10)).toBe(0);
    });
  });

  describe('a database outage of the log', () => {
    const renameTable = async (from: string, to: string) => {
      await sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(testApp.runtime.database.db);
    };

    it('sign-in still succeeds without waiting for the write; the queued events arrive once the table is back', async () => {
      const user = await register(testApp.app);
      await flush();
      const failuresBefore = (await securityMetrics.securityEventWriteFailures.get()).values[0]?.value ?? 0;
      await renameTable('security_events', 'security_events_away');
      try {
        for (let index = 0; index < 3; index += 1) {
          const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', headers: TOKENS_IN_BODY, payload: { email: user.email, password: user.password }, remoteAddress: address() });
          expect(response.statusCode, response.body).toBe(200);
        }
        expect(testApp.app.services.securityEventLog.pending).toBe(3);
        expect(await testApp.app.services.securityEventLog.flush()).toBe(false);
        expect(testApp.app.services.securityEventLog.pending).toBe(3);
        expect((await securityMetrics.securityEventWriteFailures.get()).values[0]?.value).toBeGreaterThan(failuresBefore);
      } finally {
        await renameTable('security_events_away', 'security_events');
      }
      await flush();
      expect(await repository.countForUser(user.id)).toBe(3);
    });

    it('with the queue full, no more than the events past the bound are lost, and the dropped counter says how many', async () => {
      const user = await register(testApp.app);
      await flush();
      const { security } = testApp.app.services;
      await renameTable('security_events', 'security_events_away');
      const droppedBefore = await droppedTotal();
      try {
        // SECURITY_EVENTS_QUEUE_LIMIT=100: a sign-in and 119 other events of the account while the table is away.
        await login(testApp.app, user.email, user.password, address());
        for (let index = 0; index < 119; index += 1) security.events.record({ code: 'session_ended', userId: user.id, sessionId: `s${index}` });
        expect(testApp.app.services.securityEventLog.pending).toBe(100);
        expect((await droppedTotal()) - droppedBefore).toBe(20);
      } finally {
        await renameTable('security_events_away', 'security_events');
      }
      await flush();
      expect(await repository.countForUser(user.id)).toBe(100);
      const signIns = await repository.query({ userId: user.id, event: 'sign_in_succeeded', limit: 5 });
      expect(signIns.items).toHaveLength(1);
    });
  });
});
