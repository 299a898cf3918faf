import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { secondStepTicketKey, storedDigest } from './store-keys.js';

/** How long the second step may take after a correct password. */
export const SECOND_STEP_TTL_MS = 5 * 60_000;
/** Wrong codes one ticket survives; the next one ends it (and each also counts in the account's sign-in budget). */
export const SECOND_STEP_MAX_FAILURES = 5;

/** What a ticket stands for: a user whose password was right a moment ago. */
export interface SecondStepGrant {
  readonly userId: string;
  readonly email: string;
  readonly issuedAtMs: number;
  readonly failures: number;
}

/** A ticket as the store keeps it, with the raw value it was read as (for compare-and-set). */
interface StoredGrant {
  readonly grant: SecondStepGrant;
  readonly raw: string;
}

function parseGrant(raw: string | null): SecondStepGrant | undefined {
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { userId, email, issuedAtMs, failures } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || typeof email !== 'string' || !Number.isSafeInteger(issuedAtMs) || !Number.isSafeInteger(failures)) return undefined;
    return { userId, email, issuedAtMs: issuedAtMs as number, failures: failures as number };
  } catch {
    return undefined;
  }
}

const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Second-step tickets: 256 random bits handed out after a correct password to
 * a user with a second factor, kept in the store by digest for five minutes
 * and spent by one successful second factor. A ticket is not a JWT and not a
 * session: no route but the second step reads it, so it cannot stand in for
 * an access token anywhere.
 */
export class SecondStepTickets {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
  ) {}

  async issue(user: { id: string; email: string }): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    const grant: SecondStepGrant = { userId: user.id, email: user.email, issuedAtMs: this.clock.now(), failures: 0 };
    await this.store.set(secondStepTicketKey(ticket), JSON.stringify(grant), SECOND_STEP_TTL_MS);
    return ticket;
  }

  /** The digest a passkey challenge is bound to, so a challenge asked for with one ticket serves no other. */
  static digestOf(ticket: string): string {
    return storedDigest(ticket);
  }

  /** The live grant of a ticket; `second_step_expired` when it is unknown, malformed, used up or past its five minutes. */
  async read(ticket: string): Promise<SecondStepGrant> {
    return (await this.readStored(ticket)).grant;
  }

  /**
   * Spends the ticket after its second factor verified: exactly one caller
   * gets the grant; a concurrent or later one gets `second_step_expired`.
   */
  async spend(ticket: string): Promise<SecondStepGrant> {
    if (!TICKET_PATTERN.test(ticket)) throw new HttpError('second_step_expired');
    const grant = parseGrant(await this.store.getAndDelete(secondStepTicketKey(ticket)));
    if (grant === undefined || this.isPastLifetime(grant)) throw new HttpError('second_step_expired');
    return grant;
  }

  /** Counts a wrong code against the ticket; the fifth ends it. */
  async recordFailure(ticket: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let stored: StoredGrant;
      try {
        stored = await this.readStored(ticket);
      } catch {
        return; // Already gone: nothing left to count against.
      }
      const failures = stored.grant.failures + 1;
      const key = secondStepTicketKey(ticket);
      if (failures >= SECOND_STEP_MAX_FAILURES) {
        await this.store.delete(key);
        return;
      }
      const remainingMs = stored.grant.issuedAtMs + SECOND_STEP_TTL_MS - this.clock.now();
      if (remainingMs <= 0 || (await this.store.compareAndSet(key, stored.raw, JSON.stringify({ ...stored.grant, failures }), remainingMs))) return;
    }
    // Five lost races in a row: end the ticket rather than leave a failure uncounted.
    await this.store.delete(secondStepTicketKey(ticket));
  }

  private async readStored(ticket: string): Promise<StoredGrant> {
    if (!TICKET_PATTERN.test(ticket)) throw new HttpError('second_step_expired');
    const raw = await this.store.get(secondStepTicketKey(ticket));
    const grant = parseGrant(raw);
    if (raw === null || grant === undefined || this.isPastLifetime(grant)) throw new HttpError('second_step_expired');
    return { grant, raw };
  }

  /** The store's TTL ends a ticket; this also ends it by the injected clock, so expiry is testable to the second. */
  private isPastLifetime(grant: SecondStepGrant): boolean {
    return this.clock.now() >= grant.issuedAtMs + SECOND_STEP_TTL_MS;
  }
}
