import { useState } from 'react';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { ErrorNotice, StatusNotice } from '../components/feedback';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { Link } from '../router';
import { useSession } from '../session';
import { useFragmentToken } from '../useFragmentToken';
import { usePageTitle } from '../usePageTitle';

const KINDS = {
  confirm: { title: 'confirmEmailTitle', intro: undefined, button: 'confirmEmailButton', done: 'emailChanged', send: auth.confirmEmailChange },
  undo: { title: 'undoEmailTitle', intro: 'undoEmailIntro', button: 'undoEmailButton', done: 'emailChangeUndone', send: auth.undoEmailChange },
} as const satisfies Record<string, { title: MessageKey; intro: MessageKey | undefined; button: MessageKey; done: MessageKey; send: (token: string) => Promise<void> }>;

/**
 * The pages the e-mail change links open: `/confirm-email#token=…` (sent to
 * the new address) and `/undo-email-change#token=…` (sent to the old one).
 * Nothing happens until the button is pressed: a mail scanner that opens links
 * changes nothing.
 */
export function EmailLinkPage({ kind }: { readonly kind: keyof typeof KINDS }) {
  const { t } = useI18n();
  const { reload } = useSession();
  const token = useFragmentToken();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const text = KINDS[kind];
  usePageTitle(t(text.title));

  const follow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await text.send(token);
      setDone(true);
      await reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const invalid = token === '' || (error instanceof ApiError && error.code === 'email_token_invalid');
  return (
    <section className="card narrow" aria-labelledby="email-link-title">
      <h1 id="email-link-title">{t(text.title)}</h1>
      {text.intro === undefined || done ? null : <p>{t(text.intro)}</p>}
      {invalid ? (
        <div className="notice notice-error" role="alert">
          <p>{t('emailTokenInvalid')}</p>
        </div>
      ) : (
        <ErrorNotice error={error} />
      )}
      <StatusNotice message={done ? t(text.done) : undefined} />
      {done || invalid ? null : (
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() => {
            void follow();
          }}
        >
          {busy ? t('saving') : t(text.button)}
        </button>
      )}
      <p className="aside">{kind === 'undo' && done ? <Link to="/forgot-password">{t('forgotPasswordLink')}</Link> : <Link to="/signin">{t('backToSignIn')}</Link>}</p>
    </section>
  );
}
