/**
 * `npm run bench` (or `npm run bench -- --only scan_import`): importing a
 * generated 50 MB Torque Pro CSV log through the scan import
 * (src/garage/scan-import.ts, the path the upload route and the CLI share),
 * in a child process that does only that, on the embedded SQLite default. The
 * issue's goal: it streams, and the child's peak resident memory stays under
 * 150 MB. Writes `scan_import: {bytes, rows, seconds, peak_rss_mb, …}` into
 * bench/results.json (bench/run.ts).
 *
 * The child runs compiled JavaScript, as a release does (`dist/`): this file
 * and what it imports are compiled with tsc into a temporary folder first, so
 * the number is the import's and not the TypeScript loader's. Run with
 * `--child <file> <data dir>` it is that child: it opens a fresh database,
 * imports the file once and prints one JSON line with the import's time, the
 * resident memory before it and the peak.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.dirname(BENCH_DIRECTORY);
/** The log: 50 MB. */
export const SCAN_IMPORT_BYTES = 50 * 1000 * 1000;
/** The goal for the importing process. */
export const SCAN_IMPORT_RSS_GOAL_MB = 150;

export interface ScanImportBlock {
  readonly date: string;
  readonly node: string;
  readonly bytes: number;
  readonly rows: number;
  /** The import alone (parse, downsample, store), in the child. */
  readonly seconds: number;
  /** The child's peak resident set (maxRSS): Node, the database and the import. */
  readonly peak_rss_mb: number;
  /** The child's resident set after opening the database, before the import. */
  readonly baseline_rss_mb: number;
  readonly rss_goal_mb: number;
  readonly series: number;
  readonly points_stored: number;
}

const HEADER =
  'GPS Time,Device Time,Longitude,Latitude,GPS Speed (Meters/second),Engine RPM(rpm),Speed (OBD)(km/h),Engine Coolant Temperature(°C),' +
  'Fuel Trim Bank 1 Short Term(%),Fuel Trim Bank 1 Long Term(%),Intake Manifold Pressure(kPa),Mass Air Flow Rate(g/s),Throttle Position(Manifold)(%),' +
  'Engine Load(%),Intake Air Temperature(°C),Turbo Boost & Vacuum Gauge(psi),Voltage (OBD Adapter)(V),Trip Name';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (value: number): string => String(value).padStart(2, '0');

function row(index: number, start: number): string {
  const time = new Date(start + index * 100);
  const gps = `${DAYS[time.getUTCDay()] ?? 'Mon'} ${MONTHS[time.getUTCMonth()] ?? 'Jan'} ${two(time.getUTCDate())} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} GMT+00:00 ${time.getUTCFullYear()}`;
  const device = `${two(time.getUTCDate())}-${MONTHS[time.getUTCMonth()] ?? 'Jan'}-${time.getUTCFullYear()} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}.${String(time.getUTCMilliseconds()).padStart(3, '0')}`;
  const phase = index / 50;
  const rpm = (1800 + 1200 * Math.sin(phase)).toFixed(1);
  const speed = (60 + 40 * Math.sin(phase / 7)).toFixed(1);
  return [
    gps,
    device,
    (19.04 + index * 1e-6).toFixed(6),
    (47.49 + index * 1e-6).toFixed(6),
    (Number(speed) / 3.6).toFixed(2),
    rpm,
    speed,
    (88 + 4 * Math.sin(phase / 13)).toFixed(1),
    (2 * Math.sin(phase * 3)).toFixed(2),
    (6.3 + Math.sin(phase / 50)).toFixed(2),
    (45 + 30 * Math.sin(phase)).toFixed(1),
    (12 + 8 * Math.sin(phase)).toFixed(2),
    (20 + 15 * Math.sin(phase)).toFixed(1),
    (40 + 25 * Math.sin(phase)).toFixed(1),
    (25 + Math.sin(phase / 100)).toFixed(1),
    (-5 + 10 * Math.sin(phase)).toFixed(2),
    (14.1 + 0.1 * Math.sin(phase)).toFixed(2),
    'Bench trip',
  ].join(',');
}

/** Writes a Torque log of at least `bytes` (streamed, with back-pressure); returns its rows. */
export async function writeTorqueLog(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const start = Date.UTC(2026, 11, 3, 14, 0, 0);
  let written = 0;
  let rows = 0;
  const header = `${HEADER}\n`;
  out.write(header);
  written += Buffer.byteLength(header);
  const batch: string[] = [];
  while (written < bytes) {
    const line = `${row(rows, start)}\n`;
    rows += 1;
    written += Buffer.byteLength(line);
    batch.push(line);
    if (batch.length === 1000 || written >= bytes) {
      if (!out.write(batch.join(''))) await once(out, 'drain');
      batch.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** The child: a fresh embedded database, one vehicle, one import. */
async function child(file: string, dataDir: string): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { openRuntime } = await import('../src/runtime.js');
  const { UsersRepository } = await import('../src/db/repositories/users.js');
  const { GarageRepository } = await import('../src/db/repositories/garage.js');
  const { ScansRepository } = await import('../src/db/repositories/scans.js');
  const { importScan } = await import('../src/garage/scan-import.js');
  const runtime = await openRuntime(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir }).config, { migrate: true });
  try {
    const user = await new UsersRepository(runtime.database.db).create({ email: 'bench@example.com', passwordHash: 'not-a-hash', fullName: null });
    const vehicle = await new GarageRepository(runtime.database.db).addVehicle(user.id, { make: 'Opel', model: 'Astra', year: 2012 });
    const scans = new ScansRepository(runtime.database.db);
    const baselineKb = Math.round(process.memoryUsage().rss / 1024);
    const started = process.hrtime.bigint();
    const result = await importScan(scans, { userId: user.id, vehicleId: vehicle.id, fileName: path.basename(file), chunks: createReadStream(file, { highWaterMark: 256 * 1024 }), now: () => new Date().toISOString() });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.kind !== 'added') throw new Error(`import refused: ${result.kind}`);
    const points = Object.values(result.scan.series).reduce((total, series) => total + series.points.length, 0);
    process.stdout.write(`${JSON.stringify({ seconds, baselineKb, maxRssKb: process.resourceUsage().maxRSS, series: result.scan.series_names.length, points, format: result.scan.format })}\n`);
  } finally {
    await runtime.close();
  }
}

/** Runs a process to its end; throws with its stderr when it fails. */
async function run(command: string, args: readonly string[]): Promise<string> {
  const started = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  started.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  started.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  const [code] = (await once(started, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited with ${String(code)}: ${errors}${output}`);
  return output;
}

/** This file and what it imports, compiled into `folder` (JavaScript as a release runs it); returns the compiled child. */
async function compileChild(folder: string): Promise<string> {
  const tsconfig = path.join(folder, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(PROJECT_ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: PROJECT_ROOT, outDir: path.join(folder, 'build'), noEmit: false, sourceMap: false },
      files: [path.join(BENCH_DIRECTORY, 'scan-import.ts')],
      include: [],
    }),
  );
  await run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig]);
  // The compiled files find the project's packages through this link.
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(folder, 'node_modules'), 'dir');
  return path.join(folder, 'build', 'bench', 'scan-import.js');
}

/** Generates the log, runs the child once, and returns the numbers and a table line. */
export async function measureScanImport(options: { bytes?: number } = {}): Promise<{ block: ScanImportBlock; table: string }> {
  const bytes = options.bytes ?? SCAN_IMPORT_BYTES;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-bench-scan-'));
  try {
    const file = path.join(scratch, 'torque-log.csv');
    const rows = await writeTorqueLog(file, bytes);
    const size = statSync(file).size;
    const dataDir = path.join(scratch, 'data');
    const compiled = await compileChild(scratch);
    const output = await run(process.execPath, [compiled, '--child', file, dataDir]);
    const measured = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { seconds: number; baselineKb: number; maxRssKb: number; series: number; points: number };
    const block: ScanImportBlock = {
      date: new Date().toISOString(),
      node: process.version,
      bytes: size,
      rows,
      seconds: Math.round(measured.seconds * 100) / 100,
      peak_rss_mb: Math.round((measured.maxRssKb / 1024) * 10) / 10,
      baseline_rss_mb: Math.round((measured.baselineKb / 1024) * 10) / 10,
      rss_goal_mb: SCAN_IMPORT_RSS_GOAL_MB,
      series: measured.series,
      points_stored: measured.points,
    };
    const verdict = block.peak_rss_mb < SCAN_IMPORT_RSS_GOAL_MB ? 'ok' : 'OVER';
    const table =
      `scan import (embedded SQLite, child process): ${(size / 1e6).toFixed(1)} MB Torque CSV, ${rows} rows in ${block.seconds} s ` +
      `(${(size / 1e6 / block.seconds).toFixed(1)} MB/s); peak RSS ${block.peak_rss_mb} MB (goal < ${SCAN_IMPORT_RSS_GOAL_MB} MB): ${verdict}, ` +
      `${block.baseline_rss_mb} MB of it before the import (Node and the database); ` +
      `${block.series} series, ${block.points_stored} points stored`;
    return { block, table };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [file, dataDir] = [process.argv[3], process.argv[4]];
  if (file === undefined || dataDir === undefined) throw new Error('usage: scan-import.ts --child <file> <data dir>');
  child(file, dataDir).catch((error: unknown) => {
    process.stderr.write(`scan import child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
