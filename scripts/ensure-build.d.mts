// Types for ensure-build.mjs, so TypeScript test helpers can share its staleness checks.

/** Builds dist/ (the server) when it is missing or older than any file under src/. */
export function ensureBuild(): void;
/** Builds web/dist/ (the front end) when it is missing or older than any of its sources. */
export function ensureWebBuild(): void;
export const projectRoot: string;
