/** Milliseconds since the epoch. Injected everywhere time matters so expiry is testable without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
