/**
 * HTTP throughput: each server runs as a child process pinned to one core
 * (`taskset -c <core>`), autocannon runs in this process, pinned to the
 * other core. Every response must be 2xx: a misconfigured route answering
 * fast 401s would otherwise look like a fast route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ReadyMessage } from './shared.js';
import { medianBy } from './stats.js';

const BENCH_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(BENCH_DIRECTORY, '..');

export interface RunningServer {
  readonly child: ChildProcess;
  readonly ready: ReadyMessage;
  /** Seconds of CPU (user + system) the server process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the `(comm)` field.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds all processes of the machine have spent busy (user, system, irq, steal...), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const ticks = fields.map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  // idle and iowait are the 4th and 5th fields.
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / CLOCK_TICKS_PER_SECOND;
}

/** Starts `tsx bench/server.ts <kind>` on `core` with `env`, and waits for its BENCH_READY line. */
export async function startServer(kind: 'bare' | 'app' | 'express', core: number, env: Record<string, string | undefined>): Promise<RunningServer> {
  // BENCH_PROFILE_DIR=<dir>: each server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profileDirectory = process.env.BENCH_PROFILE_DIR;
  // One folder per kind; V8 names each file by pid and thread (the largest is the main thread, not tsx's loader).
  const profiling = profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDirectory, kind)}`];
  const child = spawn('taskset', ['-c', String(core), process.execPath, ...profiling, '--import', 'tsx', path.join(BENCH_DIRECTORY, 'server.ts'), kind], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    resolve();
  }));
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-16_384);
      const line = /^BENCH_READY (.+)$/m.exec(output)?.[1];
      if (line === undefined) return;
      // From here on the server's output (request logs at LOG_LEVEL=info) is drained unread: parsing it would load this core.
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve(JSON.parse(line) as ReadyMessage);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-16_384)));
    child.once('exit', (code) => {
      reject(new Error(`bench server ${kind} exited (${String(code)}) before it was ready:\n${output.slice(-4000)}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('no pid');
  return {
    child,
    ready,
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface LoadResult {
  readonly rps: number;
  readonly p99_ms: number;
  /** Share of one core the server used during the run (1 = saturated: the server is the bottleneck). */
  readonly serverCpu: number;
  /**
   * Server CPU time per request, in microseconds: what a request costs, nearly
   * independent of other load on the machine (unlike req/s).
   */
  readonly serverCpuPerRequestUs: number;
  /** Share of one core this process (the load generator) used. */
  readonly loadGeneratorCpu: number;
  /**
   * Cores' worth of CPU used by everything else on the machine during the run
   * (other than the server, the load generator and the `alsoOurs` processes,
   * i.e. redis-server): above ~0.1 the run shared the machine and its numbers are low.
   */
  readonly otherCpu: number;
  readonly requests: number;
}

/** The run with the median req/s (its p99 and CPU shares come with it). */
export const medianRun = (runs: readonly LoadResult[]): LoadResult => medianBy(runs, (run) => run.rps);

export interface LoadOptions {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
}

function cannon(server: RunningServer, options: LoadOptions, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${server.ready.port}${options.path}`,
    method: options.method ?? 'GET',
    headers: { ...server.ready.headers, ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: options.body }),
    connections: options.connections,
    duration: durationSeconds,
  });
}

/** A warm-up run (discarded: JIT, connection pools), then the measured run. */
export async function measureLoad(server: RunningServer, options: LoadOptions, alsoOurs: readonly number[] = []): Promise<LoadResult> {
  await cannon(server, options, options.warmupSeconds);
  const oursBefore = alsoOurs.map((pid) => processCpuSeconds(pid));
  const machineBefore = machineBusySeconds();
  const serverCpuBefore = server.cpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await cannon(server, options, options.durationSeconds);
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const serverCpuSeconds = server.cpuSeconds() - serverCpuBefore;
  const oursSeconds = alsoOurs.reduce((sum, pid, index) => sum + processCpuSeconds(pid) - (oursBefore[index] ?? 0), 0);
  const otherSeconds = machineBusySeconds() - machineBefore - serverCpuSeconds - (ownCpu.user + ownCpu.system) / 1e6 - oursSeconds;
  const serverCpu = serverCpuSeconds / wallSeconds;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    const statuses = JSON.stringify(result.statusCodeStats);
    throw new Error(`${options.method ?? 'GET'} ${options.path}: ${result.non2xx} non-2xx responses (${statuses}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    rps: Math.round(result.requests.average),
    p99_ms: result.latency.p99,
    serverCpu: Math.round(serverCpu * 100) / 100,
    serverCpuPerRequestUs: Math.round((serverCpuSeconds / Math.max(1, result.requests.total)) * 1e7) / 10,
    loadGeneratorCpu: Math.round(((ownCpu.user + ownCpu.system) / 1e6 / wallSeconds) * 100) / 100,
    otherCpu: Math.max(0, Math.round((otherSeconds / wallSeconds) * 100) / 100),
    requests: result.requests.total,
  };
}
