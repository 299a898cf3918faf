import { useState } from 'react';
import { garage } from '../api/endpoints';
import { useI18n } from '../i18n/i18n';
import { useAsync } from '../useAsync';
import { useSubmission } from '../useSubmission';
import { ErrorNotice, Loading, StatusNotice } from './feedback';
import { Card } from './forms';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard permission (or an insecure context): the address is still on screen
  }
}

/**
 * The garage page's "Calendar" card: turn the iCalendar feed on, rotate its
 * address (after a warning: the old one stops working), turn it off. The
 * address is shown once, right after it is made: the server keeps only its hash.
 */
export function CalendarFeedCard() {
  const { t, formatDate } = useI18n();
  const [feed, reload] = useAsync(() => garage.calendarFeed(), []);
  const [shownUrl, setShownUrl] = useState<string>();
  const [confirmingRotate, setConfirmingRotate] = useState(false);
  const [copied, setCopied] = useState<boolean>();
  const action = useSubmission();

  const rotate = () => {
    setConfirmingRotate(false);
    setCopied(undefined);
    void action.run(async () => {
      const made = await garage.rotateCalendarFeed();
      setShownUrl(made.url);
      reload();
      return undefined;
    });
  };
  const disable = () => {
    setShownUrl(undefined);
    setConfirmingRotate(false);
    void action.run(async () => {
      await garage.disableCalendarFeed();
      reload();
      return 'calendarDisabled';
    });
  };

  return (
    <Card id="calendar-feed" title={t('calendarTitle')} intro={t('calendarIntro')}>
      <StatusNotice message={action.status} />
      <ErrorNotice error={action.error} />
      {feed.status === 'loading' ? <Loading /> : null}
      {feed.status === 'failed' ? <ErrorNotice error={feed.error} /> : null}
      {feed.status === 'done' ? (
        <>
          <p id="calendar-feed-state">{feed.value.enabled && feed.value.created_at !== null ? t('calendarOn', { date: formatDate(feed.value.created_at) }) : t('calendarOff')}</p>
          {shownUrl === undefined ? null : (
            <div className="calendar-feed-url">
              <label htmlFor="calendar-feed-url">{t('calendarUrlLabel')}</label>
              <input id="calendar-feed-url" type="text" readOnly value={shownUrl} onFocus={(event) => {
                  event.currentTarget.select();
                }} />
              <p className="notice notice-info">{t('calendarUrlOnce')}</p>
              <div className="button-row">
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    void copyText(shownUrl).then(setCopied);
                  }}
                >
                  {t('copy')}
                </button>
                {copied === undefined ? null : <span role="status">{copied ? t('copied') : t('copyFailed')}</span>}
              </div>
            </div>
          )}
          {confirmingRotate ? (
            <div className="notice notice-error" id="calendar-rotate-warning" role="alert">
              <p>{t('calendarRotateWarning')}</p>
              <div className="button-row">
                <button type="button" className="button danger" disabled={action.busy} onClick={rotate}>
                  {t('calendarRotateConfirm')}
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setConfirmingRotate(false);
                  }}
                >
                  {t('cancel')}
                </button>
              </div>
            </div>
          ) : (
            <div className="button-row">
              {feed.value.enabled ? (
                <>
                  <button
                    type="button"
                    className="button"
                    disabled={action.busy}
                    onClick={() => {
                      setConfirmingRotate(true);
                    }}
                  >
                    {t('calendarRotate')}
                  </button>
                  <button type="button" className="button danger" disabled={action.busy} onClick={disable}>
                    {t('calendarDisable')}
                  </button>
                </>
              ) : (
                <button type="button" className="button primary" disabled={action.busy} onClick={rotate}>
                  {t('calendarEnable')}
                </button>
              )}
            </div>
          )}
        </>
      ) : null}
    </Card>
  );
}
