/**
 * Values that a command's help (program.ts, loaded for every run) and the
 * command itself (loaded only when it runs) share. Imports nothing, so
 * `autocognitix --help` loads none of the commands (only store-keys.ts, itself a leaf).
 */

/** The public reference data `export` streams, and only that. */
export const EXPORTABLE_TABLES = ['dtc_codes', 'recalls', 'complaints'] as const;
export type ExportableTable = (typeof EXPORTABLE_TABLES)[number];

/** Tables `export` refuses, and why: password hashes, personal data, security state. */
export const EXPORT_REFUSALS: Readonly<Record<string, string>> = {
  users: 'it holds password hashes',
  garage_vehicles: "it holds users' personal data (VINs)",
  diagnosis_notes: "it holds users' personal data",
  ...Object.fromEntries(['auth_sessions', 'revoked_tokens', 'user_token_cutoffs'].map((table) => [table, 'it holds security state'])),
};

/** Rows per import transaction, at most. */
export const MAX_BATCH_SIZE = 5000;

/** How long each health-check ping may take by default. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/** Where the password comes from when no one is at a terminal; argv is never a source (it shows in `ps` and shell history). */
export const ADMIN_PASSWORD_VARIABLE = 'ADMIN_PASSWORD';

/** The key families the rollback steps empty: named where every store key is (store-keys.ts, a leaf). */
export { CSRF_TOKEN_KEY_PREFIX, DENYLIST_KEY_PREFIX } from '../security/store-keys.js';

/** The SQL table the denylist is also written through to; the store is refilled from it when it forgets. */
export const DURABLE_DENYLIST_TABLE = 'revoked_tokens';

export const DENYLIST_WARNING =
  'Every token revoked by a logout, a refresh rotation or a stolen-token response becomes valid again until it expires on its own ' +
  '(access tokens within minutes, refresh tokens within days). Use it only to recover from a corrupted denylist.';
export const CSRF_WARNING = 'Every browser session must fetch a new CSRF token; a form submitted with an old one is refused once with 403.';

/** The `--state` values of `users list`: the API's `state` filter of `GET /api/v1/admin/users`. */
export const USER_STATES = ['active', 'locked', 'reset_required'] as const;

/** `import scan --format`: the scan formats (src/garage/scans, docs/API.md "Scan formats"). */
export const SCAN_FORMAT_NAMES = ['torque-csv', 'elm327', 'json'] as const;

/** `import scan --mileage`: the odometer bound of src/garage/reminders.ts (MAX_ODOMETER_KM). */
export const MAX_SCAN_MILEAGE_KM = 2_000_000;
