import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import type { SubmitAction, Submission } from '../useSubmission';
import { ErrorNotice, StatusNotice } from './feedback';

interface SubmitFormProps {
  readonly submission: Submission;
  readonly action: SubmitAction;
  /** Client-side checks, run first: false stops the submission before anything is sent. */
  readonly check?: () => boolean;
  readonly submitLabel: string;
  /** The button's label while the request is under way; "Saving…" unless given. */
  readonly busyLabel?: string;
  readonly className?: string;
  /** A status of the page's own (e.g. from the URL), shown while the form has none. */
  readonly status?: string | undefined;
  /** Shown instead of the error notice (e.g. for a link that is no longer valid). */
  readonly errorNotice?: ReactNode;
  /** Buttons beside the submit button. */
  readonly actions?: ReactNode;
  readonly children: ReactNode;
}

/**
 * A form with its status and error notices and a submit button that says
 * when it is busy. Validation is the app's own (noValidate): its messages
 * follow the UI language, the browser's would not.
 */
export function SubmitForm({ submission, action, check, submitLabel, busyLabel, className, status, errorNotice, actions, children }: SubmitFormProps) {
  const { t } = useI18n();
  const submit = (
    <button type="submit" className="button primary" disabled={submission.busy}>
      {submission.busy ? (busyLabel ?? t('saving')) : submitLabel}
    </button>
  );
  return (
    <>
      <StatusNotice message={submission.status ?? status} />
      {errorNotice ?? <ErrorNotice error={submission.error} />}
      <form
        noValidate
        {...(className === undefined ? {} : { className })}
        onSubmit={(event) => {
          event.preventDefault();
          submission.clear();
          if (check === undefined || check()) void submission.run(action);
        }}
      >
        {children}
        {actions === undefined ? (
          submit
        ) : (
          <div className="button-row">
            {submit}
            {actions}
          </div>
        )}
      </form>
    </>
  );
}

/** A card with a heading (h1 on a page of its own, else h2) and an optional line of introduction. */
export function Card({
  id,
  title,
  intro,
  page = false,
  children,
}: {
  /** Names the heading `${id}-title`, which labels the card. */
  readonly id: string;
  readonly title: string;
  readonly intro?: string;
  /** The card is the page (sign-in, registration…): a narrow card under an h1. */
  readonly page?: boolean;
  readonly children: ReactNode;
}) {
  const titleId = `${id}-title`;
  return (
    <section className={page ? 'card narrow' : 'card'} aria-labelledby={titleId}>
      {page ? <h1 id={titleId}>{title}</h1> : <h2 id={titleId}>{title}</h2>}
      {intro === undefined ? null : <p className="secondary-text">{intro}</p>}
      {children}
    </section>
  );
}
