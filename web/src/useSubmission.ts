import { useCallback, useState } from 'react';
import { fieldError } from './components/feedback';
import { useI18n } from './i18n/i18n';
import type { MessageKey } from './i18n/messages';

/**
 * A success line, as a message key (and its values) rather than text: it is
 * worded at each render, so switching the language rewords it too.
 */
export type StatusMessage = MessageKey | { readonly key: MessageKey; readonly values: Readonly<Record<string, string | number>> };

/** What a form asks of the server; resolves to the status line to show, or undefined (e.g. after navigating away). */
export type SubmitAction = () => Promise<StatusMessage | undefined>;

/** The busy/error/status scaffolding every form and command button shares. */
export interface Submission {
  readonly busy: boolean;
  readonly error: unknown;
  readonly status: string | undefined;
  /** The server's objection to one field, in the UI's language. */
  readonly fieldError: (field: string) => string | undefined;
  /** Runs `action` once, busy meanwhile: the message it resolves to becomes the status, a failure the error. */
  readonly run: (action: SubmitAction) => Promise<void>;
  /** Forgets the last error and status (e.g. when a client-side check stops a submission). */
  readonly clear: () => void;
}

export function useSubmission(): Submission {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<StatusMessage>();

  const clear = useCallback(() => {
    setError(undefined);
    setStatus(undefined);
  }, []);

  const run = useCallback(
    async (action: SubmitAction) => {
      clear();
      setBusy(true);
      try {
        setStatus(await action());
      } catch (failure) {
        setError(failure);
      } finally {
        setBusy(false);
      }
    },
    [clear],
  );

  return {
    busy,
    error,
    status: status === undefined ? undefined : typeof status === 'string' ? t(status) : t(status.key, status.values),
    run,
    clear,
    fieldError: (field) => fieldError(error, field, t),
  };
}
