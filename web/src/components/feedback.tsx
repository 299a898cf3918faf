import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { Translate } from '../i18n/i18n';
import { useI18n } from '../i18n/i18n';

/** What a person should read for an API failure: the cause and, for 429, when to try again. */
export function errorMessage(error: unknown, t: Translate): string {
  if (!(error instanceof ApiError)) return t('errorUnexpected');
  switch (error.code) {
    case 'network_error':
      return t('errorNetwork');
    case 'invalid_credentials':
      return t('errorInvalidCredentials');
    case 'authentication_required':
      return t('errorSignIn');
    case 'token_expired':
    case 'token_revoked':
    case 'token_invalid':
    case 'refresh_token_reused':
      return t('errorSessionEnded');
    case 'account_disabled':
      return t('errorAccountDisabled');
    case 'csrf_missing':
    case 'csrf_mismatch':
    case 'csrf_expired':
    case 'csrf_origin':
      return t('errorCsrf');
    case 'email_taken':
      return t('errorEmailTaken');
    case 'not_found':
    case 'dtc_not_found':
      return t('errorNotFound');
    default:
      break;
  }
  if (error.status === 429) return error.retryAfterSeconds === undefined ? t('errorTooManyNoTime') : t('errorTooMany', { seconds: error.retryAfterSeconds });
  if (error.status === 422) return error.details.length > 0 ? t('errorValidation') : error.message;
  if (error.status === 401) return t('errorSignIn');
  if (error.status === 403) return t('errorForbidden');
  if (error.status === 503) return t('errorUnavailable');
  return t('errorUnexpected');
}

/** The server's words about one field of a 422 (or an item of it: `codes.0`), if it named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || error.status !== 422) return undefined;
  return error.details.find((detail) => detail.field === field || detail.field.startsWith(`${field}.`))?.message;
}

/**
 * Announced by screen readers as soon as it appears (role=alert), and kept in
 * the layout while empty so assistive technology tracks the region.
 */
export function ErrorNotice({ error, id }: { readonly error: unknown; readonly id?: string }) {
  const { t } = useI18n();
  return (
    <div className="notice-region" aria-live="assertive" {...(id === undefined ? {} : { id })}>
      {error === undefined || error === null ? null : (
        <p className="notice notice-error" role="alert">
          {errorMessage(error, t)}
        </p>
      )}
    </div>
  );
}

export function StatusNotice({ message }: { readonly message: string | undefined }) {
  return (
    <div className="notice-region" aria-live="polite">
      {message === undefined ? null : (
        <p className="notice notice-success" role="status">
          {message}
        </p>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('loading')}
    </p>
  );
}

export function EmptyState({ children }: { readonly children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
