import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Clock } from '../clock.js';
import type { AuthStateRepository } from '../db/repositories/auth-state.js';
import { StoreUnavailableError, type KeyValueStore } from '../stores/key-value-store.js';
import { cutoffReplaces } from './cutoff-mark.js';
import { HYDRATION_MARKER_KEY, denylistKey, sessionStateKey, userNotBeforeKey } from './store-keys.js';

/* HYDRATION_MARKER_KEY: a Redis that restarts empty (no persistence) or is
 * replaced loses it; its absence is how every instance notices, in the same
 * round trip as the denylist check. */
const MARKER_TTL_MS = 24 * 3_600_000;
const REFILL_BATCH = 500;
/** How long a request that found the marker missing waits for the refill before failing closed. */
export const REFILL_WAIT_MS = 2_000;
const CAS_ATTEMPTS = 5;

/** What a refill is about to write back. All zero: a new install (or nothing live): nothing was lost. */
export interface RefillCounts {
  readonly revokedTokens: number;
  readonly userCutoffs: number;
  readonly sessions: number;
}

export interface DurabilityEvents {
  refillStarted?(toRestore: RefillCounts): void;
  refillFinished?(counts: RefillCounts & { durationMs: number }): void;
  refillFailed?(error: unknown): void;
}

/**
 * Stores `mark` as the user's cut-off unless the stored one is later: a
 * cut-off never moves back in time, whoever writes last (a refill from an
 * older read, a slower instance).
 */
export async function storeLaterCutoff(store: KeyValueStore, userId: string, mark: string, ttlMs: number): Promise<void> {
  const key = userNotBeforeKey(userId);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const stored = await store.get(key);
    if (stored !== null && !cutoffReplaces(mark, stored)) return;
    if (await store.compareAndSet(key, stored, mark, ttlMs)) return;
  }
  throw new StoreUnavailableError('The user cut-off kept changing; retry');
}

/**
 * Keeps revocations durable across a store that forgets: every revocation,
 * cut-off and session is also in SQL (written there first by Revocation and
 * SessionService); when the marker is gone, the live rows are written back
 * before any check passes again. The refill only adds: a denylist entry, a
 * cut-off only when later than the stored one, a session only where the
 * store has none — so it never overwrites newer state.
 */
export class SecurityStateDurability {
  private refilling: Promise<void> | undefined;

  constructor(
    private readonly store: KeyValueStore,
    private readonly repository: AuthStateRepository,
    private readonly clock: Clock,
    private readonly events: DurabilityEvents = {},
  ) {}

  /**
   * Called by a check or a security write that found the marker missing:
   * starts (or joins) the refill and waits for it up to {@link REFILL_WAIT_MS}.
   * Rejects with StoreUnavailableError (503) when it is not done by then or
   * fails, so nothing is decided on an emptied store.
   */
  async awaitRefill(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, REFILL_WAIT_MS);
    });
    try {
      const outcome = await Promise.race([this.refill().then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') throw new StoreUnavailableError('The security store lost its data; restoring it from the database');
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('The security store could not be restored from the database', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `listener` whenever the store's connection becomes ready (a Redis reconnect); returns the unsubscribe function. */
  onStoreReady(listener: () => void): () => void {
    return this.store.onReady?.(listener) ?? (() => undefined);
  }

  /** Before a security write: the store must hold the security state (waits for a refill, else 503). */
  async requireHydrated(): Promise<void> {
    if (!(await this.store.exists(HYDRATION_MARKER_KEY))) await this.awaitRefill();
  }

  /** At start-up and whenever the store's connection becomes ready: refill when the marker is missing. Store errors propagate. */
  async ensureHydrated(): Promise<void> {
    if (!(await this.store.exists(HYDRATION_MARKER_KEY))) await this.refill();
  }

  /** Periodic upkeep: renew the marker (or refill when it is gone) and purge rows that expired. */
  async maintain(): Promise<void> {
    const marker = await this.store.get(HYDRATION_MARKER_KEY);
    if (marker === null) await this.refill();
    else await this.store.compareAndSet(HYDRATION_MARKER_KEY, marker, marker, MARKER_TTL_MS);
    await this.repository.purgeExpired(this.clock.now());
  }

  /**
   * The session's state as the store holds it; when the store has none (evicted,
   * lost, a lagging replica), the durable SQL record is written back (only where
   * the store still has none) and returned. Null when SQL never saw the session.
   */
  async sessionState(family: string): Promise<string | null> {
    const key = sessionStateKey(family);
    const stored = await this.store.get(key);
    if (stored !== null) return stored;
    return this.restoreSession(family);
  }

  /** Writes the SQL record of a session the store has lost back into the store; what the store holds afterwards. */
  async restoreSession(family: string): Promise<string | null> {
    const record = await this.repository.findSession(family);
    if (record === undefined) return null;
    const key = sessionStateKey(family);
    const ttlMs = Math.max(1000, record.expiresAtMs - this.clock.now());
    // SQL decides "ended" even when its state JSON predates the end (written by an older version).
    const state = record.ended ? markEnded(record.state) : record.state;
    if (await this.store.setIfAbsent(key, state, ttlMs)) return state;
    return (await this.store.get(key)) ?? state;
  }

  /** Writes every live row back into the store, then the marker. One refill at a time per instance. */
  refill(): Promise<void> {
    this.refilling ??= this.writeBack().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  private async writeBack(): Promise<void> {
    const started = performance.now();
    try {
      const now = this.clock.now();
      const live = await this.repository.liveState(now);
      const counts = { revokedTokens: live.revokedTokens.length, userCutoffs: live.userCutoffs.length, sessions: live.sessions.length };
      this.events.refillStarted?.(counts);
      const writes: (() => Promise<unknown>)[] = [
        ...live.revokedTokens.map(({ jti, expiresAtMs }) => () => this.store.set(denylistKey(jti), '1', Math.max(1, expiresAtMs - now))),
        // A cut-off written meanwhile (a password reset) may be later than the one read here: keep the later.
        ...live.userCutoffs.map(({ userId, mark, expiresAtMs }) => () => storeLaterCutoff(this.store, userId, mark, Math.max(1, expiresAtMs - now))),
        // A session written meanwhile by a request is newer than the SQL copy: keep it.
        ...live.sessions.map(({ id, state, ended, expiresAtMs }) => () => this.store.setIfAbsent(sessionStateKey(id), ended ? markEnded(state) : state, Math.max(1, expiresAtMs - now))),
      ];
      for (let index = 0; index < writes.length; index += REFILL_BATCH) {
        await Promise.all(writes.slice(index, index + REFILL_BATCH).map((write) => write()));
      }
      await this.store.set(HYDRATION_MARKER_KEY, randomBytes(8).toString('hex'), MARKER_TTL_MS);
      this.events.refillFinished?.({ ...counts, durationMs: performance.now() - started });
    } catch (error) {
      this.events.refillFailed?.(error);
      throw error;
    }
  }
}

/**
 * The log lines of a refill. A refill with nothing to restore is the first
 * start of a new install (or a store emptied while nothing was live): it says
 * so at info level instead of alarming anyone about lost state.
 */
export function loggedDurabilityEvents(log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>): DurabilityEvents {
  const nothingToRestore = (counts: RefillCounts): boolean => counts.revokedTokens + counts.userCutoffs + counts.sessions === 0;
  return {
    refillStarted: (toRestore) => {
      if (nothingToRestore(toRestore)) log.info('initialising the security state in the key-value store (nothing to restore)');
      else log.warn(toRestore, 'the key-value store lost the security state: restoring it from the database; security checks wait for it (or fail closed)');
    },
    refillFinished: (counts) => {
      if (!nothingToRestore(counts)) log.info(counts, 'security state restored');
    },
    refillFailed: (error) => {
      log.error({ err: error }, 'restoring the security state failed; security checks keep failing closed');
    },
  };
}

/** The stored state with `revoked: true`; a malformed one becomes a state nothing matches (fail closed). */
function markEnded(state: string): string {
  try {
    const parsed = JSON.parse(state) as Record<string, unknown> | null;
    if (parsed !== null && typeof parsed === 'object') return JSON.stringify({ ...parsed, revoked: true });
  } catch {
    // Fall through.
  }
  return JSON.stringify({ revoked: true });
}

/** How often the marker is renewed and expired rows are purged. */
export const MAINTENANCE_INTERVAL_MS = 5 * 60_000;

async function durabilityPlugin(app: FastifyInstance, options: { durability: SecurityStateDurability; intervalMs?: number }): Promise<void> {
  const { durability } = options;
  const run = (what: string, work: () => Promise<void>): void => {
    work().catch((error: unknown) => {
      // The next check notices a missing marker anyway and fails closed; here we only report.
      app.log.warn({ err: error }, `security state ${what} failed`);
    });
  };
  let timer: NodeJS.Timeout | undefined;
  // A Redis that reconnects may have come back empty: refill at once rather than on the next request.
  const unsubscribe = durability.onStoreReady(() => {
    run('refill on reconnect', () => durability.ensureHydrated());
  });
  app.addHook('onReady', async () => {
    // Awaited, so the first requests do not race the refill; a store that is down now is handled by the checks.
    await durability.ensureHydrated().catch((error: unknown) => {
      app.log.warn({ err: error }, 'security state start-up check failed');
    });
    timer = setInterval(() => {
      run('maintenance', () => durability.maintain());
    }, options.intervalMs ?? MAINTENANCE_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    unsubscribe();
  });
}

/** Start-up refill check and periodic upkeep (marker renewal, purge of expired rows). */
export const durabilityMaintenance = fastifyPlugin(durabilityPlugin, { name: 'autocognitix-durability', fastify: '5.x' });
