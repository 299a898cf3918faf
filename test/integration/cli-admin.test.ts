import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDatabasePath } from '../../src/config/index.js';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/index.js';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { BUNDLED_DTC_SEED_PATHS, importRecalls, seedDtcCodes } from '../../src/importers/index.js';
import { hashPassword, verifyPassword } from '../../src/security/passwords.js';
import { CSRF_TOKEN_KEY_PREFIX, DENYLIST_KEY_PREFIX, csrfTokenKey, denylistKey } from '../../src/security/store-keys.js';
import { createKeyValueStore, type KeyValueStoreWithAdmin } from '../../src/stores/index.js';
import { runCli, runCliInTerminal, runCliProcessInTerminal } from '../helpers/cli.js';
import { fixtureDirectory, recallLine, writeLines } from '../helpers/nhtsa-fixtures.js';

/** A password that passes the policy, made for this run. */
const strongPassword = (): string => `Adm1n-${randomBytes(12).toString('base64url')}`;

/**
 * `export`, `health-check`, `openapi`, `users create-admin` and `security …`
 * as an operator runs them, on the embedded SQLite file in a temporary
 * DATA_DIR: in-process (test/helpers/cli.ts), and the hidden password prompt
 * also in a real process on a pseudo-terminal. (Secrets-never-printed and
 * config errors for every command: cli-no-secrets.test.ts; backup and
 * restore: cli-backup.test.ts.)
 */
// The real-terminal test starts a child process (about 1-3 s on a busy machine).
describe('autocognitix administration commands', { timeout: 60_000 }, () => {
  let dataDir: string;
  let scratch: string;
  let database: Database;
  let store: KeyValueStoreWithAdmin;
  const trickyDescription = 'Sensor "A", circuit\nintermittent; 50% duty';

  const cli = (args: readonly string[], extraEnv: Record<string, string> = {}, directory = dataDir) =>
    runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: directory, ...extraEnv });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-admin-'));
    scratch = fixtureDirectory();
    const sqliteFilePath = embeddedDatabasePath({ dataDir });
    database = createDatabase({ sqliteFilePath });
    await migrateToLatest(database);
    await seedDtcCodes(database);
    await new DtcCodesRepository(database.db).upsert(
      [{ code: 'P1C00', description_en: trickyDescription, description_hu: null, severity: 'low', symptoms: ['one, two', 'three'], possible_causes: [], related_codes: [], sources: ['test'] }],
      new Date().toISOString(),
    );
    const recalls = writeLines(path.join(scratch, 'FLAT_RCL.txt'), [
      recallLine({ RECORD_ID: '1', CAMPNO: '24V001000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2019', COMPNAME: 'AIR BAGS', DESC_DEFECT: 'The "inflator", may rupture', DO_NOT_DRIVE: 'Yes', PARK_OUTSIDE: 'No' }),
      recallLine({ RECORD_ID: '2', CAMPNO: '24V002000', MAKETXT: 'FORD', MODELTXT: 'F-150', YEARTXT: '2020', COMPNAME: 'ENGINE' }),
    ]);
    await importRecalls(database, recalls);
    store = createKeyValueStore({ sqliteFilePath });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('export', () => {
    it('writes a dtc_codes CSV that quotes what needs quoting and that `import dtc` reads back unchanged', async () => {
      const file = path.join(scratch, 'codes.csv');
      const result = await cli(['export', 'dtc_codes', '--out', file]);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toBe('');
      // Every bundled row (generic, and each make's meaning) and P1C00.
      const rows = BUNDLED_DTC_SEED_PATHS.reduce((total, file) => total + (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length, 1);
      expect(rows).toBeGreaterThan(589);
      expect(result.stderr).toMatch(new RegExp(`^exported ${rows} dtc_codes rows to `, 'm'));
      const text = readFileSync(file, 'utf8');
      expect(text.split('\r\n')[0]).toBe('code,system,is_generic,description_en,description_hu,severity,symptoms,possible_causes,related_codes,sources,updated_at,symptoms_hu,possible_causes_hu,make');
      expect(text).toContain('P1C00,powertrain,false,"Sensor ""A"", circuit\nintermittent; 50% duty",,low,"one, two|three",,,test,');
      expect(text).not.toMatch(/search_text|content_hash/);

      const secondDataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-reimport-'));
      try {
        const imported = await cli(['import', 'dtc', file], {}, secondDataDir);
        expect(imported.code, imported.output).toBe(0);
        expect(imported.output).toMatch(new RegExp(`^dtc: read ${rows}, inserted ${rows}, updated 0, unchanged 0, skipped 0$`, 'm'));
        const copy = createDatabase({ sqliteFilePath: embeddedDatabasePath({ dataDir: secondDataDir }) });
        try {
          const row = await copy.db.selectFrom('dtc_codes').selectAll().where('code', '=', 'P1C00').executeTakeFirstOrThrow();
          expect(row.description_en).toBe(trickyDescription);
          expect(JSON.parse(row.symptoms)).toEqual(['one, two', 'three']);
        } finally {
          await copy.close();
        }
      } finally {
        rmSync(secondDataDir, { recursive: true, force: true });
      }
    });

    it('streams recalls as a JSON array on stdout, booleans as booleans, the count on stderr', async () => {
      const result = await cli(['export', 'recalls', '--format', 'json']);
      expect(result.code, result.output).toBe(0);
      const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ campaign_number: '24V001000', make: 'HONDA', defect_summary: 'The "inflator", may rupture', do_not_drive: true, park_outside: false });
      expect(rows[0]).not.toHaveProperty('recall_key');
      expect(result.stderr).toMatch(/^exported 2 recalls rows$/m);
    });

    it('exports an empty table as an empty JSON array', async () => {
      const result = await cli(['export', 'complaints', '--format', 'json']);
      expect(result.code, result.output).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([]);
    });

    it.each([
      ['users', /export refuses users: it holds password hashes/],
      ['garage_vehicles', /export refuses garage_vehicles: it holds users' personal data/],
      ['revoked_tokens', /export refuses revoked_tokens: it holds security state/],
      ['kysely_migration', /unknown table kysely_migration: export one of dtc_codes, recalls, complaints/],
    ])('refuses %s with exit 2 and writes nothing', async (table, message) => {
      const file = path.join(scratch, `${table}.csv`);
      const result = await cli(['export', table, '--out', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
      expect(() => statSync(file)).toThrow();
    });

    it('rejects an unknown format with exit 2', async () => {
      const result = await cli(['export', 'dtc_codes', '--format', 'xml']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/argument 'xml' is invalid/);
    });
  });

  describe('health-check', () => {
    it('prints one timed line per dependency and exits 0 when all answer', async () => {
      const result = await cli(['health-check']);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^database\s+sqlite\s+ok\s+\d+ ms {2}ok$/m);
      expect(result.stdout).toMatch(/^store\s+sqlite\s+ok\s+\d+ ms {2}ok$/m);
      expect(result.stdout).toMatch(/^migrations\s+sqlite\s+ok\s+\d+ ms {2}up to date \(\d{4}-[a-z-]+\)$/m);
    });

    it('reports as JSON with --json', async () => {
      const result = await cli(['health-check', '--json']);
      expect(result.code, result.output).toBe(0);
      const report = JSON.parse(result.stdout) as { status: string; checks: { name: string; ok: boolean; elapsedMs: number }[] };
      expect(report.status).toBe('ok');
      expect(report.checks.map((check) => check.name)).toEqual(['database', 'store', 'migrations']);
      expect(report.checks.every((check) => check.ok && Number.isInteger(check.elapsedMs))).toBe(true);
    });

    it('exits 1 naming the failed check when the schema was never migrated', async () => {
      const emptyDataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-empty-'));
      try {
        const result = await cli(['health-check'], {}, emptyDataDir);
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/^migrations\s+sqlite\s+FAIL\s+\d+ ms {2}no migrations applied/m);
        expect(result.stderr).toMatch(/error: migrations failed/);
      } finally {
        rmSync(emptyDataDir, { recursive: true, force: true });
      }
    });
  });

  describe('openapi', () => {
    it('prints the OpenAPI document on stdout and writes the same one with --out', async () => {
      const printed = await cli(['openapi']);
      expect(printed.code, printed.output).toBe(0);
      const document = JSON.parse(printed.stdout) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
      expect(document.openapi).toMatch(/^3\./);
      expect(document.info.title).toBe('AutoCognitix API');
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/dtc/search']));

      const file = path.join(scratch, 'openapi.json');
      const written = await cli(['openapi', '--out', file]);
      expect(written.code, written.output).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(document);
    });
  });

  describe('users create-admin', () => {
    it('creates an admin from ADMIN_PASSWORD, stores only its argon2id hash, and never prints it', async () => {
      const password = strongPassword();
      const result = await cli(['users', 'create-admin', '--email', 'Chief@Example.com', '--full-name', 'Chief Mechanic'], { ADMIN_PASSWORD: password });
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(/^created admin chief@example\.com \(id [0-9a-f-]{36}\)$/m);
      expect(result.output).not.toContain(password);
      const admin = await new UsersRepository(database.db).findByEmail('chief@example.com');
      expect(admin).toMatchObject({ role: 'admin', fullName: 'Chief Mechanic', isActive: true });
      expect(admin?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(admin?.passwordHash ?? '', password)).toBe(true);
    });

    it('refuses an existing email with exit 1 unless --promote-existing, which keeps the password', async () => {
      const users = new UsersRepository(database.db);
      const passwordHash = await hashPassword(strongPassword());
      const member = await users.create({ email: 'member@example.com', passwordHash, fullName: null });
      const refused = await cli(['users', 'create-admin', '--email', 'member@example.com'], { ADMIN_PASSWORD: strongPassword() });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/a user with the email member@example\.com already exists \(add --promote-existing/);
      expect((await users.findById(member.id))?.role).toBe('user');

      const promoted = await cli(['users', 'create-admin', '--email', 'member@example.com', '--promote-existing']);
      expect(promoted.code, promoted.output).toBe(0);
      expect(promoted.stdout).toMatch(/promoted member@example\.com to admin .*password is unchanged/);
      const after = await users.findById(member.id);
      expect(after?.role).toBe('admin');
      expect(after?.passwordHash).toBe(passwordHash);
    });

    it('exits 2 without ADMIN_PASSWORD when no terminal can ask', async () => {
      const result = await cli(['users', 'create-admin', '--email', 'nobody@example.com']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/set ADMIN_PASSWORD or run on a terminal/);
      expect(await new UsersRepository(database.db).findByEmail('nobody@example.com')).toBeUndefined();
    });

    it('applies the sign-up password policy (exit 2)', async () => {
      const result = await cli(['users', 'create-admin', '--email', 'weak@example.com'], { ADMIN_PASSWORD: 'short' });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the password must be at least 12 characters/);
      expect(await new UsersRepository(database.db).findByEmail('weak@example.com')).toBeUndefined();
    });

    it('has no --password option: a password on the command line is a usage error and is not echoed', async () => {
      const password = strongPassword();
      const result = await cli(['users', 'create-admin', '--email', 'argv@example.com', '--password', password]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/unknown option '--password'/);
      expect(result.output).not.toContain(password);
      expect(await new UsersRepository(database.db).findByEmail('argv@example.com')).toBeUndefined();
    });

    it('on a real terminal, asks twice without echoing the password', async () => {
      const password = strongPassword();
      const result = await runCliProcessInTerminal(['users', 'create-admin', '--email', 'tty@example.com'], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir }, [
        { waitFor: 'Password for the new admin: ', type: `${password}\r` },
        { waitFor: 'Repeat the password: ', type: `${password}\r` },
      ]);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/created admin tty@example\.com/);
      expect(result.output).not.toContain(password);
      const admin = await new UsersRepository(database.db).findByEmail('tty@example.com');
      expect(await verifyPassword(admin?.passwordHash ?? '', password)).toBe(true);
    });

    it('on a terminal, refuses two different passwords (exit 2)', async () => {
      const result = await runCliInTerminal(['users', 'create-admin', '--email', 'typo@example.com'], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir }, [
        { waitFor: 'Password for the new admin: ', type: `${strongPassword()}\r` },
        { waitFor: 'Repeat the password: ', type: `${strongPassword()}\r` },
      ]);
      expect(result.code, result.output).toBe(2);
      expect(result.output).toMatch(/the passwords do not match/);
      expect(await new UsersRepository(database.db).findByEmail('typo@example.com')).toBeUndefined();
    });

    it('rejects something that is not an email (exit 2)', async () => {
      const result = await cli(['users', 'create-admin', '--email', 'not an email'], { ADMIN_PASSWORD: strongPassword() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--email is not an email address/);
    });
  });

  describe('security purge-denylist / flush-csrf', () => {
    const hourMs = 3_600_000;

    it('use the key names the security modules write', () => {
      expect(denylistKey('abc')).toBe(`${DENYLIST_KEY_PREFIX}abc`);
      expect(csrfTokenKey('token').startsWith(CSRF_TOKEN_KEY_PREFIX)).toBe(true);
    });

    it('refuse without --yes when no terminal can confirm, deleting nothing, and say why', async () => {
      await store.set(denylistKey('kept'), '1', hourMs);
      for (const command of ['purge-denylist', 'flush-csrf']) {
        const result = await cli(['security', command]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/without --yes/);
      }
      expect(await store.exists(denylistKey('kept'))).toBe(true);
      const help = await cli(['security', 'purge-denylist', '--help']);
      expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/becomes valid again until it expires/);
    });

    it('on a terminal, delete only after a typed "yes"', async () => {
      await store.set(csrfTokenKey('asked'), '1', hourMs);
      const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir };
      const declined = await runCliInTerminal(['security', 'flush-csrf'], env, [{ waitFor: 'Type "yes" to continue: ', type: 'no\r' }]);
      expect(declined.code, declined.output).toBe(1);
      expect(declined.output).toMatch(/not confirmed; nothing was deleted/);
      expect(await store.exists(csrfTokenKey('asked'))).toBe(true);

      const confirmed = await runCliInTerminal(['security', 'flush-csrf'], env, [{ waitFor: 'Type "yes" to continue: ', type: 'yes\r' }]);
      expect(confirmed.code, confirmed.output).toBe(0);
      expect(confirmed.output).toMatch(/deleted \d+ CSRF tokens/);
      expect(await store.exists(csrfTokenKey('asked'))).toBe(false);
    });

    it('purge-denylist deletes every jti: key and the durable copy, and nothing else', async () => {
      await store.set(denylistKey('first'), '1', hourMs);
      await store.set(denylistKey('second'), '1', hourMs);
      await store.set(csrfTokenKey('survivor'), '1', hourMs);
      await store.set('user_nbf:someone', '1', hourMs);
      const expiresAt = new Date(Date.now() + hourMs).toISOString();
      await sql`insert into revoked_tokens (jti, expires_at) values (${'first'}, ${expiresAt}), (${'second'}, ${expiresAt})`.execute(database.db);
      const keysBefore = (await store.keysWithPrefix(DENYLIST_KEY_PREFIX)).length;

      const result = await cli(['security', 'purge-denylist', '--yes']);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain(`deleted ${keysBefore} denylist entries (keys jti:*) from the sqlite store`);
      expect(result.stdout).toContain('deleted 2 rows of their durable copy (revoked_tokens)');
      expect(await store.keysWithPrefix(DENYLIST_KEY_PREFIX)).toEqual([]);
      expect(await sql<{ count: number }>`select count(*) as count from revoked_tokens`.execute(database.db)).toMatchObject({ rows: [{ count: 0 }] });
      expect(await store.exists(csrfTokenKey('survivor'))).toBe(true);
      expect(await store.exists('user_nbf:someone')).toBe(true);
    });

    it('flush-csrf deletes every csrf_token: key and nothing else', async () => {
      await store.set(csrfTokenKey('one'), '1', hourMs);
      await store.set(csrfTokenKey('two'), '1', hourMs);
      await store.set(denylistKey('stays'), '1', hourMs);
      const keysBefore = (await store.keysWithPrefix(CSRF_TOKEN_KEY_PREFIX)).length;
      const result = await cli(['security', 'flush-csrf', '--yes']);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain(`deleted ${keysBefore} CSRF tokens (keys csrf_token:*) from the sqlite store`);
      expect(await store.keysWithPrefix(CSRF_TOKEN_KEY_PREFIX)).toEqual([]);
      expect(await store.exists(denylistKey('stays'))).toBe(true);
    });
  });
});
