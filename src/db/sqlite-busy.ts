/**
 * Waiting for another SQLite connection without stopping the process.
 *
 * better-sqlite3 is synchronous: with a busy timeout, a statement that finds
 * the file locked waits *inside* the call, and the whole event loop waits with
 * it — including the request of this very process that holds the lock, so
 * both stall until the timeout (issue 13.6). Every connection here therefore
 * runs with `busy_timeout = 0`: a locked file fails at once with SQLITE_BUSY,
 * and the caller tries again after a timer, so the event loop keeps serving
 * (and the holder finishes) meanwhile. Bounded: after
 * {@link SQLITE_BUSY_WAIT_MS} the error propagates (503 for a request).
 */

/** How long one statement may wait for the write lock, in total. */
export const SQLITE_BUSY_WAIT_MS = 5_000;
const FIRST_RETRY_DELAY_MS = 1;
const MAX_RETRY_DELAY_MS = 25;

/** SQLITE_BUSY and its extended codes (_RECOVERY, _SNAPSHOT, _TIMEOUT): another connection holds the lock. */
export function isSqliteBusy(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_BUSY');
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Runs `work` (one synchronous SQLite call that takes effect entirely or not
 * at all) and, while it fails with SQLITE_BUSY, runs it again after a short,
 * growing pause — asynchronously — until `waitMs` have passed. The first try
 * is synchronous, so an uncontended call costs no timer.
 */
export async function retryWhileBusy<T>(work: () => T, waitMs = SQLITE_BUSY_WAIT_MS): Promise<T> {
  const deadline = performance.now() + waitMs;
  let delayMs = FIRST_RETRY_DELAY_MS;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isSqliteBusy(error) || performance.now() + delayMs > deadline) throw error;
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS);
  }
}
