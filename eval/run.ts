/**
 * `npm run eval:diagnosis`: runs every case of eval/diagnosis-cases.json
 * through symptom-based diagnosis on the embedded database and, when
 * DATABASE_URL is set, on PostgreSQL (in a schema of its own, dropped after),
 * each loaded with the bundled data. Prints precision@5, recall@5, MRR and
 * hit@5 per backend and language, how often the two backends agree on the top
 * five, and exits 1 when a figure falls under eval/thresholds.json.
 * `--misses` lists the cases with nothing relevant in the first five.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, type Database } from '../src/db/index.js';
import { describeProblem, syncDiagnosisIndex, type DescribeCandidate, type DescribeLanguage } from '../src/diagnostics/describe/index.js';
import { seedDtcCodes } from '../src/importers/index.js';

interface EvalCase {
  readonly id: string;
  readonly language: DescribeLanguage;
  readonly text: string;
  readonly make?: string;
  readonly expected: { readonly codes: readonly string[]; readonly components: readonly string[] };
}

type Metric = 'precision_at_5' | 'recall_at_5' | 'mrr' | 'hit_at_5' | 'code_hit_at_5';
const METRICS: readonly Metric[] = ['precision_at_5', 'recall_at_5', 'mrr', 'hit_at_5', 'code_hit_at_5'];
type Thresholds = Record<DescribeLanguage, Record<Metric, number>> & { backend_agreement_top5: number };

/** `--thresholds <file>` and `--max-cases <n>` (the first n cases): for a quick check that a miss fails the run. */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const here = path.dirname(new URL(import.meta.url).pathname);
const maxCases = Number(option('--max-cases') ?? Number.POSITIVE_INFINITY);
const cases = (JSON.parse(readFileSync(path.join(here, 'diagnosis-cases.json'), 'utf8')) as { cases: EvalCase[] }).cases.slice(0, maxCases);
const thresholdsFile = option('--thresholds') ?? path.join(here, 'thresholds.json');
const thresholds = JSON.parse(readFileSync(thresholdsFile, 'utf8')) as Thresholds;

function isRelevant(candidate: DescribeCandidate, expected: EvalCase['expected']): boolean {
  return (candidate.code !== null && expected.codes.includes(candidate.code)) || (candidate.component !== null && expected.components.includes(candidate.component));
}

function caseMetrics(candidates: readonly DescribeCandidate[], expected: EvalCase['expected']): Record<Metric, number> {
  const top5 = candidates.slice(0, 5);
  const found = new Set(top5.filter((candidate) => isRelevant(candidate, expected)).map((candidate) => candidate.code ?? candidate.component));
  const firstRelevant = candidates.findIndex((candidate) => isRelevant(candidate, expected));
  const expectedCount = expected.codes.length + expected.components.length;
  return {
    precision_at_5: top5.filter((candidate) => isRelevant(candidate, expected)).length / 5,
    recall_at_5: found.size / expectedCount,
    mrr: firstRelevant === -1 ? 0 : 1 / (firstRelevant + 1),
    hit_at_5: found.size > 0 ? 1 : 0,
    // Only cases that expect codes count here (see the caller): a relevant code itself among the first five.
    code_hit_at_5: top5.some((candidate) => candidate.code !== null && expected.codes.includes(candidate.code)) ? 1 : 0,
  };
}

const topKey = (candidates: readonly DescribeCandidate[]): string =>
  candidates
    .slice(0, 5)
    .map((candidate) => candidate.code ?? candidate.component)
    .join(',');

async function evaluate(database: Database): Promise<{ perLanguage: Record<DescribeLanguage, Record<Metric, number>>; tops: Map<string, string>; misses: string[] }> {
  await migrateToLatest(database);
  await seedDtcCodes(database);
  await syncDiagnosisIndex(database);
  const empty = (): Record<Metric, number> & { count: number; withCodes: number } => ({ precision_at_5: 0, recall_at_5: 0, mrr: 0, hit_at_5: 0, code_hit_at_5: 0, count: 0, withCodes: 0 });
  const sums = { hu: empty(), en: empty() };
  const tops = new Map<string, string>();
  const misses: string[] = [];
  for (const evalCase of cases) {
    const result = await describeProblem(database, { text: evalCase.text, ...(evalCase.make === undefined ? {} : { make: evalCase.make }) });
    const metrics = caseMetrics(result.candidates, evalCase.expected);
    for (const metric of METRICS) sums[evalCase.language][metric] += metrics[metric];
    sums[evalCase.language].count += 1;
    if (evalCase.expected.codes.length > 0) sums[evalCase.language].withCodes += 1;
    tops.set(evalCase.id, topKey(result.candidates));
    if (metrics.hit_at_5 === 0) misses.push(`${evalCase.id}: ${evalCase.text} → ${topKey(result.candidates) || '(nothing)'}`);
  }
  const average = (language: DescribeLanguage): Record<Metric, number> =>
    Object.fromEntries(
      METRICS.map((metric) => [metric, sums[language][metric] / Math.max(1, metric === 'code_hit_at_5' ? sums[language].withCodes : sums[language].count)]),
    ) as Record<Metric, number>;
  return { perLanguage: { hu: average('hu'), en: average('en') }, tops, misses };
}

async function main(): Promise<void> {
  const backends: { name: string; open: () => { database: Database; cleanup: () => Promise<void> } }[] = [
    {
      name: 'embedded',
      open: () => {
        const directory = mkdtempSync(path.join(tmpdir(), 'autocognitix-eval-'));
        const database = createDatabase({ sqliteFilePath: path.join(directory, 'eval.sqlite') });
        return {
          database,
          cleanup: async () => {
            rmSync(directory, { recursive: true, force: true });
          },
        };
      },
    },
  ];
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '') {
    backends.push({
      name: 'postgres',
      open: () => {
        const schema = `eval_diagnosis_${process.pid}`;
        const database = createDatabase({ databaseUrl, sqliteFilePath: '', schema });
        return {
          database,
          cleanup: async () => {
            await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
          },
        };
      },
    });
  }
  const failures: string[] = [];
  const topsByBackend: Map<string, string>[] = [];
  const lines = ['backend   lang  cases  P@5    R@5    MRR    hit@5  code@5'];
  for (const backend of backends) {
    const { database, cleanup } = backend.open();
    try {
      const { perLanguage, tops, misses } = await evaluate(database);
      topsByBackend.push(tops);
      for (const language of ['hu', 'en'] as const) {
        const figures = perLanguage[language];
        const count = cases.filter((evalCase) => evalCase.language === language).length;
        lines.push(`${backend.name.padEnd(9)} ${language.padEnd(5)} ${String(count).padEnd(6)} ${METRICS.map((metric) => figures[metric].toFixed(3).padEnd(6)).join(' ')}`);
        for (const metric of METRICS) {
          if (figures[metric] < thresholds[language][metric]) failures.push(`${backend.name} ${language} ${metric} ${figures[metric].toFixed(3)} < ${thresholds[language][metric]}`);
        }
      }
      if (process.argv.includes('--misses')) process.stdout.write(`\n${backend.name}: no relevant result in the top five for\n${misses.map((miss) => `  ${miss}`).join('\n')}\n\n`);
    } finally {
      await cleanup();
      await database.close();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const [first, second] = topsByBackend;
  if (first !== undefined && second !== undefined) {
    const same = cases.filter((evalCase) => first.get(evalCase.id) === second.get(evalCase.id)).length;
    const agreement = same / cases.length;
    process.stdout.write(`backends agree on the top five (same codes, same order) in ${same} of ${cases.length} cases (${(agreement * 100).toFixed(1)} %)\n`);
    if (agreement < thresholds.backend_agreement_top5) failures.push(`backend agreement ${agreement.toFixed(3)} < ${thresholds.backend_agreement_top5}`);
  }
  if (failures.length > 0) {
    process.stderr.write(`below the thresholds in ${path.relative(process.cwd(), thresholdsFile)}:\n${failures.map((failure) => `  ${failure}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

await main();
