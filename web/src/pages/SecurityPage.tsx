import { useCallback, useEffect, useState } from 'react';
import { secondFactors } from '../api/endpoints';
import type { Passkey, SecondFactors, TotpEnrolment } from '../api/types';
import { ErrorNotice, Loading, StatusNotice } from '../components/feedback';
import { AuthenticatorCodeField, compactCode, TextField } from '../components/fields';
import { SecurityActivityCard } from '../components/SecurityActivityCard';
import { Card, SubmitForm } from '../components/forms';
import { useStepUp } from '../components/stepUp';
import { useI18n } from '../i18n/i18n';
import { createPasskey, passkeysSupported } from '../passkeys';
import { Link } from '../router';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

/** What every card of the page is given: the current factors, a way to re-read them, and where new recovery codes go. */
interface CardProps {
  readonly factors: SecondFactors;
  readonly refresh: () => Promise<void>;
  readonly showCodes: (codes: readonly string[] | null) => void;
}

/** The base32 secret in groups of four, easier to type into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard permission (or an insecure context): the text is still on screen
  }
}

/** Saves `text` as a file through a Blob link: no inline script, no server round trip. */
function downloadText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/** New recovery codes, shown once: the server never shows them again. */
function RecoveryCodesShown({ codes, onDone }: { readonly codes: readonly string[]; readonly onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean>();
  const text = `${codes.join('\n')}\n`;
  return (
    <section className="card recovery-codes-shown" aria-labelledby="recovery-codes-shown-title">
      <h2 id="recovery-codes-shown-title">{t('recoveryCodesShownTitle')}</h2>
      <p className="notice notice-info">{t('recoveryCodesShownIntro')}</p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <StatusNotice message={copied === undefined ? undefined : copied ? t('copied') : t('copyFailed')} />
      <div className="button-row">
        <button
          type="button"
          className="button"
          onClick={() => {
            void copyText(text).then(setCopied);
          }}
        >
          {t('copy')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            downloadText(text, 'autocognitix-recovery-codes.txt');
          }}
        >
          {t('downloadAsText')}
        </button>
        <button type="button" className="button primary" onClick={onDone}>
          {t('recoveryCodesSaved')}
        </button>
      </div>
    </section>
  );
}

function TotpEnrolmentForm({ enrolment, onConfirmed }: { readonly enrolment: TotpEnrolment; readonly onConfirmed: (codes: readonly string[] | null) => Promise<void> }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [copied, setCopied] = useState(false);
  const submission = useSubmission();
  return (
    <div className="totp-enrolment">
      <p>{t('totpScan')}</p>
      <img className="qr-code" src={enrolment.qr_code} alt={t('totpQrAlt')} width="200" height="200" />
      <p>{t('totpSecretIntro')}</p>
      <p className="totp-secret">
        <code data-testid="totp-secret">{groupedSecret(enrolment.secret)}</code>{' '}
        <button
          type="button"
          className="button small"
          onClick={() => {
            void copyText(enrolment.secret).then(setCopied);
          }}
        >
          {copied ? t('copied') : t('copy')}
        </button>
      </p>
      <SubmitForm
        submission={submission}
        action={async () => {
          const answer = await secondFactors.confirmTotp(compactCode(code));
          await onConfirmed(answer.recovery_codes);
          return 'totpEnabled';
        }}
        submitLabel={t('totpConfirmButton')}
        busyLabel={t('checking')}
      >
        <AuthenticatorCodeField
          id="totp-confirm-code"
          label={t('authenticatorCode')}
          hint={t('totpConfirmHint')}
          value={code}
          error={submission.fieldError('code')}
          onValue={setCode}
        />
      </SubmitForm>
    </div>
  );
}

function TotpCard({ factors, refresh, showCodes }: CardProps) {
  const { t } = useI18n();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const submission = useSubmission();
  const stepUp = useStepUp('totp');
  const enabled = factors.totp.enabled;

  return (
    <Card id="totp" title={t('totpTitle')} intro={t('totpIntro')}>
      <p>
        <span className={enabled ? 'badge badge-on' : 'badge'}>{enabled ? t('factorOn') : t('factorOff')}</span>
      </p>
      <StatusNotice message={submission.status} />
      <ErrorNotice error={submission.error} />
      {enrolment !== undefined && !enabled ? (
        <TotpEnrolmentForm
          enrolment={enrolment}
          onConfirmed={async (codes) => {
            setEnrolment(undefined);
            showCodes(codes);
            await refresh();
          }}
        />
      ) : (
        <div className="button-row">
          {enabled ? (
            <button
              type="button"
              className="button danger"
              disabled={submission.busy}
              onClick={() => {
                void submission.run(async () => {
                  await stepUp.guard(() => secondFactors.removeTotp());
                  await refresh();
                  return 'totpRemoved';
                });
              }}
            >
              {t('totpRemove')}
            </button>
          ) : (
            <button
              type="button"
              className="button primary"
              disabled={submission.busy}
              onClick={() => {
                void submission.run(async () => {
                  setEnrolment(await stepUp.guard(() => secondFactors.startTotp()));
                  return undefined;
                });
              }}
            >
              {t('totpSetUp')}
            </button>
          )}
        </div>
      )}
      {stepUp.panel}
    </Card>
  );
}

function PasskeyItem({ passkey, refresh }: { readonly passkey: Passkey; readonly refresh: () => Promise<void> }) {
  const { t, formatDate } = useI18n();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(passkey.name);
  const submission = useSubmission();
  const stepUp = useStepUp(`passkey-${passkey.id}`);
  return (
    <li className="passkey" data-passkey-id={passkey.id}>
      <p>
        <strong>{passkey.name}</strong>
        {passkey.backed_up ? <> <span className="badge">{t('passkeySynced')}</span></> : null}
      </p>
      <dl className="session-details">
        <dt>{t('passkeyCreated')}</dt>
        <dd>{formatDate(passkey.created_at)}</dd>
        <dt>{t('passkeyLastUsed')}</dt>
        <dd>{passkey.last_used_at === null ? t('passkeyNeverUsed') : formatDate(passkey.last_used_at)}</dd>
      </dl>
      {renaming ? (
        <SubmitForm
          submission={submission}
          action={async () => {
            await secondFactors.renamePasskey(passkey.id, name.trim());
            setRenaming(false);
            await refresh();
            return 'passkeyRenamed';
          }}
          submitLabel={t('save')}
          actions={
            <button
              type="button"
              className="button"
              onClick={() => {
                setRenaming(false);
                setName(passkey.name);
              }}
            >
              {t('cancel')}
            </button>
          }
        >
          <TextField id={`passkey-name-${passkey.id}`} label={t('passkeyNewName')} required maxLength={64} value={name} error={submission.fieldError('name')} onValue={setName} />
        </SubmitForm>
      ) : (
        <>
          <StatusNotice message={submission.status} />
          <ErrorNotice error={submission.error} />
          <div className="button-row">
            <button
              type="button"
              className="button small"
              aria-label={t('passkeyRenameNamed', { name: passkey.name })}
              onClick={() => {
                submission.clear();
                setRenaming(true);
              }}
            >
              {t('passkeyRename')}
            </button>
            <button
              type="button"
              className="button small danger"
              aria-label={t('passkeyRemoveNamed', { name: passkey.name })}
              disabled={submission.busy}
              onClick={() => {
                void submission.run(async () => {
                  await stepUp.guard(() => secondFactors.removePasskey(passkey.id));
                  await refresh();
                  return undefined;
                });
              }}
            >
              {t('remove')}
            </button>
          </div>
        </>
      )}
      {stepUp.panel}
    </li>
  );
}

function PasskeysCard({ factors, refresh, showCodes }: CardProps) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const submission = useSubmission();
  const stepUp = useStepUp('passkey-add');
  const supported = passkeysSupported();
  return (
    <Card id="passkeys" title={t('passkeysTitle')} intro={t('passkeysIntro')}>
      {factors.passkeys.length === 0 ? (
        <p className="empty">{t('passkeysEmpty')}</p>
      ) : (
        <ul className="session-list passkey-list">
          {factors.passkeys.map((passkey) => (
            <PasskeyItem key={passkey.id} passkey={passkey} refresh={refresh} />
          ))}
        </ul>
      )}
      <h3>{t('passkeyAdd')}</h3>
      {supported ? (
        <SubmitForm
          submission={submission}
          action={async () => {
            const options = await stepUp.guard(() => secondFactors.passkeyOptions());
            const answer = await secondFactors.addPasskey({ name: name.trim(), response: await createPasskey(options) });
            setName('');
            showCodes(answer.recovery_codes);
            await refresh();
            return 'passkeyAdded';
          }}
          submitLabel={t('passkeyAddButton')}
          busyLabel={t('waitingForPasskey')}
        >
          <TextField id="passkey-new-name" label={t('passkeyName')} hint={t('passkeyNameHint')} required maxLength={64} value={name} error={submission.fieldError('name')} onValue={setName} />
        </SubmitForm>
      ) : (
        <p className="secondary-text">{t('passkeysUnsupported')}</p>
      )}
      {stepUp.panel}
    </Card>
  );
}

function RecoveryCodesCard({ factors, refresh, showCodes }: CardProps) {
  const { t, formatDate } = useI18n();
  const submission = useSubmission();
  const stepUp = useStepUp('recovery');
  const hasFactor = factors.totp.enabled || factors.passkeys.length > 0;
  const { remaining, created_at: createdAt } = factors.recovery_codes;
  return (
    <Card id="recovery" title={t('recoveryCodesTitle')} intro={t('recoveryCodesIntro')}>
      <p>
        {createdAt === null ? t('recoveryCodesNone') : t('recoveryCodesRemaining', { count: remaining, date: formatDate(createdAt) })}
      </p>
      <StatusNotice message={submission.status} />
      <ErrorNotice error={submission.error} />
      {hasFactor ? (
        <>
          <p className="field-hint" id="recovery-new-warning">
            {t('recoveryCodesNewWarning')}
          </p>
          <button
            type="button"
            className="button"
            aria-describedby="recovery-new-warning"
            disabled={submission.busy}
            onClick={() => {
              void submission.run(async () => {
                const answer = await stepUp.guard(() => secondFactors.newRecoveryCodes());
                showCodes(answer.recovery_codes);
                await refresh();
                return undefined;
              });
            }}
          >
            {t('recoveryCodesNew')}
          </button>
        </>
      ) : (
        <p className="secondary-text">{t('recoveryCodesNeedFactor')}</p>
      )}
      {stepUp.panel}
    </Card>
  );
}

/** Account → security: the authenticator app, passkeys and recovery codes, and the recent security activity. */
export function SecurityPage() {
  const { t } = useI18n();
  const [factors, setFactors] = useState<SecondFactors>();
  const [loadError, setLoadError] = useState<unknown>();
  const [codes, setCodes] = useState<readonly string[]>();
  usePageTitle(t('securityTitle'));

  // Re-read after every change; the cards keep their own state (and notices) meanwhile.
  const refresh = useCallback(async () => {
    try {
      setFactors(await secondFactors.get());
      setLoadError(undefined);
    } catch (error) {
      setLoadError(error);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const showCodes = useCallback((next: readonly string[] | null) => {
    if (next !== null && next.length > 0) setCodes(next);
  }, []);

  return (
    <>
      <h1 className="page-title">{t('securityTitle')}</h1>
      <p className="secondary-text">{t('securityIntro')}</p>
      <p className="aside">
        <Link to="/account">{t('backToAccount')}</Link>
      </p>
      {codes === undefined ? null : (
        <RecoveryCodesShown
          codes={codes}
          onDone={() => {
            setCodes(undefined);
          }}
        />
      )}
      <ErrorNotice error={loadError} />
      {factors === undefined ? (
        loadError === undefined ? (
          <Loading />
        ) : null
      ) : (
        <div className="columns">
          <PasskeysCard factors={factors} refresh={refresh} showCodes={showCodes} />
          <TotpCard factors={factors} refresh={refresh} showCodes={showCodes} />
          <RecoveryCodesCard factors={factors} refresh={refresh} showCodes={showCodes} />
        </div>
      )}
      <SecurityActivityCard />
    </>
  );
}
