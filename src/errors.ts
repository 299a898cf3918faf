/**
 * Every error code a client can see, with its HTTP status and default message.
 * docs/API.md lists the same table; test/unit/error-catalog.test.ts keeps them in step.
 */
export const ERROR_CATALOG = {
  invalid_body: { status: 400, message: 'The request body could not be parsed' },
  invalid_url: { status: 400, message: 'The request URL is malformed' },
  reset_token_invalid: { status: 400, message: 'This password-reset link is invalid, expired or already used; request a new one' },
  email_token_invalid: { status: 400, message: 'This e-mail link is invalid, expired or already used' },
  invalid_host: { status: 400, message: 'The Host header is missing or invalid' },
  malformed_request: { status: 400, message: 'The request could not be understood' },
  authentication_required: { status: 401, message: 'Sign in to continue' },
  invalid_credentials: { status: 401, message: 'The email or password is incorrect' },
  token_invalid: { status: 401, message: 'The token is invalid' },
  token_expired: { status: 401, message: 'The token has expired' },
  token_revoked: { status: 401, message: 'The token has been revoked' },
  refresh_token_reused: { status: 401, message: 'This refresh token was already used; the session has been ended' },
  second_factor_invalid: { status: 401, message: 'The code is incorrect or was already used' },
  second_step_expired: { status: 401, message: 'This sign-in step has expired or was already used; sign in again' },
  passkey_rejected: { status: 401, message: 'The passkey could not be verified' },
  account_disabled: { status: 403, message: 'This account is disabled' },
  password_reset_required: { status: 403, message: 'An administrator asked for a new password: set one with "forgot password" before signing in' },
  forbidden: { status: 403, message: 'You may not do this' },
  step_up_required: { status: 403, message: 'Confirm it is you with your second factor first' },
  email_not_verified: { status: 403, message: 'Verify your e-mail address first: follow the link we mailed you, or ask for a new one' },
  csrf_missing: { status: 403, message: 'The X-CSRF-Token header or the CSRF cookie is missing; fetch one from /api/v1/auth/csrf-token' },
  csrf_mismatch: { status: 403, message: 'The CSRF token does not match this session' },
  csrf_expired: { status: 403, message: 'The CSRF token has expired; fetch a new one from /api/v1/auth/csrf-token' },
  csrf_origin: { status: 403, message: 'Cross-site requests may not change state' },
  not_found: { status: 404, message: 'Not found' },
  dtc_not_found: { status: 404, message: 'This trouble code is not in the database' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  request_timeout: { status: 408, message: 'The request was not received in time' },
  email_taken: { status: 409, message: 'An account with this email already exists' },
  totp_already_enabled: { status: 409, message: 'An authenticator app is already set up; remove it before adding another' },
  totp_enrolment_missing: { status: 409, message: 'Start setting up the authenticator app first' },
  recovery_codes_need_factor: { status: 409, message: 'Recovery codes need a passkey or an authenticator app first' },
  odometer_reading_lower: { status: 409, message: 'This reading is lower than the latest one; send it with "correct": true if the latest was wrong' },
  reminder_limit_reached: { status: 409, message: 'This vehicle has as many reminders as it may have; remove one first' },
  scan_limit_reached: { status: 409, message: 'This vehicle has as many scans as it may have; remove one first' },
  precondition_failed: { status: 412, message: 'A precondition of the request does not hold' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type' },
  range_not_satisfiable: { status: 416, message: 'The requested range cannot be served' },
  validation_failed: { status: 422, message: 'The request is invalid' },
  passkey_registration_failed: { status: 422, message: 'The passkey could not be registered' },
  vin_invalid: { status: 422, message: 'This is not a VIN' },
  vin_check_digit_mismatch: { status: 422, message: 'The VIN check digit does not match: the VIN is mistyped' },
  scan_invalid: { status: 422, message: 'The scan file could not be read' },
  rate_limited: { status: 429, message: 'Too many requests' },
  login_throttled: { status: 429, message: 'Too many failed sign-in attempts; try again later' },
  refresh_rate_limited: { status: 429, message: 'Too many token refreshes; try again later' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  internal_error: { status: 500, message: 'Internal server error' },
  database_unavailable: { status: 503, message: 'The database is temporarily unavailable' },
  store_unavailable: {
    status: 503,
    message: 'The security store is temporarily unavailable',
    /** The security checks that answer this instead of passing when the store does not answer (fail closed). */
    failClosedOperations: ['denylist_check', 'csrf_validate', 'refresh_rate_limit', 'login_throttle', 'ip_rate_limit'],
  },
  second_factor_unavailable: { status: 503, message: 'Authenticator-app codes are not configured on this server' },
  service_unavailable: { status: 503, message: 'The service is shutting down or temporarily unavailable' },
} as const satisfies Record<string, { status: number; message: string; failClosedOperations?: readonly string[] }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Every code, in catalog order: the OpenAPI enum of `error.code`. */
export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** The CSRF check's refusals are the catalog's `csrf_*` codes; metrics start a counter at 0 for each. */
export type CsrfFailure = Extract<ErrorCode, `csrf_${string}`>;
export const CSRF_FAILURES: readonly CsrfFailure[] = ERROR_CODES.filter((code): code is CsrfFailure => code.startsWith('csrf_'));

/** The `operation` label of `security_store_errors_total`; metrics start a counter at 0 for each. */
export const FAIL_CLOSED_OPERATIONS = ERROR_CATALOG.store_unavailable.failClosedOperations;
export type FailClosedOperation = (typeof FAIL_CLOSED_OPERATIONS)[number];

/**
 * What is wrong with a refused field, for clients that say it in their own
 * words (the web app does, in its language); `message` says it in English.
 */
export const FIELD_PROBLEM_KINDS = [
  'required',
  'unknown_field',
  'too_short',
  'too_long',
  'too_few',
  'too_many',
  'too_small',
  'too_large',
  'not_a_number',
  'wrong_type',
  'email_format',
  'format',
  'pattern',
  'not_allowed',
  'common_password',
  'password_is_email',
  'same_email',
  'vin_length',
  'vin_forbidden_letter',
  'vin_invalid_character',
  'vin_check_digit',
  'vehicle_incomplete',
  'dtc_code',
  'invalid',
] as const;
export type FieldProblemKind = (typeof FIELD_PROBLEM_KINDS)[number];

/**
 * A field-level validation problem; names the field, never echoes its value.
 * `params` carries the numbers and characters the message quotes (`limit`,
 * `position`, …), so a client can word it without parsing English.
 */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  readonly problem: FieldProblemKind;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** Fields an error carries besides code and message (`scan_invalid`: the `line` and `reason` of the refused input). */
export interface ErrorExtras {
  readonly line?: number;
  readonly reason?: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: readonly FieldProblem[] } & ErrorExtras;
}

/** An error with a stable client-facing code; thrown by handlers and policy, rendered by the error handler. */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly FieldProblem[] | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra fields of the error body, beside code and message. */
  readonly extras: ErrorExtras;

  constructor(code: ErrorCode, options: { message?: string; details?: readonly FieldProblem[]; headers?: Record<string, string>; extras?: ErrorExtras; cause?: unknown } = {}) {
    super(options.message ?? ERROR_CATALOG[code].message, { cause: options.cause });
    this.name = 'HttpError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.extras = options.extras ?? {};
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: readonly FieldProblem[], extras: ErrorExtras = {}): ErrorBody {
  return { error: { code, message: message ?? ERROR_CATALOG[code].message, ...(details === undefined ? {} : { details }), ...extras } };
}
