import { useMemo, useState } from 'react';
import { garage } from '../api/endpoints';
import type { ScanCodeStatus, ScanDetail, ScanFinding, ScanFindingSeverity, ScanValue } from '../api/types';
import { SeverityBadge, codePath } from '../components/dtc';
import { ErrorNotice, Loading } from '../components/feedback';
import { Card } from '../components/forms';
import { ScanPlot, type PlotSeries } from '../components/ScanPlot';
import { formatNumber, scanDateTime, scanFormatName, unitLabel } from '../components/scans';
import { useI18n } from '../i18n/i18n';
import type { Language, MessageKey } from '../i18n/messages';
import { pidLabel } from '../i18n/pidLabels';
import { scanFindingText } from '../i18n/scanFindingTexts';
import { Link, pathWithQuery } from '../router';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';

/** At first the plot shows this many series (the first ones with a line to draw); the rest are a tick away. */
const SERIES_SHOWN_FIRST = 4;

const statusKey = (status: ScanCodeStatus): MessageKey => `scanStatus_${status}`;
const findingSeverityKey = (severity: ScanFindingSeverity): MessageKey => `scanFindingSeverity_${severity}`;

function valueText(value: ScanValue, language: Language): string {
  return `${formatNumber(value.value, language)} ${unitLabel(value.unit, language)}`.trim();
}

function ScanHeader({ scan, vehicleId }: { readonly scan: ScanDetail; readonly vehicleId: string }) {
  const { t, language } = useI18n();
  return (
    <section className="card" aria-labelledby="scan-title">
      <p className="eyebrow">
        <Link to={`/garage/${encodeURIComponent(vehicleId)}`}>{t('scanBackToVehicle')}</Link>
      </p>
      <h1 id="scan-title">{t('scanTitle', { date: scanDateTime(scan, language) })}</h1>
      <dl className="scan-facts">
        <dt>{t('scanTakenAt')}</dt>
        <dd>{scan.taken_at === null ? t('scanNoTime') : <time dateTime={scan.taken_at}>{scanDateTime({ taken_at: scan.taken_at, uploaded_at: scan.uploaded_at }, language)}</time>}</dd>
        <dt>{t('scanUploadedAt')}</dt>
        <dd>
          <time dateTime={scan.uploaded_at}>{scanDateTime({ taken_at: null, uploaded_at: scan.uploaded_at }, language)}</time>
        </dd>
        <dt>{t('scanMileageLabel')}</dt>
        <dd id="scan-mileage-value">{scan.mileage_km === null ? t('scanMileageNone') : `${formatNumber(scan.mileage_km, language)} km`}</dd>
        <dt>{t('scanFormatLabel')}</dt>
        <dd>{scanFormatName(scan.format, t)}</dd>
        <dt>{t('scanFileName')}</dt>
        <dd className="scan-file-name">{scan.file_name}</dd>
      </dl>
      {scan.odometer === null ? null : <p className="secondary-text">{scan.odometer.recorded ? t('scanOdometerRecorded') : t('scanOdometerLower')}</p>}
      <p>
        <a className="button" href={garage.scanCsvPath(vehicleId, scan.id)} download>
          {t('scanExportCsv')}
        </a>
      </p>
    </section>
  );
}

/** The code's description in the UI's language; English where the database has no Hungarian text. */
function codeDescription(entry: ScanDetail['analysis']['codes'][number], language: Language): string | null {
  return language === 'hu' ? (entry.description_hu ?? entry.description) : entry.description;
}

function ScanCodes({ scan }: { readonly scan: ScanDetail }) {
  const { t, language } = useI18n();
  const analysed = new Map(scan.analysis.codes.map((entry) => [entry.code, entry] as const));
  return (
    <Card id="scan-codes" title={t('scanCodes')}>
      {scan.codes.length === 0 ? (
        <p className="empty">{t('scanCodesEmpty')}</p>
      ) : (
        <ul className="scan-codes">
          {scan.codes.map((entry) => {
            const analysis = analysed.get(entry.code);
            return (
              <li key={`${entry.code}/${entry.status}/${entry.ecu ?? ''}`} className="scan-code" data-status={entry.status}>
                <Link to={codePath(entry.code, null)} className="code-link">
                  {entry.code}
                </Link>
                <span className={`badge badge-scan-${entry.status}`}>{t(statusKey(entry.status))}</span>
                {analysis === undefined ? null : <SeverityBadge severity={analysis.severity} />}
                <span className="result-text">
                  {(analysis === undefined ? null : codeDescription(analysis, language)) ?? t('scanCodeUnknown')}
                  {entry.ecu === null ? null : <span className="secondary-text"> · {t('scanEcu', { ecu: entry.ecu })}</span>}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function Evidence({ evidence }: { readonly evidence: ScanFinding['evidence'] }) {
  const { t, language } = useI18n();
  const entries = Object.entries(evidence);
  if (entries.length === 0) return null;
  return (
    <dl className="scan-evidence" aria-label={t('scanFindingEvidence')}>
      {entries.map(([name, value]) => (
        <div key={name} className="scan-evidence-item">
          <dt>{pidLabel(name, language)}</dt>
          <dd>{valueText(value, language)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ScanFindings({ findings }: { readonly findings: readonly ScanFinding[] }) {
  const { t, language } = useI18n();
  return (
    <Card id="scan-findings" title={t('scanFindings')} intro={t('scanFindingsNote')}>
      {findings.length === 0 ? (
        <p className="empty">{t('scanFindingsEmpty')}</p>
      ) : (
        <ul className="scan-findings">
          {findings.map((finding, index) => {
            // A rule newer than this page's texts still shows, under its id.
            const text = scanFindingText(language, finding.rule) ?? { title: finding.rule, explanation: '' };
            return (
              <li key={`${finding.rule}/${finding.code ?? ''}/${index}`} className="scan-finding" data-rule={finding.rule}>
                <p className="scan-finding-head">
                  <span className={`badge badge-finding-${finding.severity}`}>{t(findingSeverityKey(finding.severity))}</span> <strong>{text.title}</strong>
                  {finding.code === null ? null : <span className="secondary-text"> · {t('scanFindingCode', { code: finding.code })}</span>}
                </p>
                {text.explanation === '' ? null : <p>{text.explanation}</p>}
                <Evidence evidence={finding.evidence} />
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

/** The symptom-based diagnosis, started with this scan's codes and vehicle: the driver adds what they notice. */
function DescribeWithScan({ scan, vehicleId }: { readonly scan: ScanDetail; readonly vehicleId: string }) {
  const { t } = useI18n();
  const codes = [...new Set(scan.codes.map((entry) => entry.code))].slice(0, 20);
  return (
    <Card id="scan-describe" title={t('scanDescribe')}>
      <p>{t('scanDescribeNote')}</p>
      <p>
        <Link to={pathWithQuery('/describe', { vehicle: vehicleId, codes: codes.join(', ') })}>{t('scanDescribeLink')}</Link>
      </p>
    </Card>
  );
}

function FreezeFrames({ frames }: { readonly frames: ScanDetail['freeze_frames'] }) {
  const { t, language } = useI18n();
  return (
    <Card id="scan-freeze-frames" title={t('scanFreezeFrames')}>
      {frames.length === 0 ? (
        <p className="empty">{t('scanFreezeFramesEmpty')}</p>
      ) : (
        frames.map((frame, index) => (
          <table key={`${frame.code ?? ''}/${frame.ecu ?? ''}/${index}`} className="data-table freeze-frame">
            <caption>
              {frame.code === null ? t('scanFreezeFrameNoCode') : t('scanFreezeFrameOf', { code: frame.code })}
              {frame.ecu === null ? '' : ` · ${t('scanEcu', { ecu: frame.ecu })}`}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('scanParameter')}</th>
                <th scope="col" className="number">
                  {t('scanValue')}
                </th>
                <th scope="col">{t('scanUnit')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(frame.values).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{pidLabel(name, language)}</th>
                  <td className="number">{formatNumber(value.value, language)}</td>
                  <td>{unitLabel(value.unit, language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))
      )}
    </Card>
  );
}

function SeriesPlots({ scan }: { readonly scan: ScanDetail }) {
  const { t, language } = useI18n();
  const names = useMemo(() => Object.keys(scan.series).filter((name) => (scan.series[name]?.points.length ?? 0) > 0), [scan]);
  const [chosen, setChosen] = useState<readonly string[]>(() => names.filter((name) => (scan.series[name]?.points.length ?? 0) > 1).slice(0, SERIES_SHOWN_FIRST));
  const plots = useMemo(
    () =>
      names.flatMap((name): { name: string; series: PlotSeries }[] => {
        const series = scan.series[name];
        if (series === undefined || !chosen.includes(name)) return [];
        const label = pidLabel(name, language);
        const unit = unitLabel(series.unit, language);
        return [
          {
            name,
            series: {
              label,
              axisLabel: unit === '' ? label : `${label} (${unit})`,
              unitLabel: unit === '' ? label : unit,
              timeLabel: t('scanTime'),
              points: series.points,
              format: (value) => formatNumber(value, language),
            },
          },
        ];
      }),
    [names, chosen, scan, language, t],
  );

  return (
    <Card id="scan-series" title={t('scanSeries')}>
      {names.length === 0 ? (
        <p className="empty">{t('scanSeriesEmpty')}</p>
      ) : (
        <>
          <fieldset className="scan-series-choice">
            <legend>{t('scanSeriesChoose')}</legend>
            {names.map((name) => (
              <label key={name} className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.includes(name)}
                  onChange={(event) => {
                    const on = event.target.checked;
                    setChosen((current) => (on ? names.filter((candidate) => candidate === name || current.includes(candidate)) : current.filter((candidate) => candidate !== name)));
                  }}
                />{' '}
                {pidLabel(name, language)}
              </label>
            ))}
          </fieldset>
          {plots.map(({ name, series }, index) => (
            <figure key={name} className="scan-plot-figure">
              <figcaption>{series.axisLabel}</figcaption>
              <ScanPlot id={`scan-plot-${index}`} series={series} />
            </figure>
          ))}
        </>
      )}
      {scan.unknown_columns.length === 0 ? null : (
        <>
          <h3>{t('scanUnknownColumns')}</h3>
          <ul className="scan-unknown-columns">
            {scan.unknown_columns.map((column) => (
              <li key={column}>
                <code>{column}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

/** `/garage/:vehicleId/scans/:scanId`: what the adapter read, what the rules make of it, and the logged values plotted. */
export function ScanPage({ vehicleId, scanId }: { readonly vehicleId: string; readonly scanId: string }) {
  const { t, language } = useI18n();
  const [loaded] = useAsync(() => garage.scan(vehicleId, scanId), [vehicleId, scanId]);
  usePageTitle(loaded.status === 'done' ? t('scanTitle', { date: scanDateTime(loaded.value, language) }) : t('scans'));

  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'failed') {
    return (
      <section className="card">
        <h1>{t('scans')}</h1>
        <ErrorNotice error={loaded.error} />
        <p>
          <Link to={`/garage/${encodeURIComponent(vehicleId)}`}>{t('scanBackToVehicle')}</Link>
        </p>
      </section>
    );
  }
  const scan = loaded.value;
  return (
    <>
      <ScanHeader scan={scan} vehicleId={vehicleId} />
      <div className="columns">
        <ScanCodes scan={scan} />
        <FreezeFrames frames={scan.freeze_frames} />
      </div>
      <ScanFindings findings={scan.analysis.findings} />
      <DescribeWithScan scan={scan} vehicleId={vehicleId} />
      <SeriesPlots key={scan.id} scan={scan} />
    </>
  );
}
