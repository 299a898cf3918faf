import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { stepUpKey } from './store-keys.js';

/**
 * Step-up freshness: when a session last confirmed a second factor. Sensitive
 * changes by a user who has a factor need a confirmation within the window
 * (STEP_UP_WINDOW_MINUTES). A missing or unreadable mark is "not fresh"; a
 * store that cannot answer is a 503, never a pass.
 */
export class StepUpFreshness {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  /** Records a confirmation now; returns until when the session is fresh. */
  async markConfirmed(sessionId: string): Promise<Date> {
    const now = this.clock.now();
    await this.store.set(stepUpKey(sessionId), String(now), this.windowMs);
    return new Date(now + this.windowMs);
  }

  /** Until when the session is fresh, or null when it is not. */
  async freshUntil(sessionId: string): Promise<Date | null> {
    const raw = await this.store.get(stepUpKey(sessionId));
    const confirmedAt = raw === null ? Number.NaN : Number(raw);
    if (!Number.isSafeInteger(confirmedAt)) return null;
    const until = confirmedAt + this.windowMs;
    // The store's TTL ends the mark; the clock check makes the window exact (and testable) as well.
    return this.clock.now() < until ? new Date(until) : null;
  }

  /** Throws 403 `step_up_required` unless the session confirmed a second factor within the window. */
  async requireFresh(sessionId: string): Promise<void> {
    if ((await this.freshUntil(sessionId)) === null) throw new HttpError('step_up_required');
  }

  /** Ends the mark (the session ended, or its factors were reset). */
  async forget(sessionId: string): Promise<void> {
    await this.store.delete(stepUpKey(sessionId));
  }
}
