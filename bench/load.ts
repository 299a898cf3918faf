/**
 * `npm run bench:load`: a mixed workload against the real server (a child
 * process, `src/main.ts`) on a private redis-server and a private PostgreSQL
 * cluster, both on free loopback ports. Not part of `npm test`.
 *
 * One virtual client per connection, each with its own account, session,
 * CSRF token and garage vehicle: DTC search and lookups, vehicle recalls,
 * garage vehicle create/delete and notes (CSRF), /me, refreshes (at most
 * 3 per account, far under the 5-per-hour limit) and, for a few clients, a
 * logout followed by a fresh login. Every response is classified against the
 * statuses expected for its kind; any other status counts as unexpected.
 * The server's resident memory (VmRSS) is sampled every second.
 *
 * The public route groups allow 120 requests per minute per client address:
 * the server trusts 127.0.0.1 as a proxy and each request carries an
 * `X-Forwarded-For` address from a pool of 4096, so no address comes near
 * the limit (the load of many clients behind a proxy). It also sends
 * `X-Forwarded-Proto: https`, as a TLS-terminating proxy does (production
 * redirects plain HTTP to HTTPS).
 *
 * Knobs (environment): LOAD_DURATION_SECONDS (default 60), LOAD_CONNECTIONS
 * (default 100), LOAD_WARMUP_SECONDS (default 15). Writes the `load` key of
 * bench/results.json (other keys kept).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgresServer, type PostgresServerHandle } from '../test/helpers/postgres-server.js';
import { freePort } from '../test/helpers/process.js';
import { startRedisServer, type RedisServerHandle } from '../test/helpers/redis-server.js';

const BENCH_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(BENCH_DIRECTORY, '..');
const RESULTS_FILE = path.join(BENCH_DIRECTORY, 'results.json');

const numberFromEnvironment = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const DURATION_SECONDS = numberFromEnvironment('LOAD_DURATION_SECONDS', 60);
const CONNECTIONS = numberFromEnvironment('LOAD_CONNECTIONS', 100);
const WARMUP_SECONDS = numberFromEnvironment('LOAD_WARMUP_SECONDS', 15);
/** The window the memory verdict looks at: the last 30 s of the run. */
const TAIL_SECONDS = Math.min(30, Math.max(5, DURATION_SECONDS - WARMUP_SECONDS));
/** Refresh rotations per account during the run (the limit is 5 per hour). */
const REFRESHES_PER_USER = 3;
/** Clients that sign out and in again once during the run. */
const RELOGIN_CLIENTS = Math.min(10, CONNECTIONS);
/** Flat memory: growth over the last 30 s under 10 MB or 5 % of the warm RSS. */
const FLAT_GROWTH_MB = 10;
const FLAT_GROWTH_SHARE = 0.05;
const ADDRESS_POOL = 4096;
/** Generated per run: no password is ever written into the repository. */
const PASSWORD = randomBytes(18).toString('base64url');
const REQUEST_TIMEOUT_MS = 10_000;

type Kind =
  | 'dtc_search'
  | 'dtc_lookup'
  | 'vehicle_recalls'
  | 'me'
  | 'garage_list'
  | 'garage_recalls'
  | 'vehicle_create'
  | 'vehicle_delete'
  | 'note_create'
  | 'refresh'
  | 'logout'
  | 'login';

/** The statuses each kind may answer; anything else is unexpected. */
const EXPECTED: Record<Kind, readonly number[]> = {
  dtc_search: [200],
  dtc_lookup: [200],
  vehicle_recalls: [200],
  me: [200],
  garage_list: [200],
  garage_recalls: [200],
  vehicle_create: [201],
  vehicle_delete: [204],
  note_create: [201],
  refresh: [200],
  logout: [204],
  login: [200],
};

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

// ---------------------------------------------------------------- HTTP client

let addressCounter = 0;
/** A client address from the pool, round-robin (10.0.x.y). */
function nextAddress(): string {
  const n = addressCounter++ % ADDRESS_POOL;
  return `10.0.${n >> 8}.${n & 255}`;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  /** The error code, a body excerpt or the transport error, for failures. */
  readonly detail: string;
}

class Recorder {
  readonly latencies: number[] = [];
  readonly byKind = new Map<Kind, number>();
  readonly latenciesByKind = new Map<Kind, number[]>();
  readonly unexpected = new Map<string, number>();
  recording = false;

  record(kind: Kind, status: number, ms: number, detail: string): void {
    if (!this.recording) return;
    this.latencies.push(ms);
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    const list = this.latenciesByKind.get(kind) ?? [];
    list.push(ms);
    this.latenciesByKind.set(kind, list);
    if (!EXPECTED[kind].includes(status)) {
      const key = `${kind} ${status} ${detail}`.slice(0, 200);
      this.unexpected.set(key, (this.unexpected.get(key) ?? 0) + 1);
    }
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

function storeCookies(jar: Map<string, string>, headers: Headers): void {
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    const index = pair?.indexOf('=') ?? -1;
    if (pair === undefined || index < 1) continue;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}

/** One simulated user: its tokens, cookies and garage. */
class Client {
  readonly jar = new Map<string, string>();
  access = '';
  refreshToken = '';
  csrf = '';
  baseVehicle = '';
  readonly extraVehicles: string[] = [];
  refreshes = 0;
  readonly address = nextAddress();

  constructor(
    readonly base: string,
    readonly email: string,
    readonly recorder: Recorder,
  ) {}

  async request(kind: Kind | undefined, method: string, url: string, options: { body?: unknown; auth?: boolean; publicRoute?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // As a TLS-terminating proxy would: the client's address and the original scheme.
    headers['x-forwarded-for'] = options.publicRoute === true ? nextAddress() : this.address;
    headers['x-forwarded-proto'] = 'https';
    if (options.auth !== false && this.access !== '') headers.authorization = `Bearer ${this.access}`;
    if (method !== 'GET') {
      if (this.csrf !== '') headers['x-csrf-token'] = this.csrf;
    }
    if (this.jar.size > 0) headers.cookie = cookieHeader(this.jar);
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const started = performance.now();
    let status = 0;
    let detail = '';
    let body: unknown;
    let responseHeaders = new Headers();
    try {
      const response = await fetch(`${this.base}${url}`, { method, headers, body: payload, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      status = response.status;
      responseHeaders = response.headers;
      const text = await response.text();
      storeCookies(this.jar, response.headers);
      body = text === '' ? undefined : JSON.parse(text);
      if (status >= 300) detail = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : text.slice(0, 80);
    } catch (error) {
      detail = error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    const ms = performance.now() - started;
    if (kind !== undefined) this.recorder.record(kind, status, ms, detail);
    return { status, headers: responseHeaders, body, detail };
  }

  private expectStatus(answer: Answer, status: number, what: string): void {
    if (answer.status !== status) throw new Error(`${what} for ${this.email}: ${answer.status} ${answer.detail}`);
  }

  private takeTokens(body: unknown): void {
    const tokens = body as { access_token: string; refresh_token: string; csrf_token?: string };
    this.access = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
    if (tokens.csrf_token !== undefined) this.csrf = tokens.csrf_token;
  }

  /** Setup, outside the measurement: CSRF token, registration, sign-in, one garage vehicle. */
  async setUp(): Promise<void> {
    const csrf = await this.request(undefined, 'GET', '/api/v1/auth/csrf-token');
    this.expectStatus(csrf, 200, 'csrf-token');
    this.csrf = (csrf.body as { csrf_token: string }).csrf_token;
    this.expectStatus(await this.request(undefined, 'POST', '/api/v1/auth/register', { body: { email: this.email, password: PASSWORD } }), 201, 'register');
    await this.logIn(undefined);
    const vehicle = await this.request(undefined, 'POST', '/api/v1/garage/vehicles', { body: { make: 'honda', model: 'civic', year: 2018, nickname: 'daily' } });
    this.expectStatus(vehicle, 201, 'vehicle');
    this.baseVehicle = (vehicle.body as { id: string }).id;
  }

  async logIn(kind: Kind | undefined): Promise<void> {
    this.access = '';
    const answer = await this.request(kind, 'POST', '/api/v1/auth/login', { body: { email: this.email, password: PASSWORD } });
    if (answer.status !== 200) throw new Error(`login for ${this.email}: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.takeTokens(answer.body);
  }

  async refresh(): Promise<void> {
    this.refreshes++;
    const answer = await this.request('refresh', 'POST', '/api/v1/auth/refresh', { body: { refresh_token: this.refreshToken } });
    if (answer.status === 200) this.takeTokens(answer.body);
  }

  /** Sign out (the answer carries a fresh anonymous CSRF token), then sign in again. */
  async logOutAndIn(): Promise<void> {
    const answer = await this.request('logout', 'POST', '/api/v1/auth/logout', { body: { refresh_token: this.refreshToken } });
    const token = answer.headers.get('x-csrf-token');
    if (token !== null) this.csrf = token;
    await this.logIn('login');
  }
}

// ---------------------------------------------------------------- workload

interface Catalogue {
  readonly codes: readonly string[];
  readonly searches: readonly string[];
}

const pick = <T>(items: readonly T[]): T => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
};

const VEHICLES: readonly [string, string, number][] = [
  ['HONDA', 'CIVIC', 2018],
  ['FORD', 'F-150', 2015],
  ['TOYOTA', 'CAMRY', 2012],
];

/** One step of a client's mix (weights: reads dominate, as in real traffic). */
async function step(client: Client, catalogue: Catalogue): Promise<void> {
  const roll = Math.random() * 100;
  if (roll < 25) {
    const q = pick(catalogue.searches);
    await client.request('dtc_search', 'GET', `/api/v1/dtc/search?q=${encodeURIComponent(q)}&limit=20`, { publicRoute: true, auth: false });
  } else if (roll < 45) {
    await client.request('dtc_lookup', 'GET', `/api/v1/dtc/${pick(catalogue.codes)}`, { publicRoute: true, auth: false });
  } else if (roll < 55) {
    const [make, model, year] = pick(VEHICLES);
    await client.request('vehicle_recalls', 'GET', `/api/v1/vehicles/${encodeURIComponent(make)}/${encodeURIComponent(model)}/${year}/recalls`, { publicRoute: true, auth: false });
  } else if (roll < 65) {
    await client.request('me', 'GET', '/api/v1/auth/me');
  } else if (roll < 72) {
    await client.request('garage_list', 'GET', '/api/v1/garage/vehicles');
  } else if (roll < 77) {
    await client.request('garage_recalls', 'GET', `/api/v1/garage/vehicles/${client.baseVehicle}/recalls`);
  } else if (roll < 87) {
    await client.request('note_create', 'POST', `/api/v1/garage/vehicles/${client.baseVehicle}/notes`, { body: { codes: [pick(catalogue.codes)], symptoms: 'rough idle when cold' } });
  } else if (client.extraVehicles.length < 3) {
    const answer = await client.request('vehicle_create', 'POST', '/api/v1/garage/vehicles', { body: { make: 'toyota', model: 'camry', year: 2012 } });
    if (answer.status === 201) client.extraVehicles.push((answer.body as { id: string }).id);
  } else {
    const id = client.extraVehicles.shift();
    if (id !== undefined) await client.request('vehicle_delete', 'DELETE', `/api/v1/garage/vehicles/${id}`);
  }
}

async function runClient(client: Client, index: number, catalogue: Catalogue, startedAt: number, endsAt: number): Promise<void> {
  const seconds = DURATION_SECONDS;
  // Refreshes spread over the run (each with the latest refresh token), offset per client.
  const refreshAt = Array.from({ length: REFRESHES_PER_USER }, (_, i) => startedAt + (((i + 1) / (REFRESHES_PER_USER + 1)) * seconds + ((index % 10) - 5) * 0.3) * 1000);
  let reloginAt = index < RELOGIN_CLIENTS ? startedAt + (0.3 + (0.4 * index) / RELOGIN_CLIENTS) * seconds * 1000 : Infinity;
  while (performance.now() < endsAt) {
    const now = performance.now();
    const due = refreshAt[0];
    if (due !== undefined && now >= due && client.refreshes < REFRESHES_PER_USER) {
      refreshAt.shift();
      await client.refresh();
    } else if (now >= reloginAt) {
      reloginAt = Infinity;
      await client.logOutAndIn();
    } else {
      await step(client, catalogue);
    }
  }
}

// ---------------------------------------------------------------- processes

interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

function startAppServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => {
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server did not start');
  return {
    child,
    pid,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function runCommand(args: readonly string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${String(code)}:\n${output.slice(-4000)}`);
  return output;
}

async function waitForHealth(base: string, server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}):\n${server.output()}`);
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) });
      await response.text();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not become healthy within 30 s:\n${server.output()}`);
}

function residentMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** A few recalls for the vehicles the workload asks about, so the recall routes return rows. */
async function insertRecalls(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    for (const [make, model, year] of VEHICLES) {
      for (let i = 0; i < 3; i++) {
        n++;
        await client.query(
          `INSERT INTO recalls (recall_key, campaign_number, make, model, model_year, component, defect_summary, report_received_date, content_hash, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) ON CONFLICT DO NOTHING`,
          [`load-${n}`, `26V${String(n).padStart(3, '0')}000`, make, model, year, 'ENGINE', 'load bench recall', `2026-0${(i % 9) + 1}-01`, randomBytes(32).toString('hex')],
        );
      }
    }
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- statistics

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/** Least-squares slope (MB per second) of (t, rss) samples. */
function slope(samples: readonly { t: number; mb: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((sum, s) => sum + s.t, 0) / n;
  const meanMb = samples.reduce((sum, s) => sum + s.mb, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const s of samples) {
    numerator += (s.t - meanT) * (s.mb - meanMb);
    denominator += (s.t - meanT) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

// ---------------------------------------------------------------- main

interface LoadBlock {
  readonly date: string;
  readonly duration_s: number;
  readonly connections: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly unexpected: number;
  readonly by_kind: Record<string, number>;
  /** Informational: p99 per kind. */
  readonly p99_by_kind_ms: Record<string, number>;
  readonly rss_mb: { readonly warm: number; readonly last30_max: number; readonly growth_last30: number; readonly flat: boolean };
}

async function main(): Promise<void> {
  let redis: RedisServerHandle | undefined;
  let postgres: PostgresServerHandle | undefined;
  let server: ServerProcess | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-load-'));
  try {
    process.stdout.write('starting redis-server and PostgreSQL on free loopback ports\n');
    redis = await startRedisServer();
    postgres = await startPostgresServer();
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      COOKIE_SECURE: 'true',
      JWT_SECRET_KEY: randomBytes(48).toString('base64url'),
      METRICS_TOKEN: randomBytes(48).toString('base64url'),
      // Production requires a mail server for password resets; the workload never sends mail.
      SMTP_URL: 'smtp://127.0.0.1:9',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      // The load generator plays a proxy in front of many clients (see the header comment).
      TRUST_PROXY: '127.0.0.1',
    };
    process.stdout.write('seeding (autocognitix seed)\n');
    await runCommand([path.join('src', 'cli', 'main.ts'), 'seed'], env);
    await insertRecalls(postgres.url);

    server = startAppServer(env);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, server);
    process.stdout.write(`server pid ${server.pid} on ${base}; creating ${CONNECTIONS} users\n`);

    const recorder = new Recorder();
    const stamp = Date.now().toString(36);
    const clients = Array.from({ length: CONNECTIONS }, (_, i) => new Client(base, `load-${stamp}-${i}@example.com`, recorder));
    for (let i = 0; i < clients.length; i += 10) await Promise.all(clients.slice(i, i + 10).map((client) => client.setUp()));

    // The catalogue the lookups draw from: codes the seed loaded.
    const searchAnswer = await clients[0]?.request(undefined, 'GET', '/api/v1/dtc/search?q=P03&limit=100', { publicRoute: true, auth: false });
    const codes = ((searchAnswer?.body as { items?: { code: string }[] } | undefined)?.items ?? []).map((item) => item.code);
    if (codes.length === 0) throw new Error(`no seeded codes found: ${JSON.stringify(searchAnswer?.body)}`);
    const catalogue: Catalogue = { codes, searches: ['misfire', 'P03', 'oxygen sensor', 'P0', 'fuel', 'catalyst', 'B1', 'U0100', 'transmission', 'coolant'] };

    process.stdout.write(`running the mixed workload: ${DURATION_SECONDS} s at ${CONNECTIONS} connections\n`);
    const loadBefore = os.loadavg()[0] ?? 0;
    const rss: { t: number; mb: number }[] = [];
    const startedAt = performance.now();
    const endsAt = startedAt + DURATION_SECONDS * 1000;
    const serverPid = server.pid;
    const sampler = setInterval(() => {
      const mb = residentMb(serverPid);
      if (mb !== undefined) rss.push({ t: (performance.now() - startedAt) / 1000, mb });
    }, 1000);
    recorder.recording = true;
    try {
      await Promise.all(clients.map((client, index) => runClient(client, index, catalogue, startedAt, endsAt)));
    } finally {
      clearInterval(sampler);
      recorder.recording = false;
    }
    const elapsed = (performance.now() - startedAt) / 1000;

    const sorted = [...recorder.latencies].sort((a, b) => a - b);
    const unexpected = [...recorder.unexpected.values()].reduce((sum, n) => sum + n, 0);
    const warmSample = rss.find((sample) => sample.t >= WARMUP_SECONDS) ?? rss[0];
    const tail = rss.filter((sample) => sample.t >= DURATION_SECONDS - TAIL_SECONDS);
    // Growth over the tail: the least-squares slope times the window (robust to single GC spikes).
    const growth = slope(tail) * TAIL_SECONDS;
    const warm = warmSample?.mb ?? 0;
    const flat = growth < Math.max(FLAT_GROWTH_MB, warm * FLAT_GROWTH_SHARE);
    const block: LoadBlock = {
      date: new Date().toISOString(),
      duration_s: round(elapsed, 1),
      connections: CONNECTIONS,
      requests: sorted.length,
      rps: Math.round(sorted.length / elapsed),
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      max_ms: round(sorted.at(-1) ?? 0),
      unexpected,
      by_kind: Object.fromEntries([...recorder.byKind].sort(([a], [b]) => a.localeCompare(b))),
      p99_by_kind_ms: Object.fromEntries([...recorder.latenciesByKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, list]) => [kind, round(percentile([...list].sort((a, b) => a - b), 99))])),
      rss_mb: { warm: round(warm, 1), last30_max: round(Math.max(...tail.map((sample) => sample.mb)), 1), growth_last30: round(growth, 1), flat },
    };

    const existing: Record<string, unknown> = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...existing, load: block }, null, 2)}\n`);

    const lines = [
      '',
      `1-minute load average: ${loadBefore.toFixed(2)} before, ${(os.loadavg()[0] ?? 0).toFixed(2)} after`,
      `LOAD (${process.version}, ${os.cpus().length} CPUs, Redis + PostgreSQL): ${block.duration_s} s at ${CONNECTIONS} connections`,
      `requests ${block.requests}, ${block.rps} req/s, p50 ${block.p50_ms} ms, p99 ${block.p99_ms} ms, max ${block.max_ms} ms`,
      `${'kind'.padEnd(18)}${'count'.padStart(9)}${'p99 ms'.padStart(10)}`,
      ...Object.entries(block.by_kind).map(([kind, count]) => `${kind.padEnd(18)}${String(count).padStart(9)}${String(block.p99_by_kind_ms[kind] ?? '').padStart(10)}`),
      `unexpected statuses: ${unexpected}${unexpected === 0 ? ' (pass)' : ' (FAIL)'}`,
      ...[...recorder.unexpected].map(([key, count]) => `  ${String(count).padStart(6)} × ${key}`),
      `RSS MB: at warm-up end (${WARMUP_SECONDS} s) ${block.rss_mb.warm}, max over the last ${TAIL_SECONDS} s ${block.rss_mb.last30_max}, growth over the last ${TAIL_SECONDS} s ${block.rss_mb.growth_last30} (${flat ? 'flat' : 'GROWING'}; limit ${FLAT_GROWTH_MB} MB or ${FLAT_GROWTH_SHARE * 100} %)`,
      `RSS samples (MB, one per second): ${rss.map((sample) => Math.round(sample.mb)).join(' ')}`,
      `written to ${path.relative(PROJECT_ROOT, RESULTS_FILE)} ("load")`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (unexpected > 0 || !flat) process.exitCode = 1;
  } finally {
    await server?.stop().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    await postgres?.destroy().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
