import { useState, type DragEvent } from 'react';
import { ApiError, type UploadProgress } from '../api/client';
import { garage } from '../api/endpoints';
import type { ScanFormat, ScanSummary } from '../api/types';
import { useI18n, type Translate } from '../i18n/i18n';
import type { Language, MessageKey } from '../i18n/messages';
import { scanReasonText } from '../i18n/scanReasonTexts';
import { Link, navigate } from '../router';
import { useAsync } from '../useAsync';
import { useSubmission } from '../useSubmission';
import { AsyncItems, ErrorNotice, StatusNotice } from './feedback';
import { SelectField, TextField } from './fields';
import { Card, SubmitForm } from './forms';

export const SCAN_FORMATS: readonly ScanFormat[] = ['torque-csv', 'elm327', 'json'];

const FORMAT_KEYS: Readonly<Record<ScanFormat, MessageKey>> = { 'torque-csv': 'scanFormat_torque_csv', elm327: 'scanFormat_elm327', json: 'scanFormat_json' };

export function scanFormatName(format: ScanFormat, t: Translate): string {
  return t(FORMAT_KEYS[format]);
}

export function scanPath(vehicleId: string, scanId: string): string {
  return `/garage/${encodeURIComponent(vehicleId)}/scans/${encodeURIComponent(scanId)}`;
}

const locale = (language: Language): string => (language === 'hu' ? 'hu-HU' : 'en-GB');

/** A measured value as people of the language write it (decimal comma in Hungarian), at most two decimals. */
export function formatNumber(value: number, language: Language): string {
  return value.toLocaleString(locale(language), { maximumFractionDigits: 2 });
}

/** A unit as written in the language: the Hungarian page says 1/min, not rpm. */
export function unitLabel(unit: string, language: Language): string {
  return language === 'hu' && unit === 'rpm' ? '1/min' : unit;
}

/** Date and time of a scan: when it was recorded, else when it was uploaded. */
export function scanDateTime(scan: Pick<ScanSummary, 'taken_at' | 'uploaded_at'>, language: Language): string {
  const date = new Date(scan.taken_at ?? scan.uploaded_at);
  return Number.isNaN(date.getTime()) ? (scan.taken_at ?? scan.uploaded_at) : date.toLocaleString(locale(language), { dateStyle: 'medium', timeStyle: 'short' });
}

function fileSize(bytes: number, language: Language): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(Math.round(bytes / 102.4) / 10, language)} KiB`;
  return `${formatNumber(Math.round(bytes / (104.8576 * 1024)) / 10, language)} MiB`;
}

/** The parser's objection to an upload (422 `scan_invalid`): its line and its reason, as the server put them in the error. */
function scanProblem(error: unknown): { readonly line: number | undefined; readonly reason: string | undefined } | undefined {
  if (!(error instanceof ApiError) || error.code !== 'scan_invalid') return undefined;
  const line = error.body.line;
  const reason = error.body.reason;
  return { line: typeof line === 'number' && Number.isInteger(line) && line > 0 ? line : undefined, reason: typeof reason === 'string' && reason !== '' ? reason : undefined };
}

/** Why an upload failed: the refused line and the reader's words, a file too large, or what any other error says. */
export function ScanUploadError({ error }: { readonly error: unknown }) {
  const { t, language } = useI18n();
  const problem = scanProblem(error);
  if (problem === undefined && error instanceof ApiError && error.code === 'payload_too_large') {
    return (
      <div className="notice-region" aria-live="assertive">
        <p className="notice notice-error" role="alert" id="scan-upload-error">
          {t('scanTooLarge')}
        </p>
      </div>
    );
  }
  if (problem === undefined) return <ErrorNotice error={error} id="scan-upload-error" />;
  const reason = problem.reason === undefined ? undefined : scanReasonText(problem.reason, language);
  return (
    <div className="notice-region" aria-live="assertive">
      <div className="notice notice-error" role="alert" id="scan-upload-error">
        <p>{problem.line === undefined ? t('scanInvalidFile') : t('scanInvalidLine', { line: problem.line })}</p>
        {reason === undefined ? null : (
          <p>
            {reason.translated ? t('scanInvalidReason') : t('scanInvalidReasonEnglish')}{' '}
            <code className="scan-reason" lang={reason.translated ? language : 'en'}>
              {reason.text}
            </code>
          </p>
        )}
      </div>
    </div>
  );
}

/** The upload form: a drop zone around a file input, the format (guessed by default), an optional mileage, and a progress bar. */
function ScanUpload({ vehicleId }: { readonly vehicleId: string }) {
  const { t, language } = useI18n();
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<ScanFormat | ''>('');
  const [mileage, setMileage] = useState('');
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress>();
  const [missingFile, setMissingFile] = useState(false);
  const submission = useSubmission();

  const choose = (chosen: File | undefined) => {
    setFile(chosen);
    setMissingFile(false);
    submission.clear();
  };

  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped !== undefined) choose(dropped);
  };

  const percent = progress === undefined || progress.total === 0 ? 0 : Math.round((progress.loaded / progress.total) * 100);
  const trimmedMileage = mileage.trim();

  return (
    <SubmitForm
      submission={submission}
      className="scan-upload"
      check={() => {
        setMissingFile(file === undefined);
        return file !== undefined;
      }}
      action={async () => {
        if (file === undefined) return undefined;
        setProgress({ loaded: 0, total: file.size });
        try {
          const scan = await garage.uploadScan(
            vehicleId,
            { file, ...(format === '' ? {} : { format }), ...(trimmedMileage === '' ? {} : { mileage_km: Number(trimmedMileage) }) },
            setProgress,
          );
          navigate(scanPath(vehicleId, scan.id));
          return undefined;
        } finally {
          setProgress(undefined);
        }
      }}
      submitLabel={t('scanUploadButton')}
      busyLabel={t('scanUploading')}
      errorNotice={<ScanUploadError error={submission.error} />}
    >
      <div
        className={dragging ? 'drop-zone drop-zone-active' : 'drop-zone'}
        id="scan-drop-zone"
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={drop}
      >
        <p className="drop-zone-text">{dragging ? t('scanDropZoneActive') : t('scanDropZone')}</p>
        <div className={missingFile ? 'field field-invalid' : 'field'}>
          <label htmlFor="scan-file">{t('scanFile')}</label>
          <input
            id="scan-file"
            name="scan-file"
            type="file"
            accept=".csv,.txt,.log,.json,text/csv,text/plain,application/json"
            aria-invalid={missingFile ? true : undefined}
            aria-describedby={missingFile ? 'scan-file-error' : undefined}
            onChange={(event) => {
              choose(event.target.files?.[0]);
            }}
          />
          {missingFile ? (
            <p className="field-error" id="scan-file-error">
              {t('scanFileMissing')}
            </p>
          ) : null}
        </div>
        {file === undefined ? null : (
          <p className="drop-zone-file" id="scan-file-chosen">
            {t('scanFileChosen', { name: file.name, size: fileSize(file.size, language) })}
          </p>
        )}
      </div>
      <div className="scan-upload-options">
        <SelectField
          id="scan-format"
          label={t('scanFormat')}
          value={format}
          error={submission.fieldError('format')}
          onValue={(value) => {
            setFormat(SCAN_FORMATS.find((candidate) => candidate === value) ?? '');
          }}
        >
          <option value="">{t('scanFormatAuto')}</option>
          {SCAN_FORMATS.map((candidate) => (
            <option key={candidate} value={candidate}>
              {scanFormatName(candidate, t)}
            </option>
          ))}
        </SelectField>
        <TextField
          id="scan-mileage"
          label={`${t('scanMileage')} ${t('optional')}`}
          hint={t('scanMileageHint')}
          inputMode="numeric"
          autoComplete="off"
          value={mileage}
          error={submission.fieldError('mileage_km')}
          onValue={setMileage}
        />
      </div>
      {progress === undefined ? null : (
        <div className="upload-progress" id="scan-upload-progress">
          <label htmlFor="scan-progress-bar">{t('scanProgress')}</label>
          <progress id="scan-progress-bar" max={100} value={percent} />
          <span aria-live="polite">{percent >= 100 ? t('scanProgressProcessing') : t('scanProgressPercent', { percent })}</span>
        </div>
      )}
    </SubmitForm>
  );
}

function codeCount(scan: ScanSummary): number {
  return scan.code_counts.stored + scan.code_counts.pending + scan.code_counts.permanent;
}

/** The vehicle's scans, newest first, each a link to its page, with removal after a confirmation. */
function ScanList({ vehicleId }: { readonly vehicleId: string }) {
  const { t, language } = useI18n();
  const [scans, reload] = useAsync(() => garage.scans(vehicleId), [vehicleId]);
  const [confirming, setConfirming] = useState<string>();
  const removal = useSubmission();

  const remove = (scanId: string) => {
    void removal.run(async () => {
      await garage.removeScan(vehicleId, scanId);
      setConfirming(undefined);
      reload();
      return 'scanRemoved';
    });
  };

  return (
    <>
      <StatusNotice message={removal.status} />
      <ErrorNotice error={removal.error} />
      <AsyncItems state={scans} emptyText={t('scansEmpty')}>
        {(items) => (
          <ul className="scan-list">
            {items.map((scan) => {
              const when = scanDateTime(scan, language);
              return (
                <li key={scan.id} className="scan-item">
                  <Link to={scanPath(vehicleId, scan.id)} className="scan-link" aria-label={t('scanOpen', { date: when })}>
                    <time dateTime={scan.taken_at ?? scan.uploaded_at}>{when}</time>
                  </Link>{' '}
                  <span className="scan-meta">
                    {scanFormatName(scan.format, t)} · {t('scanCodesCount', { count: codeCount(scan) })}
                    {scan.mileage_km === null ? '' : ` · ${formatNumber(scan.mileage_km, language)} km`}
                  </span>
                  <span className="button-row">
                    {confirming === scan.id ? (
                      <>
                        <span role="alert">{t('scanRemoveConfirm')}</span>
                        <button
                          type="button"
                          className="button small danger"
                          disabled={removal.busy}
                          onClick={() => {
                            remove(scan.id);
                          }}
                        >
                          {t('confirmRemove')}
                        </button>
                        <button
                          type="button"
                          className="button small"
                          onClick={() => {
                            setConfirming(undefined);
                          }}
                        >
                          {t('cancel')}
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        className="button small"
                        onClick={() => {
                          setConfirming(scan.id);
                        }}
                      >
                        {t('scanRemove')}
                      </button>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </AsyncItems>
    </>
  );
}

/** The vehicle page's scans card: the list, then the upload form. */
export function VehicleScans({ vehicleId }: { readonly vehicleId: string }) {
  const { t } = useI18n();
  return (
    <Card id="scans" title={t('scans')} intro={t('scansIntro')}>
      <ScanList vehicleId={vehicleId} />
      <ScanUpload vehicleId={vehicleId} />
    </Card>
  );
}
