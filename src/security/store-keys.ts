import { hash } from 'node:crypto';

/**
 * Every key the security code writes to the key-value store, in one place
 * (the seed's names where it gives them, so its rollback steps work).
 * docs/SECURITY.md ("Keys in the store") lists them with their values and
 * TTLs, and test/unit/store-keys.test.ts checks every export here against
 * that table. `{…}` is a Redis Cluster hash tag: keys with the same tag share
 * one slot.
 */

/**
 * The digest a secret or an e-mail address is stored under (SHA-256,
 * base64url): a store dump then holds no usable token and no personal data.
 * One-shot `hash()`: half the cost of a Hash object on every CSRF check.
 */
export const storedDigest = (text: string): string => hash('sha256', text, 'base64url');
const emailDigest = (email: string): string => storedDigest(email.toLowerCase());

// Tokens and sessions (src/security/revocation.ts, sessions.ts).

/** The denylist: one key per revoked token id. The seed's rollback purges this prefix. */
export const DENYLIST_KEY_PREFIX = 'jti:';
export const denylistKey = (jti: string): string => `${DENYLIST_KEY_PREFIX}${jti}`;
/** Per-user "tokens issued before this are dead" mark: logout-all and password change. */
export const userNotBeforeKey = (userId: string): string => `user_nbf:${userId}`;
/** A session's state; the tag keeps it and its lock in one Cluster slot. */
export const sessionStateKey = (family: string): string => `refresh_family:{${family}}`;
export const sessionLockKey = (family: string): string => `refresh_lock:{${family}}`;
/** Present while the store holds the security state; its absence means the store forgot. */
export const HYDRATION_MARKER_KEY = 'security:hydrated';

// CSRF (src/security/csrf.ts).

/** A CSRF token, by its digest; the value is the session it is bound to. The seed's rollback purges this prefix. */
export const CSRF_TOKEN_KEY_PREFIX = 'csrf_token:';
export const csrfTokenKey = (token: string): string => `${CSRF_TOKEN_KEY_PREFIX}${storedDigest(token)}`;
/** Counts the anonymous CSRF tokens issued to one address; the tag keeps a client's counters in one Cluster slot. */
export const csrfIssueCounterKey = (address: string): string => `csrf_issue:{${address}}`;

// Throttles (src/security/throttle.ts, ip-rate-limit.ts).

/** The seed's key: one fixed window per user and clock hour. The `{user}` tag keeps a user's counters in one Cluster slot. */
export const refreshCountKey = (userId: string, hour: number): string => `refresh_count:{${userId}}:${hour}`;
export const loginFailuresByAccountKey = (email: string): string => `login_fail:account:${emailDigest(email)}`;
export const loginFailuresByAddressKey = (address: string): string => `login_fail:ip:${address}`;
export const loginFailuresByDeviceKey = (deviceNonce: string): string => `login_fail:device:${deviceNonce}`;
/** One fixed window per address and route group; the tag keeps a client's counters in one Cluster slot. */
export const ipRateLimitKey = (group: string, address: string): string => `ip_rate:{${address}}:${group}`;
/** The same per signed-in account, for routes that create state for it (second-factor setup). */
export const accountRateLimitKey = (group: string, userId: string): string => `account_rate:{${userId}}:${group}`;

// Password reset (src/security/password-reset.ts).

/** A reset link's token, by digest: what the link's token is checked against. */
export const passwordResetKeyOfDigest = (tokenDigest: string): string => `password_reset:${tokenDigest}`;
export const passwordResetKey = (token: string): string => passwordResetKeyOfDigest(storedDigest(token));
/** The digest of the user's newest reset token: a new request voids the previous link. */
export const passwordResetUserKey = (userId: string): string => `password_reset_user:${userId}`;
/** Written for an unknown address, so its request costs the same store round trips as a real one. */
export const passwordResetDecoyKey = (token: string): string => `password_reset_decoy:${storedDigest(token)}`;
export const resetRequestsByAccountKey = (email: string): string => `reset_request:account:${emailDigest(email)}`;
export const resetRequestsByAddressKey = (address: string): string => `reset_request:ip:${address}`;

// E-mail change (src/security/email-change.ts).

/** A confirmation link's token, by digest. */
export const emailChangeKeyOfDigest = (tokenDigest: string): string => `email_change:${tokenDigest}`;
export const emailChangeKey = (token: string): string => emailChangeKeyOfDigest(storedDigest(token));
/** The digest of the user's pending confirmation token: a new request or an undo voids it. */
export const emailChangeUserKey = (userId: string): string => `email_change_user:${userId}`;
/** An undo link's token (sent to the old address), by digest. */
export const emailChangeUndoKey = (token: string): string => `email_change_undo:${storedDigest(token)}`;

// E-mail verification (src/security/email-verification.ts).

/** A verification link's token, by digest; the value names the user and the address the link was sent to. */
export const emailVerificationKeyOfDigest = (tokenDigest: string): string => `email_verification:${tokenDigest}`;
export const emailVerificationKey = (token: string): string => emailVerificationKeyOfDigest(storedDigest(token));
/** The digest of the user's newest verification token: a new link voids the previous one. */
export const emailVerificationUserKey = (userId: string): string => `email_verification_user:${userId}`;
/** Counts the reset mails sent to an account's unverified address in one hour (one is allowed). */
export const unverifiedResetMailKey = (userId: string): string => `reset_unverified:${userId}`;

// Second factors (src/security/second-step.ts, step-up.ts, passkeys.ts).

/** A second-step ticket (issued after a correct password, spent by a second factor), by digest. */
export const secondStepTicketKey = (ticket: string): string => `second_step:${storedDigest(ticket)}`;
/** A session's last second-factor confirmation (epoch ms): fresh for STEP_UP_WINDOW_MINUTES. */
export const stepUpKey = (family: string): string => `step_up:{${family}}`;
/** A WebAuthn challenge, by digest; the value says what it may be used for and by whom. */
export const webauthnChallengeKey = (challenge: string): string => `webauthn_challenge:${storedDigest(challenge)}`;

// Security notifications (src/security/notifications.ts).

/** Counts the notification mails sent to one user in the current hour: past the cap, mail is skipped (and logged). */
export const notificationMailsKey = (userId: string): string => `notification_mails:{${userId}}`;

// Garage reminder mail (src/garage/reminder-mail.ts).

/** Held by the instance running the reminder mailer's pass (its random owner id); only saves the others the work: the database's mark decides what is mailed. */
export const REMINDER_MAIL_LOCK_KEY = 'reminder_mail:lock';
