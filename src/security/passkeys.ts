import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Clock } from '../clock.js';
import type { SecondFactorsRepository, StoredPasskey } from '../db/repositories/second-factors.js';
import { HttpError } from '../errors.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { webauthnChallengeKey } from './store-keys.js';

const KNOWN_TRANSPORTS: ReadonlySet<string> = new Set<AuthenticatorTransportFuture>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** Transport hints as stored (whatever the browser reported), narrowed to the ones the library knows; the rest are only hints. */
export function knownTransports(transports: readonly string[]): AuthenticatorTransportFuture[] {
  return transports.filter((transport): transport is AuthenticatorTransportFuture => KNOWN_TRANSPORTS.has(transport));
}

/** A WebAuthn challenge works once, for five minutes: the browser's prompt gets the same timeout. */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;

const PASSKEY_NAME_MAX_CHARS = 64;
/** Random bytes of a new user handle: the WebAuthn maximum is 64, 32 is unguessable and fits the column as base64url. */
const USER_HANDLE_BYTES = 32;

export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origin: string;
}

/** From PUBLIC_URL: id = its hostname, origin = the URL's origin, name 'AutoCognitix'. */
export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, name: 'AutoCognitix', origin: url.origin };
}

/** What an assertion is for; the challenge is bound to it when issued and checked when used. */
export type PasskeyPurpose =
  | { readonly kind: 'passwordless' }
  | { readonly kind: 'second_step'; readonly userId: string; readonly ticketDigest: string }
  | { readonly kind: 'step_up'; readonly userId: string; readonly sessionId: string };

/** What a stored challenge may be used for: one assertion purpose, or adding a passkey to one user. */
type ChallengeUse = PasskeyPurpose | { readonly kind: 'registration'; readonly userId: string; readonly userHandle: string };

interface ChallengeRecord {
  readonly use: ChallengeUse;
  /** When it was issued (the service's clock): a store that keeps it longer still does not extend it. */
  readonly issuedAtMs: number;
}

export interface PasskeyServiceOptions {
  readonly store: KeyValueStore;
  readonly repository: SecondFactorsRepository;
  readonly clock: Clock;
  readonly relyingParty: RelyingParty;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** A stored challenge record, or undefined for anything malformed. */
function parseChallengeRecord(stored: string): ChallengeRecord | undefined {
  try {
    const value = JSON.parse(stored) as { use?: Record<string, unknown>; issuedAtMs?: unknown };
    const use = value.use;
    if (use === undefined || typeof value.issuedAtMs !== 'number') return undefined;
    const issuedAtMs = value.issuedAtMs;
    switch (use.kind) {
      case 'passwordless':
        return { use: { kind: 'passwordless' }, issuedAtMs };
      case 'second_step':
        return isString(use.userId) && isString(use.ticketDigest) ? { use: { kind: 'second_step', userId: use.userId, ticketDigest: use.ticketDigest }, issuedAtMs } : undefined;
      case 'step_up':
        return isString(use.userId) && isString(use.sessionId) ? { use: { kind: 'step_up', userId: use.userId, sessionId: use.sessionId }, issuedAtMs } : undefined;
      case 'registration':
        return isString(use.userId) && isString(use.userHandle) ? { use: { kind: 'registration', userId: use.userId, userHandle: use.userHandle }, issuedAtMs } : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function samePurpose(stored: ChallengeUse, expected: PasskeyPurpose): boolean {
  switch (expected.kind) {
    case 'passwordless':
      return stored.kind === 'passwordless';
    case 'second_step':
      return stored.kind === 'second_step' && stored.userId === expected.userId && stored.ticketDigest === expected.ticketDigest;
    case 'step_up':
      return stored.kind === 'step_up' && stored.userId === expected.userId && stored.sessionId === expected.sessionId;
  }
}

/** The challenge a response signed, or undefined when its clientDataJSON is not readable. */
function challengeOf(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string') return undefined;
  try {
    const challenge = decodeClientDataJSON(clientDataJSON).challenge;
    return typeof challenge === 'string' && challenge.length > 0 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

const rejected = (): HttpError => new HttpError('passkey_rejected');
const registrationFailed = (): HttpError => new HttpError('passkey_registration_failed');

/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: options to hand the
 * browser, and verification of what it returns. Every challenge is random,
 * stored by digest for five minutes, taken out before it is checked (so it
 * works once even when verification fails) and bound to what it was issued
 * for: a second-step challenge cannot finish a passwordless sign-in or
 * another user's step-up. Refusals are deliberately uniform, so a caller
 * learns nothing about which check failed.
 */
export class PasskeyService {
  private readonly store: KeyValueStore;
  private readonly repository: SecondFactorsRepository;
  private readonly clock: Clock;
  private readonly relyingParty: RelyingParty;

  constructor(options: PasskeyServiceOptions) {
    this.store = options.store;
    this.repository = options.repository;
    this.clock = options.clock;
    this.relyingParty = options.relyingParty;
  }

  /** Creation options for a signed-in user; the challenge may only add a passkey to this user, under this user handle. */
  async registrationOptions(user: { id: string; email: string; fullName: string | null }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const [existingHandle, passkeys] = await Promise.all([this.repository.userHandleOf(user.id), this.repository.listPasskeys(user.id)]);
    // One handle for all of a user's passkeys, random: the handle is readable by anyone holding the authenticator.
    const userHandle = existingHandle ?? isoBase64URL.fromBuffer(randomBytes(USER_HANDLE_BYTES));
    const options = await generateRegistrationOptions({
      rpName: this.relyingParty.name,
      rpID: this.relyingParty.id,
      userName: user.email,
      userID: isoBase64URL.toBuffer(userHandle),
      userDisplayName: user.fullName ?? user.email,
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: passkeys.map((passkey) => ({ id: passkey.id, transports: knownTransports(passkey.transports) })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    await this.storeChallenge(options.challenge, { kind: 'registration', userId: user.id, userHandle });
    return options;
  }

  /** Verifies a new passkey against this user's registration challenge and stores it. */
  async register(userId: string, name: string, response: RegistrationResponseJSON): Promise<StoredPasskey> {
    const trimmedName = name.trim();
    // Code points, as PostgreSQL's varchar(64) counts them.
    const nameLength = Array.from(trimmedName).length;
    if (nameLength < 1 || nameLength > PASSKEY_NAME_MAX_CHARS) throw registrationFailed();

    const challenge = challengeOf(response.response.clientDataJSON);
    if (challenge === undefined) throw registrationFailed();
    const record = await this.takeChallenge(challenge);
    if (record?.use.kind !== 'registration' || record.use.userId !== userId) throw registrationFailed();
    const { userHandle } = record.use;

    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.relyingParty.origin,
        expectedRPID: this.relyingParty.id,
        requireUserPresence: true,
        requireUserVerification: true,
      });
    } catch (error) {
      throw new HttpError('passkey_registration_failed', { cause: error });
    }
    if (!verification.verified) throw registrationFailed();
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;

    const nowMs = this.clock.now();
    const added = await this.repository.addPasskey(
      {
        id: credential.id,
        userId,
        userHandle,
        publicKey: isoBase64URL.fromBuffer(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        name: trimmedName,
      },
      nowMs,
    );
    // The credential ID is registered already (this user's or anyone's): never overwrite a key.
    if (!added) throw registrationFailed();
    const stored = await this.repository.findPasskey(credential.id);
    if (stored === undefined) throw registrationFailed();
    return stored;
  }

  /** Request options for one purpose; the challenge works only for that purpose. */
  async authenticationOptions(purpose: PasskeyPurpose): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = purpose.kind === 'passwordless' ? [] : await this.repository.listPasskeys(purpose.userId);
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty.id,
      allowCredentials: passkeys.map((passkey) => ({ id: passkey.id, transports: knownTransports(passkey.transports) })),
      // Passwordless: the passkey is the only factor, so it must also verify the person (PIN, biometrics).
      userVerification: purpose.kind === 'passwordless' ? 'required' : 'preferred',
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
    });
    await this.storeChallenge(options.challenge, purpose);
    return options;
  }

  /** Verifies an assertion made for `purpose`; returns whose passkey it was. */
  async authenticate(purpose: PasskeyPurpose, response: AuthenticationResponseJSON): Promise<{ userId: string; passkeyId: string }> {
    const challenge = challengeOf(response.response.clientDataJSON);
    if (challenge === undefined) throw rejected();
    const record = await this.takeChallenge(challenge);
    if (record === undefined || record.use.kind === 'registration' || !samePurpose(record.use, purpose)) throw rejected();

    const passkey = typeof response.id === 'string' ? await this.repository.findPasskey(response.id) : undefined;
    if (passkey === undefined) throw rejected();
    if (purpose.kind === 'passwordless') {
      // The authenticator names the account (discoverable credential): it must name the one this key belongs to.
      if (response.response.userHandle !== passkey.userHandle) throw rejected();
    } else if (passkey.userId !== purpose.userId) {
      throw rejected();
    }

    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.relyingParty.origin,
        expectedRPID: this.relyingParty.id,
        credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: knownTransports(passkey.transports) },
        requireUserVerification: purpose.kind === 'passwordless',
      });
    } catch (error) {
      throw new HttpError('passkey_rejected', { cause: error });
    }
    if (!verification.verified) throw rejected();
    const { newCounter } = verification.authenticationInfo;
    // A counter that did not move forward means a second copy of the key exists (the library checks too; this is the rule).
    if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) throw rejected();
    // Two parallel uses of one key: only one moves the counter.
    if (!(await this.repository.recordPasskeyUse(passkey.id, passkey.counter, newCounter, this.clock.now()))) throw rejected();
    return { userId: passkey.userId, passkeyId: passkey.id };
  }

  private async storeChallenge(challenge: string, use: ChallengeUse): Promise<void> {
    const record: ChallengeRecord = { use, issuedAtMs: this.clock.now() };
    await this.store.set(webauthnChallengeKey(challenge), JSON.stringify(record), WEBAUTHN_CHALLENGE_TTL_MS);
  }

  /** Takes a challenge out of the store (single use); undefined when unknown, malformed or older than its five minutes. */
  private async takeChallenge(challenge: string): Promise<ChallengeRecord | undefined> {
    const stored = await this.store.getAndDelete(webauthnChallengeKey(challenge));
    if (stored === null) return undefined;
    const record = parseChallengeRecord(stored);
    if (record === undefined) return undefined;
    const ageMs = this.clock.now() - record.issuedAtMs;
    return ageMs >= 0 && ageMs < WEBAUTHN_CHALLENGE_TTL_MS ? record : undefined;
  }
}
