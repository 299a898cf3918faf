import { ensureWebBuild } from '../../scripts/ensure-build.mjs';

/**
 * Vitest global setup: builds web/dist once before any test file runs when it
 * is missing or older than web/src (a no-op otherwise), so the browser tests
 * and the server's static routes always see the current front end.
 */
export default function setup(): void {
  ensureWebBuild();
}
