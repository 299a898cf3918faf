/** The tokens of one generation of a session. */
export interface Generation {
  readonly refreshJti: string;
  readonly accessJti: string;
  readonly issuedAtMs: number;
  /** Seconds. */
  readonly accessExp: number;
  /** Seconds. */
  readonly refreshExp: number;
}

/**
 * A session (refresh family) as stored in the key-value store and, as its
 * durable copy, in SQL: which refresh token is current, and which one it replaced.
 */
export interface SessionState {
  readonly userId: string;
  readonly revoked: boolean;
  readonly current: Generation;
  readonly previous?: { readonly refreshJti: string; readonly rotatedAtMs: number };
}

/** The state in `stored`, or undefined for nothing or anything malformed. */
export function parseSessionState(stored: string | null | undefined): SessionState | undefined {
  if (stored === null || stored === undefined) return undefined;
  try {
    const state = JSON.parse(stored) as Partial<SessionState> | null;
    return typeof state?.userId === 'string' && typeof state.current?.refreshJti === 'string' && typeof state.current.accessJti === 'string' ? (state as SessionState) : undefined;
  } catch {
    return undefined;
  }
}

/** The same state, ended. */
export function endedState(state: SessionState): SessionState {
  return { ...state, revoked: true };
}
