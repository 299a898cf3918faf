/**
 * The describe route (`POST /api/v1/diagnosis/describe`, issue 17) in the
 * bench: `describeProblem`'s latency per query on both database engines
 * (embedded SQLite and PostgreSQL), on the bundled data and after loading
 * 50 000 generated complaints, and the route's HTTP throughput as a ratio to
 * the bare route. Called by bench/run.ts (`npm run bench`, or
 * `npm run bench -- --only describe` for this part alone).
 *
 * Knobs (environment): BENCH_DESCRIBE_RUNS (timed calls per query, default
 * 100), BENCH_DESCRIBE_COMPLAINTS (generated complaints, default 50000),
 * BENCH_DESCRIBE_CONNECTIONS (for the describe route's HTTP runs, default 10);
 * the HTTP part uses the rounds and durations of bench/run.ts, and its
 * connections for the bare route.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, type Database } from '../src/db/index.js';
import { ComplaintsRepository, type ComplaintInput } from '../src/db/repositories/index.js';
import { describeProblem, syncDiagnosisIndex, type DescribeInput } from '../src/diagnostics/describe/index.js';
import { seedDtcCodes } from '../src/importers/index.js';
import { measureLoad, medianRun, startServer, type LoadOptions, type LoadResult, type RunningServer } from './http.js';
import { BENCH_ROUTE } from './shared.js';
import { roundMs } from './stats.js';

const BENCH_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));
const DESCRIBE_ROUTE = '/api/v1/diagnosis/describe';

export type DescribeEngine = 'embedded' | 'postgres';
export const DESCRIBE_ENGINES: readonly DescribeEngine[] = ['embedded', 'postgres'];

export interface LatencyPair {
  readonly p50_ms: number;
  readonly p99_ms: number;
}

export interface DatasetLatency {
  readonly queries: Record<string, LatencyPair>;
  /** Every timed call of every query together. */
  readonly overall: LatencyPair;
}

export interface DescribeHttpResult {
  readonly rps: number;
  readonly p99_ms: number;
  readonly ratio_to_bare: number;
}

export interface DescribeEngineResult {
  readonly bundled: DatasetLatency;
  readonly complaints_50k: DatasetLatency;
  readonly http: DescribeHttpResult;
}

/** An engine the bench could not reach says why instead of numbers. */
export interface DescribeEngineUnavailable {
  readonly unavailable: string;
}

export interface DescribeBlock {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly runs_per_query: number;
  readonly complaints: number;
  /** 1-minute load average before the describe runs and after them. */
  readonly load_average: readonly number[];
  readonly embedded: DescribeEngineResult | DescribeEngineUnavailable;
  readonly postgres: DescribeEngineResult | DescribeEngineUnavailable;
}

/** What bench/run.ts hands over: the HTTP machinery's settings and the app server's environment. */
export interface DescribeBenchOptions {
  readonly runsPerQuery: number;
  readonly complaints: number;
  readonly http: Omit<LoadOptions, 'path' | 'method' | 'body'>;
  /**
   * Connections for the describe route. Fewer than the cheap routes get: at
   * 50, the 50 interleaved requests of ~10 ms of CPU each all finish together
   * after ~0.5 s, so a 5 s run holds a handful of batches and its p99 is the
   * queue; 10 still keep the server's core saturated (the table's server CPU).
   */
  readonly describeConnections: number;
  readonly rounds: number;
  readonly serverCore: number;
  /** Pins this process (in-process timings run on the server core, as in bench/run.ts). */
  readonly pinTo: (core: number) => void;
  readonly loadCore: number;
  /** The app server's environment for the embedded engine (production mode, secrets, DATA_DIR). */
  readonly appEnvironment: (dataDir: string) => Record<string, string | undefined>;
}

interface EvalCase {
  readonly id: string;
  readonly language: 'hu' | 'en';
  readonly text: string;
  readonly make?: string;
}

interface BenchQuery {
  readonly id: string;
  /** A vehicle given with the text, so the complaint search runs (the case names it in its text). */
  readonly vehicle?: { readonly make: string; readonly model: string; readonly year: number };
}

/**
 * The timed queries, from eval/diagnosis-cases.json: Hungarian and English,
 * short (≤ 45 characters) and long (≥ 140), with and without accents, two with
 * make, model and year (the vehicle their text names) so the complaint search
 * runs against the generated corpus.
 */
const QUERIES: readonly BenchQuery[] = [
  { id: 'hu-airbag-03' },
  { id: 'hu-abs-02' },
  { id: 'hu-air-04' },
  { id: 'hu-thermostat-05' },
  { id: 'hu-misfire-12', vehicle: { make: 'OPEL', model: 'ASTRA', year: 2012 } },
  { id: 'hu-turbo-06' },
  { id: 'hu-lean-07' },
  { id: 'en-abs-01' },
  { id: 'en-nostart-01' },
  { id: 'en-overheat-04' },
  { id: 'en-dpf-03' },
  { id: 'en-misfire-06', vehicle: { make: 'TOYOTA', model: 'COROLLA', year: 2006 } },
];

/** The HTTP run's body: a typical Hungarian forum-style question (its text only: no vehicle, no complaint search). */
const HTTP_QUERY_ID = 'hu-misfire-12';

function evalCases(): Map<string, EvalCase> {
  const file = path.join(BENCH_DIRECTORY, '..', 'eval', 'diagnosis-cases.json');
  const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: EvalCase[] };
  return new Map(cases.map((evalCase) => [evalCase.id, evalCase]));
}

export function describeInputs(): { id: string; input: DescribeInput }[] {
  const cases = evalCases();
  return QUERIES.map((query) => {
    const evalCase = cases.get(query.id);
    if (evalCase === undefined) throw new Error(`eval/diagnosis-cases.json has no case ${query.id}`);
    const make = query.vehicle?.make ?? evalCase.make;
    return {
      id: query.id,
      input: { text: evalCase.text, ...(make === undefined ? {} : { make }), ...(query.vehicle === undefined ? {} : { model: query.vehicle.model, year: query.vehicle.year }) },
    };
  });
}

/** The body the HTTP run posts. */
export function describeHttpBody(): string {
  const evalCase = evalCases().get(HTTP_QUERY_ID);
  if (evalCase === undefined) throw new Error(`eval/diagnosis-cases.json has no case ${HTTP_QUERY_ID}`);
  return JSON.stringify({ text: evalCase.text });
}

// ---------------------------------------------------------------------------
// The generated complaint corpus

/** mulberry32: a small seeded PRNG, so every run loads the same corpus. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CORPUS_SEED = 17;

/** Make, model and the model years each appears with: 40 vehicles, the two of the timed queries among them. */
const VEHICLES: readonly { make: string; model: string; years: readonly number[] }[] = [
  { make: 'TOYOTA', model: 'COROLLA', years: [2006, 2009, 2014, 2018] },
  { make: 'OPEL', model: 'ASTRA', years: [2010, 2012, 2016] },
  { make: 'TOYOTA', model: 'CAMRY', years: [2007, 2012, 2017] },
  { make: 'HONDA', model: 'CIVIC', years: [2005, 2011, 2016] },
  { make: 'HONDA', model: 'ACCORD', years: [2008, 2013] },
  { make: 'FORD', model: 'FOCUS', years: [2008, 2012, 2015] },
  { make: 'FORD', model: 'F-150', years: [2010, 2015, 2019] },
  { make: 'CHEVROLET', model: 'CRUZE', years: [2011, 2012, 2014] },
  { make: 'CHEVROLET', model: 'SILVERADO', years: [2009, 2016] },
  { make: 'NISSAN', model: 'ALTIMA', years: [2010, 2013, 2017] },
  { make: 'HYUNDAI', model: 'ELANTRA', years: [2011, 2017] },
  { make: 'KIA', model: 'OPTIMA', years: [2012, 2015] },
  { make: 'VOLKSWAGEN', model: 'JETTA', years: [2009, 2014, 2019] },
  { make: 'SUBARU', model: 'OUTBACK', years: [2010, 2015] },
  { make: 'JEEP', model: 'GRAND CHEROKEE', years: [2011, 2014] },
];

/** NHTSA component names (COMPDESC) as complaints carry them. */
const COMPONENTS: readonly string[] = [
  'ENGINE',
  'ENGINE AND ENGINE COOLING:ENGINE',
  'ENGINE AND ENGINE COOLING:ENGINE:GASOLINE',
  'ENGINE AND ENGINE COOLING:COOLING SYSTEM',
  'FUEL/PROPULSION SYSTEM',
  'FUEL SYSTEM, GASOLINE:DELIVERY:FUEL PUMP',
  'POWER TRAIN:AUTOMATIC TRANSMISSION',
  'POWER TRAIN:AUTOMATIC TRANSMISSION:TORQUE CONVERTER',
  'ELECTRICAL SYSTEM',
  'ELECTRICAL SYSTEM:BATTERY',
  'SERVICE BRAKES, HYDRAULIC:ANTILOCK',
  'SERVICE BRAKES',
  'AIR BAGS',
  'STEERING:ELECTRIC POWER ASSIST SYSTEM',
  'SUSPENSION',
  'EXTERIOR LIGHTING:HEADLIGHTS',
  'VEHICLE SPEED CONTROL',
  'EMISSION CONTROL',
  'UNKNOWN OR OTHER',
];

/** What happened, as NHTSA's summaries put it (upper case). */
const EVENTS: readonly string[] = [
  'THE ENGINE STALLED WHILE DRIVING',
  'THE CHECK ENGINE LIGHT CAME ON',
  'THE CHECK ENGINE LIGHT WAS FLASHING',
  'THE TRANSMISSION SLIPPED',
  'THE TRANSMISSION JERKED WHEN SHIFTING FROM FIRST TO SECOND GEAR',
  'THE ENGINE HAD A MISFIRE AT IDLE',
  'THE DEALER REPLACED THE SPARK PLUGS AND THE IGNITION COILS',
  'WHITE SMOKE CAME FROM THE EXHAUST',
  'THE VEHICLE WAS LOSING COOLANT',
  'THE HEAD GASKET FAILED',
  'THE COOLING SYSTEM LEAKED',
  'THE ENGINE OVERHEATED',
  'THE TEMPERATURE GAUGE READ HOT',
  'THE ABS WARNING LIGHT ILLUMINATED',
  'THE BRAKE PEDAL WENT TO THE FLOOR',
  'THE AIR BAG WARNING LIGHT REMAINED ILLUMINATED',
  'THE STEERING WHEEL BECAME DIFFICULT TO TURN',
  'THE VEHICLE HESITATED WHEN ACCELERATING',
  'THE VEHICLE LOST POWER ON THE HIGHWAY',
  'THE BATTERY DIED',
  'THE HEADLIGHTS FLICKERED',
  'THE FUEL PUMP FAILED',
  'THE RPM FLUCTUATED AT IDLE',
  'THE VEHICLE WOULD NOT START',
  'THE ENGINE CRANKED BUT DID NOT START',
  'A BURNING SMELL CAME FROM THE ENGINE COMPARTMENT',
  'THE VEHICLE SHOOK VIOLENTLY',
  'THE CRUISE CONTROL DISENGAGED',
];

const SPEEDS: readonly string[] = ['WHILE DRIVING AT 25 MPH', 'WHILE DRIVING AT 45 MPH', 'WHILE DRIVING ON THE HIGHWAY', 'WHILE IDLING AT A TRAFFIC LIGHT', 'WHILE PARKED', 'WHILE MERGING ONTO THE FREEWAY'];

const CLOSINGS: readonly string[] = [
  'THE VEHICLE WAS TAKEN TO THE DEALER, WHO DIAGNOSED THE FAILURE BUT DID NOT REPAIR THE VEHICLE.',
  'THE VEHICLE WAS REPAIRED BY AN INDEPENDENT MECHANIC.',
  'THE MANUFACTURER WAS NOTIFIED OF THE FAILURE.',
  'THE DEALER WAS NOT CONTACTED.',
  'THE FAILURE RECURRED SEVERAL TIMES.',
];

const STATES: readonly string[] = ['CA', 'TX', 'FL', 'NY', 'OH', 'PA', 'IL', 'MI', 'GA', 'WA'];

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

/** One complaint line: a vehicle, a component and an NHTSA-style summary of two to five events. */
function generatedComplaint(random: () => number, cmplid: number): ComplaintInput {
  const vehicle = pick(random, VEHICLES);
  const year = pick(random, vehicle.years);
  const events = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(random, EVENTS));
  const miles = 5_000 + Math.floor(random() * 200_000);
  const [first = '', ...rest] = events;
  const description = [
    `THE CONTACT OWNS A ${year} ${vehicle.make} ${vehicle.model}.`,
    `THE CONTACT STATED THAT ${pick(random, SPEEDS)}, ${first}.`,
    ...rest.map((event) => `${event}.`),
    pick(random, CLOSINGS),
    `THE FAILURE MILEAGE WAS ${miles}.`,
  ].join(' ');
  const month = 1 + Math.floor(random() * 12);
  const received = `${Math.min(2025, year + 1 + Math.floor(random() * 6))}-${String(month).padStart(2, '0')}-15`;
  return {
    cmplid,
    odi_number: 11_000_000 + cmplid,
    manufacturer: `${vehicle.make} MOTOR CO.`,
    make: vehicle.make,
    model: vehicle.model,
    model_year: year,
    component: pick(random, COMPONENTS),
    crash: random() < 0.03,
    fire: random() < 0.01,
    injured: 0,
    deaths: 0,
    failure_date: received,
    received_date: received,
    state: pick(random, STATES),
    miles,
    vehicle_speed: Math.floor(random() * 70),
    description,
    complaint_type: 'IVOC',
    product_type: 'V',
    police_report: false,
    medical_attention: false,
    vehicles_towed: random() < 0.1,
  };
}

/** Complaints written per transaction. */
const CORPUS_BATCH = 5_000;

/**
 * Loads `count` generated complaints through the import path (the
 * repository's content-hashed upsert, one transaction per batch), so the
 * SQLite FTS5 triggers and the PostgreSQL GIN index work as they do on a real
 * import. Returns the seconds it took.
 */
export async function loadComplaintCorpus(database: Database, count: number): Promise<number> {
  const random = seededRandom(CORPUS_SEED);
  const started = performance.now();
  const now = new Date().toISOString();
  for (let start = 1; start <= count; start += CORPUS_BATCH) {
    const rows = Array.from({ length: Math.min(CORPUS_BATCH, count - start + 1) }, (_, index) => generatedComplaint(random, start + index));
    await database.db.transaction().execute(async (transaction) => {
      await new ComplaintsRepository(transaction).upsert(rows, now);
    });
  }
  // The planner's statistics as autovacuum would soon have them after an import this size.
  if (database.engine === 'postgres') await sql`analyze complaints`.execute(database.db);
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------
// In-process latency

/** Nearest-rank percentiles of one series. */
function latency(samples: readonly number[]): LatencyPair {
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
  return { p50_ms: roundMs(at(0.5)), p99_ms: roundMs(at(0.99)) };
}

/**
 * Warm-up rounds (one call of every query each) before the timed ones: JIT,
 * the PostgreSQL pool and each connection's text-search dictionaries. Five
 * were too few: the first timed rounds still ran ~1.5× slower than later ones.
 */
const WARMUP_ROUNDS = 20;

/**
 * Each query: warm-up calls, then `runs` timed ones. The queries take turns
 * call by call (one call of each, then the next round), so a burst of load
 * from other processes spreads over all of them instead of landing on one.
 */
async function timeQueries(database: Database, runs: number): Promise<DatasetLatency> {
  const inputs = describeInputs();
  for (let call = 0; call < WARMUP_ROUNDS; call++) for (const { input } of inputs) await describeProblem(database, input);
  const samples = new Map<string, number[]>(inputs.map(({ id }) => [id, []]));
  for (let call = 0; call < runs; call++) {
    for (const { id, input } of inputs) {
      const started = performance.now();
      await describeProblem(database, input);
      samples.get(id)?.push(performance.now() - started);
    }
  }
  return {
    queries: Object.fromEntries([...samples].map(([id, series]) => [id, latency(series)])),
    overall: latency([...samples.values()].flat()),
  };
}

/** The PostgreSQL URL: DATABASE_URL when set, else the local test server. */
export function benchPostgresUrl(): string {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? 'postgres://postgres@127.0.0.1:5432/test' : url;
}

/** Why PostgreSQL cannot be used, or undefined when it answers. Never the URL: it may carry a password. */
async function postgresUnavailable(): Promise<string | undefined> {
  const probe = createDatabase({ databaseUrl: benchPostgresUrl(), sqliteFilePath: '' });
  try {
    await probe.ping();
    return undefined;
  } catch (error) {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
    return `PostgreSQL not reachable (${code})`;
  } finally {
    await probe.close();
  }
}

interface InProcessLatency {
  readonly bundled: DatasetLatency;
  readonly complaints_50k: DatasetLatency;
}

/** The planner's statistics as autovacuum has them a minute after a sync, so the plans are those of a settled database (finding 2 of docs/PERFORMANCE.md's describe section). */
async function analyzeDiagnosisTables(database: Database): Promise<void> {
  await sql`analyze dtc_codes, diagnosis_nodes, diagnosis_edges, diagnosis_documents, diagnosis_vocabulary`.execute(database.db);
}

async function measureEngineInProcess(engine: DescribeEngine, options: DescribeBenchOptions): Promise<InProcessLatency> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-bench-describe-'));
  const schema = `bench_describe_${process.pid}`;
  const database =
    engine === 'embedded'
      ? createDatabase({ sqliteFilePath: path.join(directory, 'describe.sqlite') })
      : createDatabase({ databaseUrl: benchPostgresUrl(), sqliteFilePath: '', schema });
  try {
    await migrateToLatest(database);
    await seedDtcCodes(database);
    await syncDiagnosisIndex(database);
    // The planner's statistics as autovacuum would soon have them, so the plans are those of a settled database.
    if (engine === 'postgres') await analyzeDiagnosisTables(database);
    process.stdout.write(`  [${engine}] bundled data: ${QUERIES.length} queries, ${options.runsPerQuery} timed calls each\n`);
    const bundled = await timeQueries(database, options.runsPerQuery);
    const seconds = await loadComplaintCorpus(database, options.complaints);
    process.stdout.write(`  [${engine}] loaded ${options.complaints} generated complaints in ${seconds.toFixed(1)} s; timing again\n`);
    const withComplaints = await timeQueries(database, options.runsPerQuery);
    return { bundled, complaints_50k: withComplaints };
  } finally {
    if (engine === 'postgres') await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// HTTP throughput

/** Far above what one load generator sends in a minute: the public per-address limit is not under test (bench servers only). */
const BENCH_PUBLIC_RATE_LIMIT = 1_000_000_000;

interface HttpRuns {
  readonly bare: LoadResult;
  readonly describe: Partial<Record<DescribeEngine, LoadResult>>;
}

/**
 * The bare route and the describe route of an app server per engine, all
 * started first, then measured in turn `rounds` times (the median counts),
 * like bench/run.ts's routes. The app servers run on the bundled data,
 * seeded and indexed at start-up as src/main.ts does.
 */
async function measureHttp(engines: readonly DescribeEngine[], options: DescribeBenchOptions): Promise<HttpRuns> {
  const dataDirectories: string[] = [];
  const servers: RunningServer[] = [];
  const schema = `bench_describe_${process.pid}_http`;
  try {
    const bare = await startServer('bare', options.serverCore, {});
    servers.push(bare);
    const plan: [string, RunningServer, LoadOptions][] = [['bare', bare, { ...options.http, path: BENCH_ROUTE }]];
    for (const engine of engines) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-bench-describe-server-'));
      dataDirectories.push(dataDir);
      const server = await startServer('app', options.serverCore, {
        ...options.appEnvironment(dataDir),
        BENCH_SEED_DIAGNOSIS: '1',
        BENCH_PUBLIC_RATE_LIMIT: String(BENCH_PUBLIC_RATE_LIMIT),
        ...(engine === 'postgres' ? { DATABASE_URL: benchPostgresUrl(), BENCH_DATABASE_SCHEMA: schema } : {}),
      });
      servers.push(server);
      if (engine === 'postgres') {
        // The server seeded and synced its schema at start-up; give it the statistics the in-process run has.
        const analyze = createDatabase({ databaseUrl: benchPostgresUrl(), sqliteFilePath: '', schema });
        try {
          await analyzeDiagnosisTables(analyze);
        } finally {
          await analyze.close();
        }
      }
      plan.push([engine, server, { ...options.http, connections: options.describeConnections, method: 'POST', path: DESCRIBE_ROUTE, body: describeHttpBody() }]);
    }
    const runs = new Map<string, LoadResult[]>();
    for (let round = 1; round <= options.rounds; round++) {
      for (const [name, server, loadOptions] of plan) {
        const result = await measureLoad(server, loadOptions);
        // Every started request still in flight when the run ends is not an error to autocannon: a run that completed none measured nothing.
        if (result.requests === 0) throw new Error(`${loadOptions.path}: no response within the ${loadOptions.durationSeconds} s run; raise BENCH_DURATION_SECONDS`);
        process.stdout.write(`  round ${round}/${options.rounds} ${name === 'bare' ? 'bare Fastify route' : `describe (${name})`}: ${result.rps} req/s, p99 ${result.p99_ms} ms\n`);
        runs.set(name, [...(runs.get(name) ?? []), result]);
      }
    }
    const median = (name: string): LoadResult => medianRun(runs.get(name) ?? []);
    return { bare: median('bare'), describe: Object.fromEntries(engines.map((engine) => [engine, median(engine)])) };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (engines.includes('postgres')) {
      const cleanup = createDatabase({ databaseUrl: benchPostgresUrl(), sqliteFilePath: '' });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(cleanup.db);
      await cleanup.close();
    }
    for (const directory of dataDirectories) rmSync(directory, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// The whole part, and its table

/** What the table shows beside results.json. */
export interface DescribeDetails {
  readonly http: HttpRuns;
}

export async function measureDescribe(options: DescribeBenchOptions): Promise<{ block: DescribeBlock; details: DescribeDetails }> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const started = performance.now();
  const postgresProblem = await postgresUnavailable();
  const engines = DESCRIBE_ENGINES.filter((engine) => engine === 'embedded' || postgresProblem === undefined);
  const inProcess = new Map<DescribeEngine, InProcessLatency>();
  process.stdout.write(`\n== describe: in-process latency (${QUERIES.length} queries × ${options.runsPerQuery} calls; bundled data, then ${options.complaints} generated complaints)\n`);
  if (postgresProblem !== undefined) process.stdout.write(`  [postgres] skipped: ${postgresProblem}\n`);
  options.pinTo(options.serverCore);
  try {
    for (const engine of engines) inProcess.set(engine, await measureEngineInProcess(engine, options));
  } finally {
    options.pinTo(options.loadCore);
  }
  process.stdout.write(
    `== describe: HTTP throughput (${options.rounds} rounds of ${options.http.durationSeconds} s; ${options.http.connections} connections for the bare route, ${options.describeConnections} for describe)\n`,
  );
  const http = await measureHttp(engines, options);
  process.stdout.write(`== describe: done in ${Math.round((performance.now() - started) / 1000)} s\n`);
  const engineResult = (engine: DescribeEngine): DescribeEngineResult | DescribeEngineUnavailable => {
    const latencies = inProcess.get(engine);
    const load = http.describe[engine];
    if (latencies === undefined || load === undefined) return { unavailable: postgresProblem ?? 'not measured' };
    // Three significant digits: the ratio is far below 0.001 on PostgreSQL.
    return { ...latencies, http: { rps: load.rps, p99_ms: load.p99_ms, ratio_to_bare: Number((load.rps / http.bare.rps).toPrecision(3)) } };
  };
  return {
    block: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      runs_per_query: options.runsPerQuery,
      complaints: options.complaints,
      load_average: [loadBefore, os.loadavg()[0] ?? 0].map((value) => Math.round(value * 100) / 100),
      embedded: engineResult('embedded'),
      postgres: engineResult('postgres'),
    },
    details: { http },
  };
}

const pad = (text: string | number, width: number): string => String(text).padStart(width);

/**
 * The bound a describe answer must stay within: the overall p99 of
 * `describeProblem` on each engine, bundled data and with the complaint
 * corpus. A driver waits for it; two hundred and fifty milliseconds still
 * reads as immediate on the page.
 */
export const DESCRIBE_P99_BOUND_MS = 250;

function isMeasured(result: DescribeEngineResult | DescribeEngineUnavailable): result is DescribeEngineResult {
  return !('unavailable' in result);
}

export function describeTable(block: DescribeBlock, details: DescribeDetails): string {
  const lines: string[] = [
    `\nDESCRIBE (${block.node}, ${block.cpus} CPUs; 1-minute load average ${block.load_average.map((value) => value.toFixed(2)).join(' → ')}; ${block.runs_per_query} calls per query)`,
  ];
  const engines = DESCRIBE_ENGINES.map((engine) => [engine, block[engine]] as const);
  const header = engines.map(([engine]) => `${pad(`${engine} p50/p99`, 22)}${pad(`+${block.complaints / 1000}k p50/p99`, 22)}`).join('');
  lines.push(`${'query (ms)'.padEnd(18)}${header}`);
  const cell = (result: DescribeEngineResult | DescribeEngineUnavailable, pick: (latency: InProcessLatency) => LatencyPair | undefined): string => {
    if (!isMeasured(result)) return pad('—', 22);
    const pair = pick(result);
    return pad(pair === undefined ? '—' : `${pair.p50_ms.toFixed(2)} / ${pair.p99_ms.toFixed(2)}`, 22);
  };
  for (const { id } of QUERIES) {
    lines.push(`${id.padEnd(18)}${engines.map(([, result]) => cell(result, (latency) => latency.bundled.queries[id]) + cell(result, (latency) => latency.complaints_50k.queries[id])).join('')}`);
  }
  lines.push(`${'overall'.padEnd(18)}${engines.map(([, result]) => cell(result, (latency) => latency.bundled.overall) + cell(result, (latency) => latency.complaints_50k.overall)).join('')}`);
  for (const [engine, result] of engines) if (!isMeasured(result)) lines.push(`${engine}: ${result.unavailable}`);
  for (const [engine, result] of engines) {
    if (!isMeasured(result)) continue;
    const worst = Math.max(result.bundled.overall.p99_ms, result.complaints_50k.overall.p99_ms);
    lines.push(`${engine}: overall p99 ${worst.toFixed(1)} ms (bound ≤ ${DESCRIBE_P99_BOUND_MS} ms): ${worst <= DESCRIBE_P99_BOUND_MS ? 'pass' : 'MISS'}`);
  }
  lines.push(`${'http'.padEnd(18)}${pad('req/s', 9)}${pad('p99 ms', 9)}${pad('÷ bare', 9)}${pad('server cpu', 12)}${pad('µs cpu/req', 12)}${pad('other cpu', 11)}`);
  const bare = details.http.bare;
  lines.push(`${'bare'.padEnd(18)}${pad(bare.rps, 9)}${pad(bare.p99_ms, 9)}${pad('1.000', 9)}${pad(bare.serverCpu, 12)}${pad(bare.serverCpuPerRequestUs, 12)}${pad(bare.otherCpu, 11)}`);
  for (const [engine, result] of engines) {
    const load = details.http.describe[engine];
    if (!isMeasured(result) || load === undefined) continue;
    lines.push(`${`describe ${engine}`.padEnd(18)}${pad(load.rps, 9)}${pad(load.p99_ms, 9)}${pad(result.http.ratio_to_bare.toPrecision(3), 9)}${pad(load.serverCpu, 12)}${pad(load.serverCpuPerRequestUs, 12)}${pad(load.otherCpu, 11)}`);
  }
  return lines.join('\n');
}
