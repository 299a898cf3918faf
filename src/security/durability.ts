import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Clock } from '../clock.js';
import type { AuthStateRepository } from '../db/repositories/auth-state.js';
import { StoreUnavailableError, type KeyValueStore } from '../stores/key-value-store.js';
import { HYDRATION_MARKER_KEY, denylistKey, sessionStateKey, userNotBeforeKey } from './store-keys.js';

/* HYDRATION_MARKER_KEY: a Redis that restarts empty (no persistence) or is
 * replaced loses it; its absence is how every instance notices, in the same
 * round trip as the denylist check. */
const MARKER_TTL_MS = 24 * 3_600_000;
const REFILL_BATCH = 500;

export interface DurabilityEvents {
  refillStarted?(): void;
  refillFinished?(counts: { revokedTokens: number; userCutoffs: number; sessions: number; durationMs: number }): void;
  refillFailed?(error: unknown): void;
}

/**
 * Keeps revocations durable across a store that forgets: every revocation,
 * cut-off and session is also in SQL (written through by Revocation and
 * SessionService); when the marker is gone, the live rows are written back
 * before any check passes again. Until then every check fails closed.
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
   * Called by a check that found the marker missing: starts (or joins) the
   * refill and fails this check, so nothing revoked passes meanwhile.
   */
  markerMissing(): never {
    this.refill().catch(() => undefined);
    throw new StoreUnavailableError('The security store lost its data; restoring it from the database');
  }

  /** At start-up: refill when the marker is missing. Store errors propagate. */
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

  /** Writes every live row back into the store, then the marker. One refill at a time per instance. */
  refill(): Promise<void> {
    this.refilling ??= this.writeBack().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  private async writeBack(): Promise<void> {
    const started = performance.now();
    this.events.refillStarted?.();
    try {
      const now = this.clock.now();
      const live = await this.repository.liveState(now);
      const writes: (() => Promise<unknown>)[] = [
        ...live.revokedTokens.map(({ jti, expiresAtMs }) => () => this.store.set(denylistKey(jti), '1', Math.max(1, expiresAtMs - now))),
        ...live.userCutoffs.map(({ userId, mark, expiresAtMs }) => () => this.store.set(userNotBeforeKey(userId), mark, Math.max(1, expiresAtMs - now))),
        // A session written meanwhile by a request is newer than the SQL copy: keep it.
        ...live.sessions.map(({ id, state, expiresAtMs }) => () => this.store.setIfAbsent(sessionStateKey(id), state, Math.max(1, expiresAtMs - now))),
      ];
      for (let index = 0; index < writes.length; index += REFILL_BATCH) {
        await Promise.all(writes.slice(index, index + REFILL_BATCH).map((write) => write()));
      }
      await this.store.set(HYDRATION_MARKER_KEY, randomBytes(8).toString('hex'), MARKER_TTL_MS);
      this.events.refillFinished?.({
        revokedTokens: live.revokedTokens.length,
        userCutoffs: live.userCutoffs.length,
        sessions: live.sessions.length,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      this.events.refillFailed?.(error);
      throw error;
    }
  }
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
  });
}

/** Start-up refill check and periodic upkeep (marker renewal, purge of expired rows). */
export const durabilityMaintenance = fastifyPlugin(durabilityPlugin, { name: 'autocognitix-durability', fastify: '5.x' });
