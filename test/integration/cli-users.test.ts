import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { loggingMailer } from '../../src/mail/mailer.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { authenticateToken, createSecurity, type Security } from '../../src/security/index.js';
import type { SecurityEvent } from '../../src/security/security-events.js';
import { generatedSecret, uniqueId } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/test-databases.js';

/**
 * `autocognitix users list|lock|unlock` (issue 19) as an operator runs them,
 * in-process: on the embedded SQLite file in a temporary DATA_DIR, and on the
 * redis-postgres run on a PostgreSQL database of its own and a key prefix of
 * its own. The test opens the same database and store to make users and
 * sessions, and to see what a lock did to them.
 */
describe('autocognitix users list, lock, unlock', { timeout: 60_000 }, () => {
  let dataDir: string;
  let scratch: ScratchDatabase | undefined;
  let env: Record<string, string | undefined>;
  let runtime: Runtime;
  let security: Security;
  const tag = `cli${uniqueId()}`;
  const email = (name: string): string => `${tag}-${name}@example.com`;

  const cli = (args: readonly string[]) => runCli(args, env);
  const makeUser = (name: string, role: 'user' | 'admin' = 'user') => security.users.create({ email: email(name), passwordHash: 'not-a-hash', fullName: null, role });
  const origin = { userAgent: 'cli-test', address: '192.0.2.10' };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-users-'));
    const postgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';
    if (postgres) scratch = await createScratchDatabase('users');
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      JWT_SECRET_KEY: generatedSecret(),
      DATABASE_URL: scratch?.url,
      REDIS_URL: postgres ? process.env.REDIS_URL : undefined,
      REDIS_KEY_PREFIX: postgres ? `test:${uniqueId()}:` : undefined,
    };
    const config = loadConfig(env).config;
    runtime = await openRuntime(config, { migrate: true });
    security = createSecurity(config, { database: runtime.database, store: runtime.store, clock: systemClock, mailer: loggingMailer(() => undefined), onMailError: () => undefined });
  });
  afterAll(async () => {
    await runtime.store.deleteWithPrefix('').catch(() => undefined);
    await runtime.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lock ends every session and token at once and refuses the last active admin; unlock undoes it', async () => {
    const user = await makeUser('driver');
    const tokens = await security.sessions.openSession(user.id, origin);
    const authentication = { codec: security.codec, revocation: security.revocation, secureCookies: false };
    await authenticateToken(tokens.accessToken, authentication);

    const locked = await cli(['users', 'lock', email('DRIVER')]);
    expect(locked.code, locked.output).toBe(0);
    expect(locked.stdout).toBe(`locked ${email('driver')}: sign-in refused, every session ended\n`);
    expect((await security.users.findById(user.id))?.isActive).toBe(false);
    await expect(authenticateToken(tokens.accessToken, authentication)).rejects.toMatchObject({ code: 'token_revoked' });
    await expect(security.sessions.refresh(tokens.refreshToken)).rejects.toMatchObject({ status: 401 });
    expect(await security.sessions.listSessions(user.id)).toEqual([]);

    const unlocked = await cli(['users', 'unlock', email('driver')]);
    expect(unlocked.code, unlocked.output).toBe(0);
    expect((await security.users.findById(user.id))?.isActive).toBe(true);
    // Each is in the security activity log once the command has returned: an admin action with no actor.
    const logged = await runtime.database.db.selectFrom('security_events').select(['event', 'reason', 'actor_id']).where('user_id', '=', user.id).orderBy('occurred_at').execute();
    expect(logged).toEqual([
      { event: 'admin_action', reason: 'cli_lock', actor_id: null },
      { event: 'admin_action', reason: 'cli_unlock', actor_id: null },
    ]);

    const admin = await makeUser('only-admin', 'admin');
    const refused = await cli(['users', 'lock', admin.email]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The last active admin cannot be locked');
    expect((await security.users.findById(admin.id))?.isActive).toBe(true);
    const other = await makeUser('second-admin', 'admin');
    expect((await cli(['users', 'lock', admin.email])).code).toBe(0);
    expect((await cli(['users', 'lock', other.email])).code).toBe(1);
  });

  it('list filters by prefix, role and state, as lines or JSON', async () => {
    const result = await cli(['users', 'list', '--search', tag]);
    expect(result.code, result.output).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((line) => line.split('\t').slice(0, 3))).toEqual([
      [email('driver'), 'user', 'active'],
      [email('only-admin'), 'admin', 'locked'],
      [email('second-admin'), 'admin', 'active'],
    ]);
    expect(result.stderr).toBe('3 users\n');
    const json = await cli(['users', 'list', '--search', tag, '--role', 'admin', '--state', 'locked', '--json']);
    expect(json.code, json.output).toBe(0);
    expect((JSON.parse(json.stdout) as { email: string; state: string; locked_at: string | null }[]).map((user) => [user.email, user.state, typeof user.locked_at])).toEqual([[email('only-admin'), 'locked', 'string']]);
    expect((await cli(['users', 'list', '--search', `${tag}_`])).stdout).toBe('');
  });

  it('unknown users are exit 1, malformed arguments exit 2; both name the problem', async () => {
    const unknown = await cli(['users', 'lock', email('nobody')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No such user');
    expect((await cli(['users', 'unlock', email('nobody')])).code).toBe(1);
    const malformed = await cli(['users', 'lock', 'not-an-email']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('is not an email address');
    expect((await cli(['users', 'list', '--state', 'sleeping'])).code).toBe(2);
    expect((await cli(['users', 'lock'])).code).toBe(2);
  });

  it('the help names the commands', async () => {
    const help = await cli(['users', '--help']);
    expect(help.code).toBe(0);
    for (const command of ['create-admin', 'list', 'lock', 'unlock']) expect(help.stdout).toMatch(new RegExp(`^ +${command}\\b`, 'm'));
  });

  it("the shell's actions are recorded with no actor and a cli_ reason", async () => {
    const events: SecurityEvent[] = [];
    const unsubscribe = security.events.subscribe((event) => events.push(event));
    const user = await makeUser('recorded');
    await security.userAdministration.lock(user.id, { kind: 'cli' });
    await security.userAdministration.unlock(user.id, { kind: 'cli' });
    unsubscribe();
    expect(events.map((event) => [event.code, event.userId, event.actorId, event.reason])).toEqual([
      ['admin_action', user.id, null, 'cli_lock'],
      ['admin_action', user.id, null, 'cli_unlock'],
    ]);
  });
});
