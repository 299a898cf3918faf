import type { ReactNode } from 'react';
import type { AsyncState } from '../useAsync';
import { ApiError } from '../api/client';
import { ERROR_TEXTS, isErrorCode } from '../i18n/errorTexts';
import { fieldProblemText } from '../i18n/fieldProblems';
import type { I18n, Translate } from '../i18n/i18n';
import { PasskeyAlreadyRegistered, PasskeyCancelled } from '../passkeys';
import { useI18n } from '../i18n/i18n';

/** For an answer whose code is not in the catalog (a proxy's error page): what its status says. */
function statusText(status: number, t: Translate): string {
  if (status === 401) return t('errorSignIn');
  if (status === 403) return t('errorForbidden');
  if (status === 429) return t('errorTooMany');
  if (status === 503) return t('errorUnavailable');
  return t('errorUnexpected');
}

/**
 * What a person should read for an API failure, in the UI's language: the
 * text of its code (never the server's English message) and, for 429, when to
 * try again.
 */
export function errorMessage(error: unknown, { t, language }: Pick<I18n, 't' | 'language'>): string {
  if (error instanceof PasskeyCancelled) return t('passkeyCancelled');
  if (error instanceof PasskeyAlreadyRegistered) return t('passkeyAlreadyRegistered');
  if (!(error instanceof ApiError)) return t('errorUnexpected');
  if (error.code === 'network_error') return t('errorNetwork');
  const text = isErrorCode(error.code) ? ERROR_TEXTS[language][error.code] : statusText(error.status, t);
  if (error.status !== 429) return text;
  return `${text} ${error.retryAfterSeconds === undefined ? t('retryLater') : t('retryInSeconds', { seconds: error.retryAfterSeconds })}`;
}

/** What a 422 says about one field (or an item of it: `codes.0`), in the UI's language; undefined when it names another. */
export function fieldError(error: unknown, field: string, t: Translate): string | undefined {
  if (!(error instanceof ApiError) || error.status !== 422) return undefined;
  const problem = error.details.find((detail) => detail.field === field || detail.field.startsWith(`${field}.`));
  return problem === undefined ? undefined : fieldProblemText(problem, t);
}

/**
 * Announced by screen readers as soon as it appears (role=alert), and kept in
 * the layout while empty so assistive technology tracks the region.
 */
export function ErrorNotice({ error, id }: { readonly error: unknown; readonly id?: string }) {
  const i18n = useI18n();
  return (
    <div className="notice-region" aria-live="assertive" {...(id === undefined ? {} : { id })}>
      {error === undefined || error === null ? null : error instanceof PasskeyCancelled ? (
        <p className="notice notice-info" role="status">
          {errorMessage(error, i18n)}
        </p>
      ) : (
        <p className="notice notice-error" role="alert">
          {errorMessage(error, i18n)}
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

/** A list loaded with useAsync: the spinner, the failure, the empty text, or the items as `children` renders them. */
export function AsyncItems<T>({
  state,
  emptyText,
  children,
}: {
  readonly state: AsyncState<{ readonly items: readonly T[] }>;
  readonly emptyText: string;
  readonly children: (items: readonly T[]) => ReactNode;
}) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'failed') return <ErrorNotice error={state.error} />;
  return state.value.items.length === 0 ? <EmptyState>{emptyText}</EmptyState> : children(state.value.items);
}
