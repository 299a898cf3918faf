import { useEffect, useState } from 'react';
import { diagnosis, garage } from '../api/endpoints';
import type { DescribeCandidate, DescribeRequest, DescribeResult, GarageVehicle, MatchingComplaint } from '../api/types';
import { parseCodes, SeverityBadge } from '../components/dtc';
import { ErrorNotice } from '../components/feedback';
import { SelectField, TextAreaField, TextField } from '../components/fields';
import { SubmitForm } from '../components/forms';
import { vehicleName } from '../components/garage';
import { RecallList } from '../components/vehicles';
import { useI18n, type Translate } from '../i18n/i18n';
import { Link, pathWithQuery, useLocation } from '../router';
import { useSession } from '../session';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';

/** The server's limits on the description (docs/API.md): checked here first so the message is immediate. */
const MIN_TEXT_LENGTH = 3;
const MAX_TEXT_LENGTH = 1000;
/** How many candidates a saved note lists under the description. */
const NOTE_CANDIDATES = 3;
/** A garage note holds at most this many codes. */
const NOTE_MAX_CODES = 20;

/** One answer with what it was asked for: a note is saved for the vehicle the answer is about, whatever the form shows now. */
interface Answer {
  readonly request: DescribeRequest;
  readonly vehicle: GarageVehicle | undefined;
  readonly result: DescribeResult;
}

/** A code's page, for the make the candidate is specific to. */
function codePath(code: string, make: string | null): string {
  return pathWithQuery(`/dtc/${encodeURIComponent(code)}`, { make: make ?? undefined });
}

/** A garage vehicle in the list: its nickname with make, model and year, or just those. */
function vehicleOptionLabel(vehicle: GarageVehicle): string {
  const description = `${vehicle.make} ${vehicle.model} ${vehicle.year}`;
  const name = vehicleName(vehicle);
  return name === description ? description : `${name} (${description})`;
}

const percent = (score: number): number => Math.round(score * 100);

/** "Because: misfire; via spark plug; your words: …": why a candidate is listed. */
function reasonsText(candidate: DescribeCandidate, t: Translate): string | undefined {
  const { reasons } = candidate;
  const parts = [
    reasons.symptoms.map((symptom) => symptom.label).join(', '),
    reasons.via.length === 0 ? '' : t('describeVia', { names: reasons.via.map((node) => node.label).join(', ') }),
    reasons.words.length === 0 ? '' : t('describeWords', { words: reasons.words.join(', ') }),
    reasons.given ? t('describeGiven') : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? undefined : parts.join('; ');
}

function Candidate({ candidate, rank }: { readonly candidate: DescribeCandidate; readonly rank: number }) {
  const { t } = useI18n();
  const titleId = `candidate-${rank}-title`;
  const reasons = reasonsText(candidate, t);
  return (
    <li className="candidate" aria-labelledby={titleId}>
      <div className="candidate-head">
        {candidate.code === null ? (
          <span className="badge candidate-kind">{t('component')}</span>
        ) : (
          <Link to={codePath(candidate.code, candidate.make)} className="code-link">
            {candidate.code}
          </Link>
        )}
        <h3 id={titleId} className="candidate-title">
          {candidate.title}
        </h3>
        {candidate.kind === 'code' ? <SeverityBadge severity={candidate.severity} /> : null}
      </div>
      <p className="candidate-score">
        {/* The bar is the number drawn; the text says it. */}
        <meter className="score-bar" min={0} max={1} value={candidate.score} aria-hidden="true" />
        <span>
          {t('describeMatch')}: {percent(candidate.score)}%
        </span>
      </p>
      {reasons === undefined ? null : (
        <p className="candidate-reasons">
          <strong>{t('describeBecause')}:</strong> {reasons}
        </p>
      )}
      {candidate.codes.length === 0 ? null : (
        <p className="candidate-codes">
          <span>{t('describeComponentCodes')}:</span>
          {candidate.codes.map((code) => (
            <Link key={code} to={codePath(code, candidate.make)} className="code-chip">
              {code}
            </Link>
          ))}
        </p>
      )}
      {candidate.causes.length === 0 ? null : (
        <>
          <h4>{t('possibleCauses')}</h4>
          <ul className="plain-list">
            {candidate.causes.map((cause) => (
              <li key={cause}>{cause}</li>
            ))}
          </ul>
        </>
      )}
      {candidate.checks.length === 0 ? null : (
        <>
          <h4>{t('describeChecks')}</h4>
          <ul className="plain-list">
            {candidate.checks.map((check) => (
              <li key={check}>{check}</li>
            ))}
          </ul>
        </>
      )}
    </li>
  );
}

function Understood({ understood }: { readonly understood: DescribeResult['understood'] }) {
  const { t } = useI18n();
  const nothing = understood.symptoms.length === 0 && understood.components.length === 0;
  return (
    <section aria-labelledby="describe-understood-title">
      <h2 id="describe-understood-title">{t('describeUnderstood')}</h2>
      {nothing ? <p className="empty">{t('describeNothingUnderstood')}</p> : null}
      <dl className="facts">
        {understood.symptoms.length === 0 ? null : (
          <>
            <dt>{t('symptoms')}</dt>
            <dd>{understood.symptoms.map((symptom) => symptom.label).join(', ')}</dd>
          </>
        )}
        {understood.components.length === 0 ? null : (
          <>
            <dt>{t('describeComponents')}</dt>
            <dd>{understood.components.map((component) => component.label).join(', ')}</dd>
          </>
        )}
        {understood.corrections.length === 0 ? null : (
          <>
            <dt>{t('describeCorrections')}</dt>
            <dd>{understood.corrections.map((correction) => `${correction.from} → ${correction.to}`).join(', ')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function ComplaintList({ complaints }: { readonly complaints: readonly MatchingComplaint[] }) {
  const { t, formatDate } = useI18n();
  if (complaints.length === 0) return <p className="empty">{t('describeNoComplaints')}</p>;
  return (
    <ul className="recall-list">
      {complaints.map((complaint) => (
        <li key={complaint.cmplid} className="recall">
          <p className="recall-meta">
            <span>
              {t('component')}: {complaint.component}
            </span>
            {complaint.failure_date === null ? null : (
              <span>
                {t('failureDate')}: {formatDate(complaint.failure_date)}
              </span>
            )}
            {complaint.crash ? <span className="badge severity-critical">{t('crash')}</span> : null}
            {complaint.fire ? <span className="badge severity-critical">{t('fire')}</span> : null}
          </p>
          <p className="recall-text">{complaint.summary}</p>
        </li>
      ))}
    </ul>
  );
}

function VehicleFindings({ vehicle }: { readonly vehicle: NonNullable<DescribeResult['vehicle']> }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="describe-vehicle-title">
      <h2 id="describe-vehicle-title">{t('describeVehicleTitle', { vehicle: `${vehicle.make} ${vehicle.model} ${vehicle.year}` })}</h2>
      <h3>{t('describeRecalls', { total: vehicle.recalls.total })}</h3>
      <RecallList recalls={vehicle.recalls.items} emptyText={t('describeNoRecalls')} />
      <h3>{t('describeComplaints', { total: vehicle.complaints.total })}</h3>
      <ComplaintList complaints={vehicle.complaints.items} />
    </section>
  );
}

/** The codes a note keeps: the candidates' own, then their components' codes, as many as a note holds. */
function noteCodes(candidates: readonly DescribeCandidate[]): string[] {
  const codes = candidates.flatMap((candidate) => (candidate.code === null ? [] : [candidate.code]));
  const componentCodes = candidates.flatMap((candidate) => candidate.codes);
  return [...new Set([...codes, ...componentCodes])].slice(0, NOTE_MAX_CODES);
}

/** The description, then the first candidates with their scores: what the note says. */
function noteText(answer: Answer, t: Translate): string {
  const lines = answer.result.candidates
    .slice(0, NOTE_CANDIDATES)
    .map((candidate, index) => `${index + 1}. ${candidate.code === null ? '' : `${candidate.code} `}${candidate.title} (${percent(candidate.score)}%)`);
  return lines.length === 0 ? answer.request.text : `${answer.request.text}\n\n${t('describeNoteHeading')}\n${lines.join('\n')}`;
}

function SaveAsNote({ answer, vehicle }: { readonly answer: Answer; readonly vehicle: GarageVehicle }) {
  const { t } = useI18n();
  const submission = useSubmission();
  const [saved, setSaved] = useState(false);
  return (
    <div className="save-note">
      <SubmitForm
        submission={submission}
        action={async () => {
          await garage.addNote(vehicle.id, { codes: noteCodes(answer.result.candidates), symptoms: noteText(answer, t) });
          setSaved(true);
          return { key: 'describeNoteSaved', values: { vehicle: vehicleName(vehicle) } };
        }}
        submitLabel={t('describeSaveNote')}
      >
        {null}
      </SubmitForm>
      {saved ? (
        <p>
          <Link to={`/garage/${encodeURIComponent(vehicle.id)}`}>{t('openVehicle', { vehicle: vehicleName(vehicle) })}</Link>
        </p>
      ) : null}
    </div>
  );
}

function Results({ answer, signedIn }: { readonly answer: Answer; readonly signedIn: boolean }) {
  const { t } = useI18n();
  const { result, vehicle } = answer;
  return (
    <section className="card" aria-labelledby="describe-results-title">
      <h2 id="describe-results-title" className="visually-hidden">
        {t('analysisResults')}
      </h2>
      <Understood understood={result.understood} />
      <section aria-labelledby="describe-candidates-title">
        <h2 id="describe-candidates-title">{t('describeCandidates')}</h2>
        {result.candidates.length === 0 ? (
          <p className="empty">{t('describeNoCandidates')}</p>
        ) : (
          <ol className="candidate-list">
            {result.candidates.map((candidate, index) => (
              <Candidate key={`${candidate.kind}:${candidate.code ?? candidate.component ?? ''}:${candidate.make ?? ''}`} candidate={candidate} rank={index + 1} />
            ))}
          </ol>
        )}
      </section>
      {result.vehicle === null ? null : <VehicleFindings vehicle={result.vehicle} />}
      {vehicle !== undefined ? (
        // Keyed by the answer: a new answer gets a fresh button, not the last one's "saved".
        <SaveAsNote key={JSON.stringify(answer.request)} answer={answer} vehicle={vehicle} />
      ) : (
        <p className="field-hint">{signedIn ? t('describeChooseVehicleToSave') : t('describeSignInToSave')}</p>
      )}
    </section>
  );
}

export function DescribeProblemPage() {
  const { t, language } = useI18n();
  const { user } = useSession();
  const signedIn = user !== undefined && user !== null;
  const [vehicles] = useAsync(async () => (signedIn ? garage.list() : { items: [] as readonly GarageVehicle[] }), [user?.id]);
  const garageVehicles = vehicles.status === 'done' ? vehicles.value.items : [];
  const [text, setText] = useState('');
  // A scan page links here with its vehicle and codes filled in (`?vehicle=…&codes=…`).
  const { query } = useLocation();
  const [vehicleId, setVehicleId] = useState(() => query.get('vehicle') ?? '');
  const [codesText, setCodesText] = useState(() => query.get('codes') ?? '');
  const [textProblem, setTextProblem] = useState<string>();
  const [answer, setAnswer] = useState<Answer>();
  const submission = useSubmission();
  usePageTitle(t('describeTitle'));

  const ask = async (request: DescribeRequest, vehicle: GarageVehicle | undefined): Promise<undefined> => {
    setAnswer({ request, vehicle, result: await diagnosis.describe(request) });
    return undefined;
  };

  // Titles, causes and checks come in the language asked for: switching the UI language asks again.
  const { run } = submission;
  useEffect(() => {
    if (answer === undefined || answer.request.language === language) return;
    void run(() => ask({ ...answer.request, language }, answer.vehicle));
  }, [language]);

  const checked = (): boolean => {
    const length = text.trim().length;
    const problem = length < MIN_TEXT_LENGTH ? t('problemTooShort', { min: MIN_TEXT_LENGTH }) : undefined;
    setTextProblem(problem);
    return problem === undefined;
  };

  const describeProblem = async (): Promise<undefined> => {
    const vehicle = garageVehicles.find((candidate) => candidate.id === vehicleId);
    const codes = parseCodes(codesText);
    const request: DescribeRequest = {
      text: text.trim(),
      language,
      ...(vehicle === undefined ? {} : { make: vehicle.make, model: vehicle.model, year: vehicle.year }),
      ...(codes.length === 0 ? {} : { codes }),
    };
    setAnswer(undefined);
    return ask(request, vehicle);
  };

  const vehicleError = submission.fieldError('make') ?? submission.fieldError('model') ?? submission.fieldError('year');
  return (
    <>
      <section className="card" aria-labelledby="describe-title">
        <h1 id="describe-title">{t('describeTitle')}</h1>
        <p className="intro">{t('describeIntro')}</p>
        <SubmitForm submission={submission} check={checked} action={describeProblem} submitLabel={t('describeButton')} busyLabel={t('describing')}>
          <TextAreaField
            id="describe-text"
            label={t('describeText')}
            hint={t('describeTextHint')}
            rows={5}
            maxLength={MAX_TEXT_LENGTH}
            required
            value={text}
            error={textProblem ?? submission.fieldError('text')}
            onValue={setText}
          />
          {signedIn ? (
            <SelectField id="describe-vehicle" label={t('describeVehicle')} value={vehicleId} error={vehicleError} onValue={setVehicleId}>
              <option value="">{t('describeNoVehicle')}</option>
              {garageVehicles.map((vehicle) => (
                <option key={vehicle.id} value={vehicle.id}>
                  {vehicleOptionLabel(vehicle)}
                </option>
              ))}
            </SelectField>
          ) : null}
          {vehicles.status === 'failed' ? <ErrorNotice error={vehicles.error} /> : null}
          <TextField id="describe-codes" label={t('describeCodes')} hint={t('codesHint')} autoComplete="off" value={codesText} error={submission.fieldError('codes')} onValue={setCodesText} />
        </SubmitForm>
      </section>
      <div aria-live="polite">{answer === undefined ? null : <Results answer={answer} signedIn={signedIn} />}</div>
    </>
  );
}
