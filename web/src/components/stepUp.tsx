import { useCallback, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { secondFactors } from '../api/endpoints';
import { useI18n } from '../i18n/i18n';
import { authenticateWithPasskey, passkeysSupported } from '../passkeys';
import { useSubmission, type Submission } from '../useSubmission';
import { ErrorNotice } from './feedback';
import { compactCode, TextField } from './fields';
import { SubmitForm } from './forms';

/** Six digits are an authenticator-app code; anything else is taken for a recovery code (the server ignores case and separators). */
export function secondFactorCode(entry: string): { totp_code: string } | { recovery_code: string } {
  const compact = compactCode(entry);
  return /^\d{6}$/.test(compact) ? { totp_code: compact } : { recovery_code: entry.trim() };
}

interface Pending {
  readonly confirmed: () => void;
  readonly cancelled: () => void;
}

export interface StepUp {
  /**
   * Runs `action`; when the server answers 403 `step_up_required`, opens the
   * confirmation panel and, once the user confirmed, runs it again (once).
   * Cancelling the panel rethrows the original answer.
   */
  readonly guard: <T>(action: () => Promise<T>) => Promise<T>;
  /** The confirmation panel while one is open, else null: render it next to the form it guards. */
  readonly panel: ReactNode;
}

export function useStepUp(idPrefix: string): StepUp {
  const [pending, setPending] = useState<Pending>();

  const guard = useCallback(async <T,>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'step_up_required') throw error;
      await new Promise<void>((resolve, reject) => {
        setPending({
          confirmed: resolve,
          cancelled: () => {
            reject(error);
          },
        });
      });
      return await action();
    }
  }, []);

  const panel =
    pending === undefined ? null : (
      <StepUpPanel
        idPrefix={idPrefix}
        onConfirmed={() => {
          setPending(undefined);
          pending.confirmed();
        }}
        onCancel={() => {
          setPending(undefined);
          pending.cancelled();
        }}
      />
    );
  return { guard, panel };
}

/** "Confirm it is you": an authenticator or recovery code, or a passkey. */
function StepUpPanel({ idPrefix, onConfirmed, onCancel }: { readonly idPrefix: string; readonly onConfirmed: () => void; readonly onCancel: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const submission = useSubmission();
  const passkey = useSubmission();
  const titleId = `${idPrefix}-step-up-title`;

  return (
    <section className="step-up" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('stepUpTitle')}</h3>
      <p className="secondary-text">{t('stepUpIntro')}</p>
      <SubmitForm
        submission={submission}
        action={async () => {
          await secondFactors.stepUp(secondFactorCode(code));
          onConfirmed();
          return undefined;
        }}
        submitLabel={t('stepUpConfirm')}
        busyLabel={t('checking')}
        actions={
          <button type="button" className="button" onClick={onCancel}>
            {t('cancel')}
          </button>
        }
      >
        <TextField
          id={`${idPrefix}-step-up-code`}
          label={t('stepUpCode')}
          hint={t('stepUpCodeHint')}
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          required
          value={code}
          onValue={setCode}
        />
      </SubmitForm>
      {passkeysSupported() ? (
        <PasskeyButton
          label={t('usePasskey')}
          busyLabel={t('waitingForPasskey')}
          submission={passkey}
          action={async () => {
            const answer = await authenticateWithPasskey(await secondFactors.stepUpPasskeyOptions());
            await secondFactors.stepUpWithPasskey(answer);
            onConfirmed();
            return undefined;
          }}
        />
      ) : null}
    </section>
  );
}

/** A button that runs a passkey ceremony, with its own notices (a closed dialog reads as a calm line, not a fault). */
export function PasskeyButton({
  label,
  busyLabel,
  submission,
  action,
}: {
  readonly label: string;
  readonly busyLabel: string;
  readonly submission: Submission;
  readonly action: () => Promise<undefined>;
}) {
  return (
    <div className="passkey-action">
      <ErrorNotice error={submission.error} />
      <button
        type="button"
        className="button"
        disabled={submission.busy}
        onClick={() => {
          void submission.run(action);
        }}
      >
        {submission.busy ? busyLabel : label}
      </button>
    </div>
  );
}
