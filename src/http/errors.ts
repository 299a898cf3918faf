/**
 * Every error code a client can see, with its HTTP status and default message.
 * docs/API.md lists the same table; test/unit/error-catalog.test.ts keeps them in step.
 */
export const ERROR_CATALOG = {
  invalid_body: { status: 400, message: 'The request body could not be parsed' },
  token_invalid: { status: 401, message: 'The token is invalid' },
  not_found: { status: 404, message: 'Not found' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type' },
  validation_failed: { status: 422, message: 'The request is invalid' },
  rate_limited: { status: 429, message: 'Too many requests' },
  internal_error: { status: 500, message: 'Internal server error' },
  database_unavailable: { status: 503, message: 'The database is temporarily unavailable' },
  store_unavailable: { status: 503, message: 'The security store is temporarily unavailable' },
  service_unavailable: { status: 503, message: 'The service is shutting down or temporarily unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A field-level validation problem; names the field, never echoes its value. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: readonly FieldProblem[] };
}

/** An error with a stable client-facing code; thrown by handlers and policy, rendered by the error handler. */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly FieldProblem[] | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: { message?: string; details?: readonly FieldProblem[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(options.message ?? ERROR_CATALOG[code].message, { cause: options.cause });
    this.name = 'HttpError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: readonly FieldProblem[]): ErrorBody {
  return { error: { code, message: message ?? ERROR_CATALOG[code].message, ...(details === undefined ? {} : { details }) } };
}
