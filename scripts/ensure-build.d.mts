// Types for ensure-build.mjs, so TypeScript test helpers can share its staleness checks.

/** Builds dist/ (the server) when it is missing or older than src/, outside production; in production it only requires dist/ (exit 1 with one line when missing). */
export function ensureBuild(): void;
/** Builds web/dist/ (the front end) when it is missing or older than its sources, outside production; in production it only requires web/dist/. */
export function ensureWebBuild(): void;
export const projectRoot: string;
