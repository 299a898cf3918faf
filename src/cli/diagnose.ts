import { DtcCodesRepository, normalizeVehicleName } from '../db/repositories/index.js';
import { DTC_CODE_INPUT_PATTERN } from '../diagnostics/dtc-code.js';
import { DESCRIBE_LANGUAGES, describeProblem, syncDiagnosisIndex, type DescribeCandidate, type DescribeInput, type DescribeLanguage, type DescribeResult } from '../diagnostics/describe/index.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';

/** What POST /api/v1/diagnosis/describe accepts (src/http/diagnosis.ts), so the command takes the same input. */
const MIN_TEXT_LENGTH = 3;
const MAX_TEXT_LENGTH = 1000;
const MAX_CODES = 20;
const MIN_YEAR = 1900;
const MAX_YEAR = 2100;

export interface DiagnoseOptions {
  readonly make?: string;
  readonly model?: string;
  readonly year?: string;
  readonly code?: readonly string[];
  readonly language?: string;
  readonly json?: boolean;
}

function usageError(message: string): CommandFailure {
  return new CommandFailure(`error: ${message}`, EXIT_USAGE);
}

function isLanguage(value: string): value is DescribeLanguage {
  return (DESCRIBE_LANGUAGES as readonly string[]).includes(value);
}

/** The command line as the engine's input; a usage error (exit 2, one line) for anything the API would refuse. */
export function diagnoseInput(text: string, options: DiagnoseOptions): DescribeInput {
  const description = text.trim();
  if (description.length < MIN_TEXT_LENGTH) throw usageError(`describe the problem in at least ${MIN_TEXT_LENGTH} characters`);
  if (description.length > MAX_TEXT_LENGTH) throw usageError(`the description is ${description.length} characters long; at most ${MAX_TEXT_LENGTH} are read`);

  const vehicleGiven = [options.make, options.model, options.year].filter((value) => value !== undefined).length;
  if (vehicleGiven > 0 && vehicleGiven < 3) throw usageError('--make, --model and --year go together: give all three or none');
  let year: number | undefined;
  if (options.year !== undefined) {
    year = /^\d{4}$/.test(options.year) ? Number(options.year) : Number.NaN;
    if (!(year >= MIN_YEAR && year <= MAX_YEAR)) throw usageError(`--year must be a model year from ${MIN_YEAR} to ${MAX_YEAR}, not ${JSON.stringify(options.year)}`);
  }
  if (options.make?.trim() === '' || options.model?.trim() === '') throw usageError('--make and --model must not be empty');

  const codes = [...new Set((options.code ?? []).flatMap((value) => value.split(/[\s,;]+/)).filter((code) => code !== ''))];
  const codePattern = new RegExp(DTC_CODE_INPUT_PATTERN);
  const badCode = codes.find((code) => !codePattern.test(code));
  if (badCode !== undefined) throw usageError(`${JSON.stringify(badCode)} is not a trouble code (P, B, C or U and four hexadecimal digits, e.g. P0301)`);
  if (codes.length > MAX_CODES) throw usageError(`at most ${MAX_CODES} codes, not ${codes.length}`);

  if (options.language !== undefined && !isLanguage(options.language)) throw usageError(`--language must be ${DESCRIBE_LANGUAGES.join(' or ')}, not ${JSON.stringify(options.language)}`);
  return {
    text: description,
    language: options.language,
    ...(options.make === undefined || options.model === undefined ? {} : { make: normalizeVehicleName(options.make), model: normalizeVehicleName(options.model), year }),
    ...(codes.length === 0 ? {} : { codes: codes.map((code) => code.toUpperCase()) }),
  };
}

const percent = (score: number): string => `${String(Math.round(score * 100)).padStart(3)}%`;

/** One candidate: rank, score, code (or component) and title, then why, its codes, causes and checks, indented. */
function candidateLines(candidate: DescribeCandidate, rank: number): string[] {
  const name = candidate.code ?? `component ${candidate.component ?? '?'}`;
  const make = candidate.make === null ? '' : ` (${candidate.make})`;
  const severity = candidate.severity === null ? '' : `  [${candidate.severity}]`;
  const indent = '          ';
  const why = [
    candidate.reasons.symptoms.map((symptom) => symptom.label).join(', '),
    candidate.reasons.via.length === 0 ? '' : `via ${candidate.reasons.via.map((node) => node.label).join(', ')}`,
    candidate.reasons.words.length === 0 ? '' : `words: ${candidate.reasons.words.join(', ')}`,
    candidate.reasons.given ? 'code given' : '',
  ].filter((part) => part !== '');
  return [
    `${String(rank).padStart(2)}. ${percent(candidate.score)}  ${name}${make}  ${candidate.title}${severity}`,
    ...(why.length === 0 ? [] : [`${indent}why: ${why.join('; ')}`]),
    ...(candidate.codes.length === 0 ? [] : [`${indent}codes: ${candidate.codes.join(', ')}`]),
    ...(candidate.causes.length === 0 ? [] : [`${indent}causes: ${candidate.causes.join('; ')}`]),
    ...(candidate.checks.length === 0 ? [] : [`${indent}checks: ${candidate.checks.join('; ')}`]),
  ];
}

/** The answer as text: what was understood, the ranked list, and the vehicle's matching recalls and complaints. */
export function diagnosisLines(result: DescribeResult): string[] {
  const { understood } = result;
  const recognised = [
    ...understood.symptoms.map((node) => `symptom ${node.label} (${node.matched.join(', ')})`),
    ...understood.components.map((node) => `${node.kind} ${node.label} (${node.matched.join(', ')})`),
  ];
  const lines = [
    `understood: ${recognised.length === 0 ? 'no known symptom or part' : recognised.join('; ')}`,
    ...(understood.corrections.length === 0 ? [] : [`read as: ${understood.corrections.map((correction) => `${correction.from} → ${correction.to}`).join(', ')}`]),
    '',
  ];
  if (result.candidates.length === 0) lines.push('no likely cause found: try other words, or give the codes with --code');
  else {
    lines.push('likely causes, most likely first:');
    result.candidates.forEach((candidate, index) => lines.push(...candidateLines(candidate, index + 1)));
  }
  const { vehicle } = result;
  if (vehicle !== null) {
    lines.push('', `${vehicle.make} ${vehicle.model} ${vehicle.year}: ${vehicle.recalls.total} related recalls, ${vehicle.complaints.total} similar complaints`);
    for (const recall of vehicle.recalls.items) lines.push(`  recall ${recall.campaign_number} (${recall.component}): ${recall.defect_summary ?? ''}`.trimEnd());
    for (const complaint of vehicle.complaints.items) lines.push(`  complaint ${complaint.odi_number} (${complaint.component}): ${complaint.summary}`);
  }
  return lines;
}

/**
 * `diagnose "<text>"`: likely codes and components for a description of what
 * the car does, as the API's /diagnosis/describe answers it, on the database
 * the configuration names (its symptom index brought up to date first).
 */
export async function diagnose(cli: CommandContext, text: string, options: DiagnoseOptions): Promise<void> {
  const input = diagnoseInput(text, options);
  const runtime = await openRuntime(cli.config(), { migrate: true });
  try {
    await syncDiagnosisIndex(runtime.database);
    const result = await describeProblem(runtime.database, input);
    if (options.json === true) {
      cli.print(JSON.stringify(result, null, 2));
      return;
    }
    for (const line of diagnosisLines(result)) cli.print(line);
    const stored = Object.values(await new DtcCodesRepository(runtime.database.db).countBySystem()).reduce((sum, count) => sum + count, 0);
    if (stored === 0) cli.printError('note: the database holds no trouble codes yet; `autocognitix seed` loads the bundled ones');
  } finally {
    await runtime.close();
  }
}
