import type { Clock } from '../clock.js';

/** What the security activity log records; the names are stored, so they are stable. */
export const SECURITY_EVENT_CODES = [
  'sign_in_succeeded',
  'sign_in_failed',
  'second_step_succeeded',
  'second_step_failed',
  'refresh_token_reused',
  'signed_out',
  'signed_out_everywhere',
  'session_ended',
  'password_changed',
  'password_reset',
  'email_change_requested',
  'email_change_confirmed',
  'email_verified',
  'factor_added',
  'factor_removed',
  'recovery_code_used',
  'account_erased',
  'admin_action',
] as const;
export type SecurityEventCode = (typeof SECURITY_EVENT_CODES)[number];

/** Where a request came from: what an event records besides who and what. */
export interface RequestOrigin {
  readonly address: string | null;
  /** The raw User-Agent header; only the parsed device label is kept. */
  readonly userAgent: string | null;
}

export interface SecurityEventInput {
  readonly code: SecurityEventCode;
  /** Null for a failed sign-in that names no account. */
  readonly userId: string | null;
  readonly origin?: RequestOrigin;
  readonly sessionId?: string | null;
  /** A machine-readable detail (≤ 64 characters): failure reason, factor kind, admin action. Never a secret. */
  readonly reason?: string | null;
  /** The admin who acted, for admin actions. */
  readonly actorId?: string | null;
}

/** An event as listeners see it: stamped with the time and the device label. */
export interface SecurityEvent {
  readonly code: SecurityEventCode;
  readonly userId: string | null;
  readonly occurredAtMs: number;
  readonly address: string | null;
  readonly userAgent: string | null;
  readonly sessionId: string | null;
  readonly reason: string | null;
  readonly actorId: string | null;
}

/** Must return at once and never throw: it runs inside the request that the event describes. */
export type SecurityEventListener = (event: SecurityEvent) => void;

/**
 * The one place security events are announced. Recording never blocks and
 * never fails the request it describes: listeners (the log writer's queue,
 * the notification mailer) take the event synchronously and do their work later.
 */
export class SecurityEvents {
  private readonly listeners = new Set<SecurityEventListener>();

  constructor(
    private readonly clock: Clock,
    private readonly onListenerError: (error: unknown) => void = () => undefined,
  ) {}

  record(input: SecurityEventInput): void {
    const event: SecurityEvent = {
      code: input.code,
      userId: input.userId,
      occurredAtMs: this.clock.now(),
      address: input.origin?.address ?? null,
      userAgent: input.origin?.userAgent ?? null,
      sessionId: input.sessionId ?? null,
      reason: input.reason ?? null,
      actorId: input.actorId ?? null,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** @returns a function that removes the listener */
  subscribe(listener: SecurityEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
