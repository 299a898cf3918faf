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

/**
 * {@link parseSessionState} for the revocation check of every signed-in
 * request: the same stored text always parses to the same state, so the states
 * of recent texts are kept, keyed by the whole text (a session that changed is
 * a new text). Bounded: past `maxEntries` it starts over. The states are frozen
 * and shared: for reading only.
 */
export class SessionStateReader {
  private readonly states = new Map<string, SessionState>();

  constructor(private readonly maxEntries = 10_000) {}

  read(stored: string): SessionState | undefined {
    const known = this.states.get(stored);
    if (known !== undefined) return known;
    const state = parseSessionState(stored);
    if (state === undefined) return undefined;
    if (this.states.size >= this.maxEntries) this.states.clear();
    Object.freeze(state.current);
    if (state.previous !== undefined) Object.freeze(state.previous);
    this.states.set(stored, Object.freeze(state));
    return state;
  }
}

/** The same state, ended. */
export function endedState(state: SessionState): SessionState {
  return { ...state, revoked: true };
}
