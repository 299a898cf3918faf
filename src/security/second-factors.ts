import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { hasSecondFactor, type FactorSummary, type SecondFactorsRepository, type StoredPasskey } from '../db/repositories/second-factors.js';
import type { User, UsersRepository } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { SecurityEvents } from './security-events.js';
import { securityMetrics } from '../observability/metrics.js';
import type { PasskeyPurpose, PasskeyService } from './passkeys.js';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeDigest } from './recovery-codes.js';
import { SecondStepTickets, SECOND_STEP_TTL_MS, type SecondStepGrant } from './second-step.js';
import type { SecretBox } from './secret-box.js';
import { eventOrigin, type IssuedTokens, type SessionOrigin, type SessionService } from './sessions.js';
import type { StepUpFreshness } from './step-up.js';
import { matchingTotpStep, newTotpSecret, totpQrCode, totpUri } from './totp.js';

/** The issuer authenticator apps show next to the account. */
export const TOTP_ISSUER = 'AutoCognitix';

export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** How a sign-in was finished, as the security activity log records it. */
export type SignInMethod = 'password' | 'second_factor' | 'passkey';

/** A finished sign-in: the new session's tokens, the account's address (the device cookie is signed for it) and how. */
export interface SignedIn {
  readonly tokens: IssuedTokens;
  readonly email: string;
  readonly method: SignInMethod;
}

/** What a correct password leads to: a session, or a second step for a user with a factor. */
export type SignInOutcome =
  | ({ readonly kind: 'signed_in' } & SignedIn)
  | { readonly kind: 'second_step'; readonly ticket: string; readonly methods: readonly SecondFactorMethod[]; readonly expiresInSeconds: number };

/** The request's origin as seen for one account (the device cookie is signed per address). */
export type OriginOf = (email: string) => SessionOrigin;

/** A code typed by the user: from the authenticator app or one of the recovery codes. */
export interface SecondFactorCode {
  readonly totpCode?: string | undefined;
  readonly recoveryCode?: string | undefined;
}

export interface SecondFactorOverview {
  readonly totpEnabled: boolean;
  readonly passkeys: readonly StoredPasskey[];
  readonly recoveryCodesLeft: number;
  readonly recoveryCodesCreatedAt: string | null;
  readonly stepUpRequired: boolean;
  readonly freshUntil: Date | null;
}

export interface TotpEnrolment {
  readonly secret: string;
  readonly uri: string;
  readonly qrCode: string;
}

export interface SecondFactorServiceOptions {
  readonly sessions: SessionService;
  readonly users: UsersRepository;
  readonly repository: SecondFactorsRepository;
  readonly tickets: SecondStepTickets;
  readonly stepUp: StepUpFreshness;
  readonly passkeys: PasskeyService;
  /** Undefined in production without MFA_ENCRYPTION_KEY: nobody can set up an authenticator app. */
  readonly secretBox: SecretBox | undefined;
  readonly clock: Clock;
  readonly mailer: Mailer;
  readonly publicUrl: string;
  readonly onMailError: (error: unknown) => void;
  /** The security activity log: second steps, failed passkey sign-ins and used recovery codes (their mail goes out from its listener). */
  readonly events: SecurityEvents;
}

/** The context a TOTP secret is sealed under: a ciphertext copied to another user's row does not open. */
const totpContext = (userId: string): string => `totp:${userId}`;

function methodsOf(summary: FactorSummary): SecondFactorMethod[] {
  return [...(summary.totp ? (['totp'] as const) : []), ...(summary.recoveryCodesLeft > 0 ? (['recovery_code'] as const) : []), ...(summary.passkeys > 0 ? (['passkey'] as const) : [])];
}

/**
 * Second factors: the sign-in's second step, step-up for sensitive changes,
 * and managing a user's authenticator app, recovery codes and passkeys.
 * Every code is checked against the durable record in SQL, which spends it
 * with one conditional write; every attempt counts in the account's sign-in budget.
 */
export class SecondFactorService {
  constructor(private readonly options: SecondFactorServiceOptions) {}

  // Sign-in.

  /** The password step; a user with a second factor gets a ticket for the second step instead of a session. */
  async signIn(email: string, password: string, origin: SessionOrigin): Promise<SignInOutcome> {
    const { sessions, repository, tickets } = this.options;
    const user = await sessions.checkPassword(email, password, origin);
    const summary = await repository.summary(user.id);
    if (!hasSecondFactor(summary)) {
      await sessions.recordSignInSuccess(email, origin);
      return { kind: 'signed_in', tokens: await sessions.openSession(user.id, origin), email: user.email, method: 'password' };
    }
    const ticket = await tickets.issue(user);
    return { kind: 'second_step', ticket, methods: methodsOf(summary), expiresInSeconds: SECOND_STEP_TTL_MS / 1000 };
  }

  /**
   * The second step with an authenticator-app or recovery code. `originFor`
   * gives the request's origin for the ticket's account (its device cookie is
   * signed for the address).
   */
  async completeWithCode(ticket: string, code: SecondFactorCode, originFor: OriginOf): Promise<SignedIn> {
    const { tickets, sessions } = this.options;
    const grant = await tickets.read(ticket);
    const origin = originFor(grant.email);
    await sessions.admitSecondFactorAttempt(grant.email, origin);
    const method = await this.spendCode(grant.userId, code);
    if (method === undefined) {
      this.options.events.record({ code: 'second_step_failed', userId: grant.userId, origin: eventOrigin(origin), reason: code.totpCode === undefined ? 'recovery_code' : 'totp' });
      await tickets.recordFailure(ticket);
      throw new HttpError('second_factor_invalid');
    }
    return this.finishSignIn(await tickets.spend(ticket), origin, method);
  }

  /** Options for a passkey assertion: passwordless (no ticket) or the second step of the ticket's user. */
  async passkeySignInOptions(ticket: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (ticket === undefined) return this.options.passkeys.authenticationOptions({ kind: 'passwordless' });
    const grant = await this.options.tickets.read(ticket);
    return this.options.passkeys.authenticationOptions(this.secondStepPurpose(grant, ticket));
  }

  /** Signs in with a passkey: alone (discoverable credential, user verification required) or as the second step. */
  async signInWithPasskey(response: AuthenticationResponseJSON, ticket: string | undefined, originFor: OriginOf): Promise<SignedIn> {
    const { tickets, sessions, passkeys } = this.options;
    if (ticket === undefined) {
      let userId: string;
      try {
        ({ userId } = await this.countingRejections(passkeys.authenticate({ kind: 'passwordless' }, response)));
      } catch (error) {
        // No account is known for a rejected passkey: the origin is all there is to record.
        if (error instanceof HttpError && error.code === 'passkey_rejected') sessions.recordSignInFailure(null, 'passkey_rejected', originFor(''));
        throw error;
      }
      const user = await this.options.users.findById(userId);
      if (user === undefined) throw new HttpError('passkey_rejected');
      sessions.assertMaySignIn(user, originFor(user.email));
      const tokens = await sessions.openSession(user.id, originFor(user.email));
      await this.options.stepUp.markConfirmed(tokens.family);
      return { tokens, email: user.email, method: 'passkey' };
    }
    const grant = await tickets.read(ticket);
    const origin = originFor(grant.email);
    await sessions.admitSecondFactorAttempt(grant.email, origin);
    try {
      await this.countingRejections(passkeys.authenticate(this.secondStepPurpose(grant, ticket), response));
    } catch (error) {
      if (error instanceof HttpError && error.code === 'passkey_rejected') {
        this.options.events.record({ code: 'second_step_failed', userId: grant.userId, origin: eventOrigin(origin), reason: 'passkey' });
        await tickets.recordFailure(ticket);
      }
      throw error;
    }
    return this.finishSignIn(await tickets.spend(ticket), origin, 'passkey');
  }

  // Step-up.

  /** 403 `step_up_required` when the user has a second factor and this session has not confirmed one within the window. */
  async requireStepUp(userId: string, sessionId: string): Promise<void> {
    if (hasSecondFactor(await this.options.repository.summary(userId))) await this.options.stepUp.requireFresh(sessionId);
  }

  async stepUpWithCode(user: User, sessionId: string, code: SecondFactorCode, origin: SessionOrigin): Promise<Date> {
    await this.options.sessions.admitSecondFactorAttempt(user.email, origin);
    const method = await this.spendCode(user.id, code);
    if (method === undefined) throw new HttpError('second_factor_invalid');
    await this.options.sessions.recordSignInSuccess(user.email, origin);
    if (method === 'recovery_code') this.options.events.record({ code: 'recovery_code_used', userId: user.id, origin: eventOrigin(origin), sessionId });
    return this.options.stepUp.markConfirmed(sessionId);
  }

  stepUpPasskeyOptions(userId: string, sessionId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.options.passkeys.authenticationOptions({ kind: 'step_up', userId, sessionId });
  }

  async stepUpWithPasskey(user: User, sessionId: string, response: AuthenticationResponseJSON, origin: SessionOrigin): Promise<Date> {
    await this.options.sessions.admitSecondFactorAttempt(user.email, origin);
    await this.countingRejections(this.options.passkeys.authenticate({ kind: 'step_up', userId: user.id, sessionId }, response));
    await this.options.sessions.recordSignInSuccess(user.email, origin);
    return this.options.stepUp.markConfirmed(sessionId);
  }

  // Managing factors (the signed-in user's own).

  async overview(userId: string, sessionId: string): Promise<SecondFactorOverview> {
    const { repository, stepUp } = this.options;
    const [summary, passkeys, recoveryCodesCreatedAt, freshUntil] = await Promise.all([
      repository.summary(userId),
      repository.listPasskeys(userId),
      repository.recoveryCodesCreatedAt(userId),
      stepUp.freshUntil(sessionId),
    ]);
    return { totpEnabled: summary.totp, passkeys, recoveryCodesLeft: summary.recoveryCodesLeft, recoveryCodesCreatedAt, stepUpRequired: hasSecondFactor(summary), freshUntil };
  }

  /** A new, unconfirmed authenticator-app secret (replacing an unconfirmed one): shown once, as text and as a QR code. */
  async startTotp(user: User, sessionId: string): Promise<TotpEnrolment> {
    const { secretBox, repository, clock } = this.options;
    if (secretBox === undefined) throw new HttpError('second_factor_unavailable');
    await this.requireStepUp(user.id, sessionId);
    if ((await repository.findTotp(user.id))?.confirmed === true) throw new HttpError('totp_already_enabled');
    const secret = newTotpSecret();
    if (!(await repository.startTotpEnrolment(user.id, secretBox.seal(secret, totpContext(user.id)), clock.now()))) throw new HttpError('totp_already_enabled');
    const uri = totpUri({ secret, accountName: user.email, issuer: TOTP_ISSUER });
    return { secret, uri, qrCode: await totpQrCode(uri) };
  }

  /** Activates the app with its first code; returns fresh recovery codes when it is the user's first factor. */
  async confirmTotp(user: User, sessionId: string, code: string): Promise<string[] | null> {
    const { repository, clock } = this.options;
    const stored = await repository.findTotp(user.id);
    if (stored === undefined) throw new HttpError('totp_enrolment_missing');
    if (stored.confirmed) throw new HttpError('totp_already_enabled');
    const step = matchingTotpStep(this.openTotpSecret(user.id, stored.secretCiphertext), code, clock.now());
    if (step === undefined || !(await repository.useTotpStep(user.id, step, clock.now(), { confirm: true }))) throw new HttpError('second_factor_invalid');
    return this.afterFactorAdded(user, sessionId);
  }

  async removeTotp(userId: string, sessionId: string): Promise<void> {
    await this.requireStepUp(userId, sessionId);
    if (!(await this.options.repository.deleteTotp(userId))) throw new HttpError('not_found');
    await this.afterFactorRemoved(userId);
  }

  /** Ten new recovery codes; every earlier one (used or not) stops working. */
  async regenerateRecoveryCodes(userId: string, sessionId: string): Promise<string[]> {
    if (!hasSecondFactor(await this.options.repository.summary(userId))) throw new HttpError('recovery_codes_need_factor');
    await this.options.stepUp.requireFresh(sessionId);
    return this.issueRecoveryCodes(userId);
  }

  async passkeyRegistrationOptions(user: User, sessionId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await this.requireStepUp(user.id, sessionId);
    return this.options.passkeys.registrationOptions(user);
  }

  async registerPasskey(user: User, sessionId: string, name: string, response: RegistrationResponseJSON): Promise<{ passkey: StoredPasskey; recoveryCodes: string[] | null }> {
    const passkey = await this.options.passkeys.register(user.id, name, response);
    return { passkey, recoveryCodes: await this.afterFactorAdded(user, sessionId) };
  }

  async renamePasskey(userId: string, passkeyId: string, name: string): Promise<StoredPasskey> {
    const { repository } = this.options;
    if (!(await repository.renamePasskey(userId, passkeyId, name))) throw new HttpError('not_found');
    const passkey = await repository.findPasskey(passkeyId);
    if (passkey === undefined) throw new HttpError('not_found');
    return passkey;
  }

  async removePasskey(userId: string, sessionId: string, passkeyId: string): Promise<void> {
    await this.requireStepUp(userId, sessionId);
    if (!(await this.options.repository.deletePasskey(userId, passkeyId))) throw new HttpError('not_found');
    await this.afterFactorRemoved(userId);
  }

  /**
   * The operator's path for a user who lost every device and every recovery
   * code (after proving who they are outside this system): every factor goes,
   * every session ends, and the user is told by mail.
   */
  async resetAllFactors(user: User): Promise<void> {
    await this.options.repository.deleteAllFactors(user.id);
    await this.options.sessions.endAllSessions(user.id);
    this.mail(user.email, 'AutoCognitix: kétlépcsős azonosítás visszaállítva / second factors reset', [
      'Az adminisztrátor törölte a fiókod összes jelkulcsát, hitelesítő alkalmazását és helyreállító kódját, és minden munkamenetet lezárt.',
      'Bejelentkezés után állítsd be őket újra a Biztonság oldalon:',
      `${this.options.publicUrl}/account/security`,
      '',
      'An administrator removed every passkey, authenticator app and recovery code of your account and ended every session.',
      'Sign in and set them up again on the security page:',
      `${this.options.publicUrl}/account/security`,
    ]);
  }

  // Internals.

  /** Spends a code if it is right and unused: the app's time step or one recovery code, by a conditional write in SQL. */
  private async spendCode(userId: string, code: SecondFactorCode): Promise<SecondFactorMethod | undefined> {
    const method: SecondFactorMethod = code.totpCode === undefined ? 'recovery_code' : 'totp';
    const spent = code.totpCode === undefined ? await this.spendRecoveryCode(userId, code.recoveryCode) : await this.spendTotpCode(userId, code.totpCode);
    if (spent) return method;
    securityMetrics.loginFailures.inc({ reason: method === 'totp' ? 'totp_invalid' : 'recovery_code_invalid' });
    return undefined;
  }

  private async spendTotpCode(userId: string, code: string): Promise<boolean> {
    const { repository, clock } = this.options;
    const stored = await repository.findTotp(userId);
    if (stored?.confirmed !== true) return false;
    const step = matchingTotpStep(this.openTotpSecret(userId, stored.secretCiphertext), code, clock.now());
    return step !== undefined && (await repository.useTotpStep(userId, step, clock.now(), { confirm: false }));
  }

  private async spendRecoveryCode(userId: string, code: string | undefined): Promise<boolean> {
    const normalized = code === undefined ? undefined : normalizeRecoveryCode(code);
    return normalized !== undefined && (await this.options.repository.useRecoveryCode(userId, recoveryCodeDigest(normalized), this.options.clock.now()));
  }

  private async countingRejections<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      if (error instanceof HttpError && error.code === 'passkey_rejected') securityMetrics.loginFailures.inc({ reason: 'passkey_rejected' });
      throw error;
    }
  }

  private openTotpSecret(userId: string, ciphertext: string): string {
    // Production without MFA_ENCRYPTION_KEY refuses to start once a secret exists (startup checks); this is the backstop.
    if (this.options.secretBox === undefined) throw new HttpError('second_factor_unavailable');
    return this.options.secretBox.open(ciphertext, totpContext(userId));
  }

  private secondStepPurpose(grant: SecondStepGrant, ticket: string): PasskeyPurpose {
    return { kind: 'second_step', userId: grant.userId, ticketDigest: SecondStepTickets.digestOf(ticket) };
  }

  private async finishSignIn(grant: SecondStepGrant, origin: SessionOrigin, method: SecondFactorMethod): Promise<SignedIn> {
    const { users, sessions, stepUp } = this.options;
    const user = await users.findById(grant.userId);
    if (user === undefined) throw new HttpError('second_step_expired');
    sessions.assertMaySignIn(user, origin);
    await sessions.recordSignInSuccess(grant.email, origin);
    const tokens = await sessions.openSession(user.id, origin);
    // The factor was just confirmed: sensitive changes need no second prompt within the window.
    await stepUp.markConfirmed(tokens.family);
    const { events } = this.options;
    events.record({ code: 'second_step_succeeded', userId: user.id, origin: eventOrigin(origin), sessionId: tokens.family, reason: method });
    // The owner is told by mail (src/security/notifications.ts): a used code is one fewer, and may not have been theirs.
    if (method === 'recovery_code') events.record({ code: 'recovery_code_used', userId: user.id, origin: eventOrigin(origin), sessionId: tokens.family });
    return { tokens, email: user.email, method: 'second_factor' };
  }

  /**
   * The first factor brings recovery codes, and the session that proved it
   * counts as fresh. The owner is told by mail through the factor_added event
   * the route records (src/security/notifications.ts): a factor added by
   * someone holding a stolen session would otherwise go unnoticed.
   */
  private async afterFactorAdded(user: User, sessionId: string): Promise<string[] | null> {
    const summary = await this.options.repository.summary(user.id);
    await this.options.stepUp.markConfirmed(sessionId);
    return summary.recoveryCodesLeft === 0 ? this.issueRecoveryCodes(user.id) : null;
  }

  /** With no factor left, recovery codes would recover nothing: they go too. */
  private async afterFactorRemoved(userId: string): Promise<void> {
    if (!hasSecondFactor(await this.options.repository.summary(userId))) await this.options.repository.replaceRecoveryCodes(userId, [], this.options.clock.now());
  }

  private async issueRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    const digests = codes.map((code) => {
      const normalized = normalizeRecoveryCode(code);
      if (normalized === undefined) throw new Error('a generated recovery code does not normalize');
      return recoveryCodeDigest(normalized);
    });
    await this.options.repository.replaceRecoveryCodes(userId, digests, this.options.clock.now());
    return codes;
  }

  /** Sending never blocks or fails the request it reports on. */
  private mail(to: string, subject: string, lines: readonly string[]): void {
    this.options.mailer.send({ to, subject, text: lines.join('\n') }).catch(this.options.onMailError);
  }
}
