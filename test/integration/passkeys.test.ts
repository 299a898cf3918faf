import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecondFactorsRepository } from '../../src/db/repositories/second-factors.js';
import { UsersRepository } from '../../src/db/repositories/users.js';
import { PasskeyService, WEBAUTHN_CHALLENGE_TTL_MS, relyingPartyOf, type PasskeyPurpose, type RelyingParty } from '../../src/security/passkeys.js';
import { storedDigest } from '../../src/security/store-keys.js';
import { openTestRuntime, testConfig, type TestRuntime } from '../helpers/backends.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { manualClock } from '../helpers/time.js';

describe('relyingPartyOf', () => {
  it('takes the RP ID from the host name and the origin from the public URL', () => {
    expect(relyingPartyOf('https://app.example.test:8443/some/path')).toEqual({ id: 'app.example.test', name: 'AutoCognitix', origin: 'https://app.example.test:8443' });
    expect(relyingPartyOf('http://localhost:3000')).toEqual({ id: 'localhost', name: 'AutoCognitix', origin: 'http://localhost:3000' });
  });
});

describe('PasskeyService on the real repositories and store', () => {
  const relyingParty: RelyingParty = relyingPartyOf('https://autocognitix.example.test');
  const origin = relyingParty.origin;
  const clock = manualClock();
  let runtime: TestRuntime;
  let repository: SecondFactorsRepository;
  let users: UsersRepository;
  let passkeys: PasskeyService;

  beforeAll(async () => {
    runtime = await openTestRuntime(testConfig(), { clock });
    repository = new SecondFactorsRepository(runtime.database.db);
    users = new UsersRepository(runtime.database.db);
    passkeys = new PasskeyService({ store: runtime.store, repository, clock, relyingParty });
  });
  afterAll(async () => {
    await runtime.dispose();
  });

  const newUser = async (fullName: string | null = 'Test Driver') => {
    const user = await users.create({ email: `passkey-${randomUUID()}@example.test`, passwordHash: randomBytes(16).toString('hex'), fullName });
    return { id: user.id, email: user.email, fullName };
  };

  /** A user with one registered passkey held by the returned authenticator. */
  const userWithPasskey = async () => {
    const user = await newUser();
    const authenticator = new SoftAuthenticator();
    const options = await passkeys.registrationOptions(user);
    const passkey = await passkeys.register(user.id, 'Laptop', authenticator.createCredential(options, { origin }));
    return { user, authenticator, passkey };
  };

  type Purpose<Kind extends PasskeyPurpose['kind']> = Extract<PasskeyPurpose, { kind: Kind }>;
  const secondStep = (userId: string): Purpose<'second_step'> => ({ kind: 'second_step', userId, ticketDigest: storedDigest(randomBytes(32).toString('base64url')) });
  const stepUp = (userId: string): Purpose<'step_up'> => ({ kind: 'step_up', userId, sessionId: randomUUID() });
  const passwordless: PasskeyPurpose = { kind: 'passwordless' };

  const rejected = { code: 'passkey_rejected', status: 401 };
  const registrationFailed = { code: 'passkey_registration_failed', status: 422 };

  it('registers a discoverable passkey under a random user handle and signs in with it without a password', async () => {
    const user = await newUser();
    const authenticator = new SoftAuthenticator();
    const options = await passkeys.registrationOptions(user);
    expect(options.rp).toEqual({ id: relyingParty.id, name: 'AutoCognitix' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    expect(options.user.name).toBe(user.email);
    expect(options.user.displayName).toBe('Test Driver');
    expect(options.user.id).not.toBe(user.id);
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(options.timeout).toBe(WEBAUTHN_CHALLENGE_TTL_MS);

    const passkey = await passkeys.register(user.id, '  Work laptop  ', authenticator.createCredential(options, { origin }));
    expect(passkey).toMatchObject({ id: authenticator.credentialId, userId: user.id, userHandle: options.user.id, name: 'Work laptop', counter: 0, lastUsedAt: null });

    const request = await passkeys.authenticationOptions(passwordless);
    expect(request.allowCredentials).toEqual([]);
    expect(request.userVerification).toBe('required');
    expect(request.rpId).toBe(relyingParty.id);
    clock.advance(1000);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(request, { origin }))).resolves.toEqual({ userId: user.id, passkeyId: passkey.id });
    const used = await repository.findPasskey(passkey.id);
    expect(used?.counter).toBe(1);
    expect(used?.lastUsedAt).toBe(new Date(clock.now()).toISOString());

    // A second passkey keeps the user handle and is told about the first.
    const again = await passkeys.registrationOptions(user);
    expect(again.user.id).toBe(options.user.id);
    expect(again.excludeCredentials?.map((credential) => credential.id)).toEqual([passkey.id]);
    const second = await passkeys.register(user.id, 'Phone', new SoftAuthenticator().createCredential(again, { origin }));
    expect(second.userHandle).toBe(options.user.id);
  });

  it('signs the second step and a step-up with the user’s own passkeys, user verification preferred', async () => {
    const { user, authenticator, passkey } = await userWithPasskey();
    for (const purpose of [secondStep(user.id), stepUp(user.id)]) {
      const request = await passkeys.authenticationOptions(purpose);
      expect(request.allowCredentials?.map((credential) => credential.id)).toEqual([passkey.id]);
      expect(request.userVerification).toBe('preferred');
      // Presence is enough here: the password or the session already stands for the user.
      await expect(passkeys.authenticate(purpose, authenticator.getAssertion(request, { origin, userVerified: false }))).resolves.toEqual({ userId: user.id, passkeyId: passkey.id });
    }
    expect((await repository.findPasskey(passkey.id))?.counter).toBe(2);
  });

  it('refuses an assertion made for another origin or another RP ID', async () => {
    const { authenticator } = await userWithPasskey();
    const wrongOrigin = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(wrongOrigin, { origin: 'https://autocognitix.example.test.evil.example' }))).rejects.toMatchObject(rejected);
    const wrongRpId = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(wrongRpId, { origin, rpId: 'evil.example' }))).rejects.toMatchObject(rejected);
    // The good one still works: nothing was recorded by the refusals.
    const good = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(good, { origin }))).resolves.toMatchObject({ passkeyId: authenticator.credentialId });
  });

  it('refuses a registration for another origin or RP ID, or without user verification', async () => {
    const user = await newUser();
    const cases = [{ origin: 'https://evil.example' }, { origin, rpId: 'evil.example' }, { origin, userVerified: false }];
    for (const ceremony of cases) {
      const options = await passkeys.registrationOptions(user);
      await expect(passkeys.register(user.id, 'Key', new SoftAuthenticator().createCredential(options, ceremony))).rejects.toMatchObject(registrationFailed);
    }
    expect(await repository.listPasskeys(user.id)).toEqual([]);
  });

  it('uses a challenge once: a second answer to it is refused, even freshly signed', async () => {
    const { user, authenticator } = await userWithPasskey();
    const request = await passkeys.authenticationOptions(stepUp(user.id));
    const purpose = stepUp(user.id);
    // The first use fails (wrong session) and still spends the challenge.
    await expect(passkeys.authenticate(purpose, authenticator.getAssertion(request, { origin }))).rejects.toMatchObject(rejected);

    const login = await passkeys.authenticationOptions(passwordless);
    const response = authenticator.getAssertion(login, { origin });
    await expect(passkeys.authenticate(passwordless, response)).resolves.toMatchObject({ userId: user.id });
    await expect(passkeys.authenticate(passwordless, response)).rejects.toMatchObject(rejected);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(login, { origin }))).rejects.toMatchObject(rejected);

    const registration = await passkeys.registrationOptions(user);
    const fresh = new SoftAuthenticator();
    const credential = fresh.createCredential(registration, { origin });
    await expect(passkeys.register(user.id, 'Once', { ...credential, response: { ...credential.response, attestationObject: 'AA' } })).rejects.toMatchObject(registrationFailed);
    await expect(passkeys.register(user.id, 'Once', credential)).rejects.toMatchObject(registrationFailed);
  });

  it('refuses a challenge issued for another purpose, user, ticket or session', async () => {
    const { user, authenticator } = await userWithPasskey();
    const other = await newUser();
    const ticketPurpose = secondStep(user.id);
    const sessionPurpose = stepUp(user.id);
    const mismatches: [issuedFor: PasskeyPurpose, usedFor: PasskeyPurpose][] = [
      [ticketPurpose, passwordless],
      [passwordless, ticketPurpose],
      [ticketPurpose, sessionPurpose],
      [ticketPurpose, { ...ticketPurpose, ticketDigest: storedDigest('another ticket') }],
      [sessionPurpose, { ...sessionPurpose, sessionId: randomUUID() }],
      [sessionPurpose, { ...sessionPurpose, userId: other.id }],
      [ticketPurpose, { ...ticketPurpose, userId: other.id }],
    ];
    for (const [issuedFor, usedFor] of mismatches) {
      const request = await passkeys.authenticationOptions(issuedFor);
      await expect(passkeys.authenticate(usedFor, authenticator.getAssertion(request, { origin }))).rejects.toMatchObject(rejected);
    }

    // A registration challenge signs in no one, and registers for its own user only.
    const registration = await passkeys.registrationOptions(user);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion({ challenge: registration.challenge, rpId: relyingParty.id }, { origin }))).rejects.toMatchObject(rejected);
    const forUser = await passkeys.registrationOptions(user);
    await expect(passkeys.register(other.id, 'Stolen', new SoftAuthenticator().createCredential(forUser, { origin }))).rejects.toMatchObject(registrationFailed);
    // An assertion challenge registers nothing.
    const request = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.register(user.id, 'Key', new SoftAuthenticator().createCredential({ ...forUser, challenge: request.challenge }, { origin }))).rejects.toMatchObject(registrationFailed);
  });

  it('refuses an unknown credential, and another user’s credential for a second step', async () => {
    const { user } = await userWithPasskey();
    const stranger = new SoftAuthenticator();
    const unknown = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, stranger.getAssertion(unknown, { origin }))).rejects.toMatchObject(rejected);

    const { user: otherUser, authenticator: otherAuthenticator } = await userWithPasskey();
    for (const purpose of [secondStep(user.id), stepUp(user.id)]) {
      const request = await passkeys.authenticationOptions(purpose);
      expect(request.allowCredentials?.map((credential) => credential.id)).not.toContain(otherAuthenticator.credentialId);
      await expect(passkeys.authenticate(purpose, otherAuthenticator.getAssertion(request, { origin }))).rejects.toMatchObject(rejected);
    }
    expect((await repository.findPasskey(otherAuthenticator.credentialId))?.userId).toBe(otherUser.id);
  });

  it('refuses a passwordless assertion whose user handle is not the passkey’s', async () => {
    const { authenticator } = await userWithPasskey();
    const request = await passkeys.authenticationOptions(passwordless);
    const response = authenticator.getAssertion(request, { origin });
    // The user handle is not signed: the server must check it against the stored one.
    const forged = { ...response, response: { ...response.response, userHandle: Buffer.from(randomBytes(32)).toString('base64url') } };
    await expect(passkeys.authenticate(passwordless, forged)).rejects.toMatchObject(rejected);
  });

  it('requires user verification for a passwordless sign-in', async () => {
    const { authenticator } = await userWithPasskey();
    const request = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(request, { origin, userVerified: false }))).rejects.toMatchObject(rejected);
  });

  it('refuses a cloned authenticator whose counter fell behind, and keeps the stored counter', async () => {
    const { authenticator, passkey } = await userWithPasskey();
    const copy = authenticator.clone();
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(await passkeys.authenticationOptions(passwordless), { origin }))).resolves.toMatchObject({ passkeyId: passkey.id });
    expect((await repository.findPasskey(passkey.id))?.counter).toBe(1);

    // The copy had the counter at 0, so it answers 1: not above the stored 1.
    const request = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, copy.getAssertion(request, { origin }))).rejects.toMatchObject(rejected);
    // An explicitly older counter too.
    const older = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(older, { origin, counter: 0 }))).rejects.toMatchObject(rejected);
    expect((await repository.findPasskey(passkey.id))?.counter).toBe(1);

    const next = await passkeys.authenticationOptions(passwordless);
    await expect(passkeys.authenticate(passwordless, authenticator.getAssertion(next, { origin, counter: 5 }))).resolves.toMatchObject({ passkeyId: passkey.id });
    expect((await repository.findPasskey(passkey.id))?.counter).toBe(5);
  });

  it('lets only one of two parallel assertions with the same counter through', async () => {
    const { authenticator, passkey } = await userWithPasskey();
    const [first, second] = await Promise.all([passkeys.authenticationOptions(passwordless), passkeys.authenticationOptions(passwordless)]);
    const outcomes = await Promise.allSettled([
      passkeys.authenticate(passwordless, authenticator.getAssertion(first, { origin, counter: 7 })),
      passkeys.authenticate(passwordless, authenticator.getAssertion(second, { origin, counter: 7 })),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')?.reason).toMatchObject(rejected);
    expect((await repository.findPasskey(passkey.id))?.counter).toBe(7);
  });

  it('refuses to register a credential ID twice, for the same user or another', async () => {
    const { user, authenticator } = await userWithPasskey();
    const again = await passkeys.registrationOptions(user);
    await expect(passkeys.register(user.id, 'Again', authenticator.createCredential(again, { origin }))).rejects.toMatchObject(registrationFailed);
    const other = await newUser();
    const otherOptions = await passkeys.registrationOptions(other);
    await expect(passkeys.register(other.id, 'Taken', authenticator.createCredential(otherOptions, { origin }))).rejects.toMatchObject(registrationFailed);
    expect(await repository.listPasskeys(user.id)).toHaveLength(1);
    expect(await repository.listPasskeys(other.id)).toEqual([]);
  });

  it('refuses a name that is empty or longer than 64 characters', async () => {
    const user = await newUser(null);
    for (const name of ['   ', 'x'.repeat(65)]) {
      const options = await passkeys.registrationOptions(user);
      expect(options.user.displayName).toBe(user.email);
      await expect(passkeys.register(user.id, name, new SoftAuthenticator().createCredential(options, { origin }))).rejects.toMatchObject(registrationFailed);
    }
    const options = await passkeys.registrationOptions(user);
    await expect(passkeys.register(user.id, 'é'.repeat(64), new SoftAuthenticator().createCredential(options, { origin }))).resolves.toMatchObject({ name: 'é'.repeat(64) });
  });

  // Redis keeps its own time, so there the stored issue time is what refuses; the embedded store also expires the entry.
  it('refuses an answer that arrives after the challenge’s five minutes', async () => {
    const { user, authenticator } = await userWithPasskey();
    const purpose = secondStep(user.id);
    const justInTime = await passkeys.authenticationOptions(purpose);
    clock.advance(WEBAUTHN_CHALLENGE_TTL_MS - 1000);
    await expect(passkeys.authenticate(purpose, authenticator.getAssertion(justInTime, { origin }))).resolves.toMatchObject({ userId: user.id });

    const late = await passkeys.authenticationOptions(purpose);
    const registration = await passkeys.registrationOptions(user);
    clock.advance(WEBAUTHN_CHALLENGE_TTL_MS);
    await expect(passkeys.authenticate(purpose, authenticator.getAssertion(late, { origin }))).rejects.toMatchObject(rejected);
    await expect(passkeys.register(user.id, 'Late', new SoftAuthenticator().createCredential(registration, { origin }))).rejects.toMatchObject(registrationFailed);
  });
});
