/** The bench-only route every measured server answers (the same small JSON everywhere). */
export const BENCH_ROUTE = '/api/v1/bench/echo';

/** What a bench server prints on its `BENCH_READY` line. */
export interface ReadyMessage {
  readonly port: number;
  /** Headers every request must carry (authorization, CSRF header and cookie). */
  readonly headers: Record<string, string>;
}
