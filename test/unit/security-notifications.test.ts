import { describe, expect, it } from 'vitest';
import type { SignInHistoryRepository } from '../../src/db/repositories/sign-in-history.js';
import type { UsersRepository, UserWithPasswordHash } from '../../src/db/repositories/users.js';
import { acceptedLanguage } from '../../src/http/sign-in.js';
import { composeMail, escapeHtml } from '../../src/mail/compose.js';
import type { Mailer, MailMessage } from '../../src/mail/mailer.js';
import { comparableDevice, mailSafeDevice, networkOf, SecurityNotifications, type SkippedNotification } from '../../src/security/notifications.js';
import { SecurityEvents, type SecurityEventInput } from '../../src/security/security-events.js';
import type { KeyValueStore } from '../../src/stores/key-value-store.js';
import { manualClock } from '../helpers/time.js';

describe('composeMail', () => {
  it('writes the same content as text and as escaped, self-contained HTML', () => {
    const mail = composeMail('a@example.com', 'en', 'Subject <b>&', ['Hello <script>alert("x")</script> & \'you\'', { url: 'https://app.example/a?b=1&c="2"' }]);
    expect(mail.text).toBe('Hello <script>alert("x")</script> & \'you\'\n\nhttps://app.example/a?b=1&c="2"');
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('<title>Subject &lt;b&gt;&amp;</title>');
    expect(mail.html).toContain('<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;you&#39;</p>');
    expect(mail.html).toContain('<a href="https://app.example/a?b=1&amp;c=&quot;2&quot;">https://app.example/a?b=1&amp;c=&quot;2&quot;</a>');
    expect(mail.html).not.toMatch(/<script|<img|src=/);
    expect(escapeHtml('&<>"\'')).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('acceptedLanguage', () => {
  it.each([
    [undefined, 'hu'],
    ['', 'hu'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['de-DE, en-GB;q=0.8, hu;q=0.5', 'en'],
    ['en;q=0.2, hu;q=0.9', 'hu'],
    ['hu-HU,hu;q=0.9,en-US;q=0.8', 'hu'],
    ['en;q=0, de', 'hu'],
    ['*', 'hu'],
  ] as const)('%s → %s', (header, language) => {
    expect(acceptedLanguage(header)).toBe(language);
  });
});

describe('what a mail shows of a sign-in', () => {
  it('keeps no markup, URL or domain of a User-Agent', () => {
    expect(mailSafeDevice('Firefox 133 on Linux')).toBe('Firefox 133 on Linux');
    expect(mailSafeDevice('curl/8.5.0')).toBe('curl 8.5.0');
    expect(mailSafeDevice('https://evil.example/login')).toBe('https evil example login');
    expect(mailSafeDevice('<img')).toBe('img');
    expect(mailSafeDevice('<>')).toBeNull();
    expect(mailSafeDevice(null)).toBeNull();
  });

  it('compares devices without versions and addresses by network', () => {
    expect(comparableDevice('Firefox 133 on Linux')).toBe(comparableDevice('Firefox 134 on Linux'));
    expect(comparableDevice('Safari on iOS 18.1')).toBe(comparableDevice('Safari on iOS 17.6'));
    expect(comparableDevice('Chrome 120 on Windows 10')).not.toBe(comparableDevice('Firefox 120 on Windows 10'));
    expect(networkOf('203.0.113.9')).toBe(networkOf('203.0.113.200'));
    expect(networkOf('203.0.113.9')).not.toBe(networkOf('203.0.114.9'));
    expect(networkOf('203.0.113.0/24')).toBe(networkOf('203.0.113.9'));
    expect(networkOf(null)).toBe('');
  });
});

describe('SecurityNotifications', () => {
  const user: UserWithPasswordHash = {
    id: 'user-1',
    email: 'owner@example.com',
    fullName: null,
    role: 'user',
    isActive: true,
    passwordResetRequired: false,
    lockedAt: null,
    emailVerifiedAt: null,
    language: 'en',
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    passwordHash: 'unused',
  };
  const users = { findById: (id: string) => Promise.resolve(id === user.id ? user : undefined) } as unknown as UsersRepository;
  const history = { signInsBetween: () => Promise.resolve([]), hasSignInBefore: () => Promise.resolve(false) } as unknown as SignInHistoryRepository;
  const countingStore = (): KeyValueStore => {
    let count = 0;
    return { increment: () => Promise.resolve({ count: ++count, ttlMs: 3_600_000 }) } as unknown as KeyValueStore;
  };

  function setUp(store: KeyValueStore, send: (message: MailMessage) => Promise<void>) {
    const clock = manualClock();
    const sent: MailMessage[] = [];
    const errors: unknown[] = [];
    const skipped: SkippedNotification[] = [];
    const mailer: Mailer = {
      send: async (message) => {
        await send(message);
        sent.push(message);
      },
      close: () => undefined,
    };
    const notifications = new SecurityNotifications({
      users,
      history,
      store,
      mailer,
      clock,
      publicUrl: 'https://app.example',
      onError: (error) => errors.push(error),
      onSkipped: (reason) => skipped.push(reason),
      mailsPerHour: 2,
    });
    const events = new SecurityEvents(clock);
    events.subscribe(notifications.listener);
    const record = (input: Partial<SecurityEventInput> = {}) => {
      events.record({ code: 'password_changed', userId: user.id, origin: { address: '192.0.2.1', userAgent: null }, ...input });
    };
    return { notifications, sent, errors, skipped, record };
  }

  it('mails after the request: record() returns before anything is sent', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { notifications, sent, record } = setUp(countingStore(), () => gate);
    record();
    expect(sent).toEqual([]);
    release();
    await notifications.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: user.email, subject: 'AutoCognitix: your password was changed' });
    expect(sent[0]?.html).toContain('<a href="https://app.example/account/security">');
  });

  it('mails nothing for a stranger-triggered or unnamed event, nor for an unknown user', async () => {
    const { notifications, sent, record } = setUp(countingStore(), () => Promise.resolve());
    record({ code: 'sign_in_failed', reason: 'wrong_password' });
    record({ code: 'password_changed', userId: null });
    record({ code: 'password_changed', userId: 'someone-else' });
    record({ code: 'signed_out' });
    await notifications.settled();
    expect(sent).toEqual([]);
  });

  it('skips (and reports) past the cap, and when the store does not answer; a mail failure is reported, never thrown', async () => {
    const capped = setUp(countingStore(), () => Promise.resolve());
    for (let index = 0; index < 4; index++) capped.record();
    await capped.notifications.settled();
    expect(capped.sent).toHaveLength(2);
    expect(capped.skipped).toEqual(['cap_reached', 'cap_reached']);

    const failingStore = { increment: () => Promise.reject(new Error('store down')) } as unknown as KeyValueStore;
    const storeDown = setUp(failingStore, () => Promise.resolve());
    storeDown.record();
    await storeDown.notifications.settled();
    expect(storeDown.sent).toEqual([]);
    expect(storeDown.skipped).toEqual(['store_unavailable']);

    const mailDown = setUp(countingStore(), () => Promise.reject(new Error('smtp down')));
    expect(() => {
      mailDown.record();
    }).not.toThrow();
    await mailDown.notifications.settled();
    expect(mailDown.errors).toEqual([new Error('smtp down')]);
  });

  it("does not mail a new account's first sign-in", async () => {
    const { notifications, sent, record } = setUp(countingStore(), () => Promise.resolve());
    record({ code: 'sign_in_succeeded', reason: 'password' });
    await notifications.settled();
    expect(sent).toEqual([]);
  });
});
