/**
 * The one place that talks to the API. Authentication lives in httpOnly
 * cookies the server sets; this module never sees a token. It keeps the CSRF
 * token in memory only, sends it as `X-CSRF-Token` on every unsafe request,
 * renews it once when the server says it is stale, and refreshes an expired
 * session only when a request answers `token_expired` (never on a timer), once
 * for all the requests and all the tabs waiting on it.
 */

import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { FieldProblem } from './types';

export const CSRF_HEADER = 'X-CSRF-Token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A token the server no longer accepts for this browser: fetch a fresh one and retry once. `csrf_origin` is never retried. */
const STALE_CSRF_CODES = new Set(['csrf_expired', 'csrf_mismatch', 'csrf_missing']);
/**
 * The only answer worth a refresh: the access token expired. (Its cookie lives
 * as long as the session, so an expired token still arrives and says so.)
 * Refreshes are budgeted per user and hour (docs/SECURITY.md): none is spent
 * on a guess.
 */
const REFRESHABLE_CODE = 'token_expired';
/** 401s that mean the session is over (after a failed refresh, or revoked by a sign-out elsewhere): back to sign-in. */
const SESSION_OVER_CODES = new Set([REFRESHABLE_CODE, 'authentication_required', 'token_revoked', 'token_invalid', 'refresh_token_reused']);
/** One refresh at a time across every tab of this origin (Web Locks). */
const REFRESH_LOCK = 'autocognitix-refresh';
const REFRESH_PATH = '/api/v1/auth/refresh';
/**
 * Asked under the lock before refreshing: the cookies are shared by every tab,
 * so if another tab refreshed meanwhile it says so and no refresh is spent.
 * (A counter in localStorage cannot tell: it reaches other tabs' processes late.)
 */
const SESSION_PROBE_PATH = '/api/v1/auth/session';

export type { FieldProblem } from './types';

/** An answer other than 2xx, or no answer at all (`status` 0, `code` `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldProblem[] = [],
    /** From `Retry-After` on 429 and 503. */
    readonly retryAfterSeconds?: number,
    /** The whole error object, for extra fields such as `decoded` on `dtc_not_found`. */
    readonly body: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly signal?: AbortSignal;
}

/** How much of an upload's body has gone out. */
export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

/** A multipart body sent with XMLHttpRequest, the one browser API that reports upload progress. */
interface Upload {
  readonly form: FormData;
  readonly onProgress: (progress: UploadProgress) => void;
}

type SessionEvent = 'signed-in' | 'signed-out' | 'session-lost';
type SessionListener = (event: SessionEvent) => void;

let csrfToken: string | undefined;
let csrfTokenRequest: Promise<string> | undefined;
let refreshRequest: Promise<boolean> | undefined;
/** Counts completed refreshes: a 401 for a request sent before the last refresh is retried without another one. */
let sessionGeneration = 0;
const sessionListeners = new Set<SessionListener>();

/**
 * Tabs share the httpOnly CSRF cookie but each keeps its token in memory:
 * when one tab gets a new token (which replaces the cookie), the others learn
 * it here, so their next unsafe request still matches the cookie. Same-origin
 * messaging only; nothing is stored.
 */
const tabs = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('autocognitix-session');

interface TabMessage {
  readonly csrfToken?: string;
  readonly event?: SessionEvent;
}

tabs?.addEventListener('message', (message: MessageEvent<TabMessage>) => {
  if (typeof message.data.csrfToken === 'string') csrfToken = message.data.csrfToken;
  if (message.data.event !== undefined) notify(message.data.event, { fromOtherTab: true });
});

function rememberCsrfToken(token: string): string {
  csrfToken = token;
  tabs?.postMessage({ csrfToken: token } satisfies TabMessage);
  return token;
}

function notify(event: SessionEvent, options: { fromOtherTab?: boolean } = {}): void {
  if (options.fromOtherTab !== true && event !== 'session-lost') tabs?.postMessage({ event } satisfies TabMessage);
  for (const listener of sessionListeners) listener(event);
}

/** Called on sign-in, sign-out (in this tab or another) and when a session could not be refreshed. */
export function onSessionChange(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** Fetches a new CSRF token (one request at a time) and keeps it in memory. */
export function fetchCsrfToken(): Promise<string> {
  csrfTokenRequest ??= (async () => {
    try {
      const response = await fetchOrNetworkError('/api/v1/auth/csrf-token', { method: 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) throw await errorOf(response);
      const body = (await response.json()) as { csrf_token: string };
      return rememberCsrfToken(body.csrf_token);
    } finally {
      csrfTokenRequest = undefined;
    }
  })();
  return csrfTokenRequest;
}

async function currentCsrfToken(): Promise<string> {
  return csrfToken ?? (await fetchCsrfToken());
}

/** A fresh token, unless another request (or tab) already replaced the one that failed. */
async function renewCsrfToken(failedToken: string): Promise<void> {
  if (csrfToken !== undefined && csrfToken !== failedToken) return;
  await fetchCsrfToken();
}

/** Runs `task` holding the cross-tab refresh lock (or directly where Web Locks are missing). */
async function withRefreshLock(task: () => Promise<boolean>): Promise<boolean> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks;
  return locks === undefined ? await task() : await locks.request(REFRESH_LOCK, task);
}

/** True when the cookies already carry a valid access token (another tab refreshed them); throws when nothing can be refreshed. */
async function sessionAlreadyRefreshed(): Promise<boolean> {
  const response = await fetchOrNetworkError(SESSION_PROBE_PATH, { method: 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw await errorOf(response);
  const state = (await response.json()) as { authenticated: boolean; refresh: boolean };
  if (state.authenticated) return true;
  if (state.refresh) return false;
  throw new ApiError(401, 'authentication_required', 'The session has ended');
}

/**
 * One refresh for every request and every tab that found the access token
 * expired: in this tab a single flight, across tabs a Web Lock, and under the
 * lock a probe, so a tab that waited while another refreshed just retries.
 */
export function refreshSession(): Promise<boolean> {
  refreshRequest ??= (async () => {
    try {
      await withRefreshLock(async () => {
        if (await sessionAlreadyRefreshed()) return true;
        // The refresh cookie (Path=/api/v1/auth) rides along; the answer carries no token.
        await send(REFRESH_PATH, { method: 'POST', body: {} }, { csrfRenewed: false, refreshed: true });
        return true;
      });
      sessionGeneration += 1;
      return true;
    } catch {
      return false;
    } finally {
      refreshRequest = undefined;
    }
  })();
  return refreshRequest;
}

function urlOf(path: string, query: RequestOptions['query']): string {
  if (query === undefined) return path;
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') parameters.set(name, String(value));
  const search = parameters.toString();
  return search === '' ? path : `${path}?${search}`;
}

async function fetchOrNetworkError(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
}

/** The answer to an XMLHttpRequest as a fetch `Response`, so that errors are read in one place ({@link errorOf}). */
function responseOf(request: XMLHttpRequest): Response {
  const headers = new Headers();
  for (const line of request.getAllResponseHeaders().split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const empty = request.status === 204 || request.status === 205 || request.status === 304;
  return new Response(empty ? null : request.responseText, { status: request.status, statusText: request.statusText, headers });
}

/** Sends `upload.form` (the browser writes the multipart boundary) and reports its progress; no answer at all is `network_error`. */
function uploadOrNetworkError(url: string, method: string, headers: Readonly<Record<string, string>>, upload: Upload, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    request.responseType = 'text';
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) upload.onProgress({ loaded: event.loaded, total: event.total });
    });
    request.addEventListener('load', () => {
      resolve(responseOf(request));
    });
    request.addEventListener('error', () => {
      reject(new ApiError(0, 'network_error', 'The server could not be reached'));
    });
    request.addEventListener('abort', () => {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    });
    signal?.addEventListener(
      'abort',
      () => {
        request.abort();
      },
      { once: true },
    );
    request.send(upload.form);
  });
}

async function errorOf(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.ceil(retryAfter) : undefined;
  let error: Record<string, unknown> = {};
  try {
    const body = (await response.json()) as { error?: Record<string, unknown> };
    error = body.error ?? {};
  } catch {
    // Not JSON (a proxy's error page): the status alone has to do.
  }
  const code = typeof error.code === 'string' ? error.code : `http_${response.status}`;
  const message = typeof error.message === 'string' ? error.message : response.statusText;
  const details = Array.isArray(error.details) ? (error.details as FieldProblem[]) : [];
  return new ApiError(response.status, code, message, details, retryAfterSeconds, error);
}

async function send(path: string, options: RequestOptions, attempt: { csrfRenewed: boolean; refreshed: boolean }, upload?: Upload): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const tokenSent = UNSAFE_METHODS.has(method) ? await currentCsrfToken() : undefined;
  if (tokenSent !== undefined) headers[CSRF_HEADER] = tokenSent;
  const generationAtSend = sessionGeneration;

  const response =
    upload === undefined
      ? await fetchOrNetworkError(urlOf(path, options.query), {
          method,
          headers,
          credentials: 'same-origin',
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        })
      : await uploadOrNetworkError(urlOf(path, options.query), method, headers, upload, options.signal);
  if (response.ok) return response;

  const error = await errorOf(response);
  if (response.status === 403 && tokenSent !== undefined && STALE_CSRF_CODES.has(error.code) && !attempt.csrfRenewed) {
    await renewCsrfToken(tokenSent);
    return send(path, options, { ...attempt, csrfRenewed: true }, upload);
  }
  if (response.status === 401 && path !== REFRESH_PATH) {
    if (error.code === REFRESHABLE_CODE && !attempt.refreshed) {
      // Another request of this tab refreshed the session while this one was on its way: just try again.
      if (sessionGeneration !== generationAtSend || (await refreshSession())) {
        return send(path, options, { ...attempt, refreshed: true }, upload);
      }
    }
    if (SESSION_OVER_CODES.has(error.code)) notify('session-lost');
  }
  throw error;
}

/** Sends a request and returns the parsed JSON body; throws {@link ApiError} for anything but 2xx. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options, { csrfRenewed: false, refreshed: false });
  return (await response.json()) as T;
}

/**
 * Posts `form` as multipart/form-data and returns the parsed JSON answer,
 * reporting how much of it has gone out. The same CSRF token, renewal and
 * session refresh as {@link apiRequest}; a retry sends the whole form again.
 */
export async function apiUpload<T>(path: string, form: FormData, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  const response = await send(path, { method: 'POST', ...(signal === undefined ? {} : { signal }) }, { csrfRenewed: false, refreshed: false }, { form, onProgress });
  return (await response.json()) as T;
}

/** For answers without a body (204). */
export async function apiCommand(path: string, options: RequestOptions): Promise<Response> {
  return send(path, options, { csrfRenewed: false, refreshed: false });
}

/** A second factor the server offers for the second step of a sign-in. */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** The password was right but the account has a second factor: finish with the ticket within `expiresInSeconds`. */
export interface SecondStep {
  readonly ticket: string;
  readonly methods: readonly SecondFactorMethod[];
  readonly expiresInSeconds: number;
}

/** Either signed in (cookies set) or a second step to take. */
export type SignInOutcome = { readonly signedIn: true } | { readonly signedIn: false; readonly secondStep: SecondStep };

interface SignInAnswer {
  readonly csrf_token?: string;
  readonly second_factor_required?: boolean;
  readonly ticket?: string;
  readonly methods?: readonly SecondFactorMethod[];
  readonly ticket_expires_in?: number;
}

/**
 * Every way in (password, second step, passkey) answers alike: a new CSRF
 * token bound to the new session (the old one is void), or a second step.
 * A failed attempt must not try to "refresh" a session that does not exist yet.
 */
async function signInStep(path: string, body: unknown): Promise<SignInOutcome> {
  const response = await send(path, { method: 'POST', body }, { csrfRenewed: false, refreshed: true });
  const answer = (await response.json()) as SignInAnswer;
  if (answer.second_factor_required === true && answer.ticket !== undefined) {
    return { signedIn: false, secondStep: { ticket: answer.ticket, methods: answer.methods ?? [], expiresInSeconds: answer.ticket_expires_in ?? 300 } };
  }
  if (answer.csrf_token !== undefined) rememberCsrfToken(answer.csrf_token);
  sessionGeneration += 1;
  notify('signed-in');
  return { signedIn: true };
}

/** Sign-in with e-mail and password: signed in, or (with a second factor) a second step. */
export function signIn(email: string, password: string): Promise<SignInOutcome> {
  return signInStep('/api/v1/auth/login', { email, password });
}

/** The second step with an authenticator-app code or a recovery code (exactly one). */
export async function signInSecondFactor(body: { ticket: string; totp_code?: string; recovery_code?: string }): Promise<void> {
  await signInStep('/api/v1/auth/login/second-factor', body);
}

/** The passkey's options: passwordless without a ticket, the ticket's user's passkeys with one. */
export async function passkeySignInOptions(ticket?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const response = await send('/api/v1/auth/passkey/options', { method: 'POST', body: ticket === undefined ? {} : { ticket } }, { csrfRenewed: false, refreshed: true });
  return ((await response.json()) as { options: PublicKeyCredentialRequestOptionsJSON }).options;
}

/** Signs in with the passkey's answer: alone (passwordless) or as the second step of `ticket`. */
export async function signInWithPasskey(passkeyResponse: AuthenticationResponseJSON, ticket?: string): Promise<void> {
  await signInStep('/api/v1/auth/passkey/login', ticket === undefined ? { response: passkeyResponse } : { response: passkeyResponse, ticket });
}

/** Sign-out: the next anonymous CSRF token comes back in the `X-CSRF-Token` response header. */
export async function signOut(): Promise<void> {
  const response = await send('/api/v1/auth/logout', { method: 'POST', body: {} }, { csrfRenewed: false, refreshed: true });
  const next = response.headers.get(CSRF_HEADER);
  if (next !== null && next !== '') rememberCsrfToken(next);
  else await fetchCsrfToken();
  notify('signed-out');
}

/** Ends every session of the user; this browser's CSRF token died with its session, so a new one is fetched. */
export async function signOutEverywhere(): Promise<void> {
  await apiCommand('/api/v1/auth/logout-all', { method: 'POST' });
  await fetchCsrfToken();
  notify('signed-out');
}
