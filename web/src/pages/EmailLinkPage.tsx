import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { ErrorNotice, StatusNotice } from '../components/feedback';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { Link } from '../router';
import { useSession } from '../session';
import { useFragmentToken } from '../useFragmentToken';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

const KINDS = {
  confirm: { title: 'confirmEmailTitle', intro: undefined, button: 'confirmEmailButton', done: 'emailChanged', send: auth.confirmEmailChange },
  undo: { title: 'undoEmailTitle', intro: 'undoEmailIntro', button: 'undoEmailButton', done: 'emailChangeUndone', send: auth.undoEmailChange },
  verify: { title: 'verifyEmailTitle', intro: 'verifyEmailIntro', button: 'verifyEmailButton', done: 'emailVerified', send: auth.verifyEmail },
} as const satisfies Record<string, { title: MessageKey; intro: MessageKey | undefined; button: MessageKey; done: MessageKey; send: (token: string) => Promise<void> }>;

/**
 * The pages the e-mail links open: `/confirm-email#token=…` (sent to the new
 * address), `/undo-email-change#token=…` (sent to the old one) and
 * `/verify-email#token=…` (sent at registration).
 * Nothing happens until the button is pressed: a mail scanner that opens links
 * changes nothing.
 */
export function EmailLinkPage({ kind }: { readonly kind: keyof typeof KINDS }) {
  const { t } = useI18n();
  const { reload } = useSession();
  const token = useFragmentToken();
  const submission = useSubmission();
  const text = KINDS[kind];
  const done = submission.status !== undefined;
  usePageTitle(t(text.title));

  const follow = () => {
    void submission.run(async () => {
      await text.send(token);
      // The change is made: a session check that fails now only leaves the header stale until the next page.
      await reload().catch(() => undefined);
      return text.done;
    });
  };

  const invalid = token === '' || (submission.error instanceof ApiError && submission.error.code === 'email_token_invalid');
  return (
    <section className="card narrow" aria-labelledby="email-link-title">
      <h1 id="email-link-title">{t(text.title)}</h1>
      {text.intro === undefined || done ? null : <p>{t(text.intro)}</p>}
      {invalid ? (
        <div className="notice notice-error" role="alert">
          <p>{t('emailTokenInvalid')}</p>
        </div>
      ) : (
        <ErrorNotice error={submission.error} />
      )}
      <StatusNotice message={submission.status} />
      {done || invalid ? null : (
        <button
          type="button"
          className="button primary"
          disabled={submission.busy}
          onClick={follow}
        >
          {submission.busy ? t('saving') : t(text.button)}
        </button>
      )}
      <p className="aside">{kind === 'undo' && done ? <Link to="/forgot-password">{t('forgotPasswordLink')}</Link> : <Link to="/signin">{t('backToSignIn')}</Link>}</p>
    </section>
  );
}
