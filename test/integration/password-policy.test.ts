import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { HttpError } from '../../src/errors.js';
import { systemClock } from '../../src/clock.js';
import { loggingMailer } from '../../src/mail/mailer.js';
import { createSecurity } from '../../src/security/index.js';
import { verifyPassword } from '../../src/security/passwords.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/backends.js';
import { bearer, register, registerAndLogin, request, strongPassword, uniqueEmail } from '../helpers/auth-client.js';
import { startSmtpServer, type LocalSmtpServer } from '../helpers/smtp.js';

/** Each way a new password can break the policy, made from the account's own email where that is the point. */
interface PolicyProblem {
  readonly message: RegExp;
  readonly problem: string;
  readonly params?: Record<string, number>;
}

const BAD_PASSWORDS: readonly ({ name: string; password: (email: string) => string } & PolicyProblem)[] = [
  { name: 'too short', password: () => 'eleven char', message: /at least 12 characters/, problem: 'too_short', params: { limit: 12 } },
  { name: 'too common', password: () => 'qwerty123456', message: /most commonly used/, problem: 'common_password' },
  { name: 'equal to the email', password: (email) => email.toUpperCase(), message: /must not be your email address/, problem: 'password_is_email' },
];

function expectPolicyRefusal(response: LightMyRequestResponse, field: string, { message, problem, params }: PolicyProblem): void {
  expect(response.statusCode).toBe(422);
  const body = response.json<{ error: { code: string; details?: { field: string; message: string }[] } }>();
  expect(body.error.code).toBe('validation_failed');
  expect(body.error.details).toEqual([{ field, message: expect.stringMatching(message) as unknown, problem, ...(params === undefined ? {} : { params }) }]);
}

describe('one password policy on every path that sets a password', () => {
  let smtp: LocalSmtpServer;
  let testApp: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    testApp = await startTestApp({ config: testConfig({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.autocognitix.example' }) });
  });
  afterAll(async () => {
    await testApp.close();
    await smtp.stop();
  });

  const storedHash = async (email: string): Promise<string | undefined> => (await new UsersRepository(testApp.runtime.database.db).findByEmail(email))?.passwordHash;

  describe.each(BAD_PASSWORDS)('a password $name', ({ password, ...refusal }) => {
    it('is refused at registration, and no account is made', async () => {
      const email = uniqueEmail('policy');
      const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/register', payload: { email, password: password(email) }, remoteAddress: '10.9.8.7' });
      expectPolicyRefusal(response, 'password', refusal);
      expect(await storedHash(email)).toBeUndefined();
    });

    it('is refused by PUT /password, and the old password still works', async () => {
      const account = await registerAndLogin(testApp.app);
      const response = await request(testApp.app, {
        method: 'PUT',
        url: '/api/v1/auth/password',
        headers: bearer(account.tokens.access_token),
        payload: { current_password: account.password, new_password: password(account.email) },
      });
      expectPolicyRefusal(response, 'new_password', refusal);
      expect(await verifyPassword((await storedHash(account.email)) ?? '', account.password)).toBe(true);
    });

    it('is refused by POST /reset-password, and the link still works', async () => {
      const { email } = await register(testApp.app);
      await request(testApp.app, { method: 'POST', url: '/api/v1/auth/forgot-password', payload: { email } });
      const token = /reset-password#token=([A-Za-z0-9_-]+)/.exec((await smtp.waitForMail(email, undefined, 'reset-password')).body)?.[1] ?? '';
      const reset = (newPassword: string) => request(testApp.app, { method: 'POST', url: '/api/v1/auth/reset-password', payload: { token, new_password: newPassword } });
      expectPolicyRefusal(await reset(password(email)), 'new_password', refusal);
      expect((await reset(strongPassword())).statusCode).toBe(204);
    });

    it('is refused by SessionService.changePassword itself, whoever calls it', async () => {
      const account = await register(testApp.app);
      const security = createSecurity(testApp.config, {
        database: testApp.runtime.database,
        store: testApp.runtime.store,
        clock: systemClock,
        mailer: loggingMailer(() => undefined),
        onMailError: () => undefined,
      });
      const user = await security.users.findByEmail(account.email);
      if (user === undefined) throw new Error('the account was not stored');
      const thrown = await security.sessions
        .changePassword(user, 'no-session', account.password, password(account.email), { address: '203.0.113.9', trustedDevice: undefined })
        .then(() => undefined, (error: unknown) => error);
      expect(thrown).toBeInstanceOf(HttpError);
      expect((thrown as HttpError).status).toBe(422);
      expect((thrown as HttpError).details?.[0]?.message).toMatch(refusal.message);
      expect((thrown as HttpError).details?.[0]?.problem).toBe(refusal.problem);
      expect(await verifyPassword((await storedHash(account.email)) ?? '', account.password)).toBe(true);
    });
  });
});
