import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './process.js';
import { sleep } from './time.js';

/** Options for {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Sets `requirepass`; the returned URL then carries it. */
  password?: string;
  /** The binary; default `$REDIS_SERVER_BIN` or `redis-server` from PATH. */
  binary?: string;
  /** Extra command-line arguments, e.g. `['--maxmemory', '10mb']`. */
  extraArgs?: string[];
  /** How long to wait for the first PONG. Default 5000 ms. */
  startTimeoutMs?: number;
}

/** A private, throw-away redis-server child process. */
export interface RedisServerHandle {
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  /** The pid of the current process (changes after {@link restart}); undefined while stopped. */
  readonly pid: number | undefined;
  /** Whether a server process is currently alive. */
  readonly running: boolean;
  /** Kills the server (SIGKILL by default), waits until it has exited and removes its directory. Idempotent. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Resolves once the current process has exited (at once when none runs), e.g. after an external `process.kill(pid)`. */
  waitForExit(): Promise<void>;
  /** Freezes the process (SIGSTOP): the port still accepts connections but nothing answers. */
  pause(): void;
  /** Unfreezes a paused server (SIGCONT). */
  resume(): void;
  /** Kills the server if it runs, starts a fresh one (empty data set) on the same port and waits until it answers PING. */
  restart(): Promise<void>;
}

/**
 * Sends one raw RESP `PING` (authenticating first when a password is given);
 * resolves true on `+PONG`. Independent of ioredis so it can check a server
 * while the code under test is broken.
 */
export async function pingRedis(port: number, password?: string, timeoutMs = 500): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffer = '';
    const done = (result: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', () => {
      done(false);
    });
    socket.on('connect', () => {
      const auth = password === undefined ? '' : `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`;
      socket.write(`${auth}*1\r\n$4\r\nPING\r\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.includes('+PONG\r\n')) done(true);
      else if (buffer.includes('-')) done(false);
    });
  });
}

/** The state of one spawned process, observed through events (read in the wait loop). */
interface ProcessState {
  exitInfo: string | undefined;
  spawnError: Error | undefined;
  output: string;
}

/**
 * Spawns `redis-server` on 127.0.0.1 without persistence and waits until it
 * answers PING. The caller owns the process: call `stop()` in `afterAll`. The
 * server is also killed when the test process exits, so it never outlives the run.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 5000;
  const { password } = options;
  // Its own working directory, so nothing (not even a crash dump) lands in the repo.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-test-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    ...(password === undefined ? [] : ['--requirepass', password]),
    ...(options.extraArgs ?? []),
  ];
  const url = `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`;

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  const spawnAndWait = async (): Promise<void> => {
    mkdirSync(dir, { recursive: true });
    process.removeListener('exit', killOnExit);
    process.once('exit', killOnExit);
    const state: ProcessState = { exitInfo: undefined, spawnError: undefined, output: '' };
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        state.exitInfo = `code ${String(code)}, signal ${String(signal)}`;
        if (child === proc) child = undefined;
        resolve();
      });
    });
    proc.once('error', (error) => {
      state.spawnError = error;
    });
    const collect = (chunk: Buffer): void => {
      state.output = (state.output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);

    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (state.spawnError !== undefined) throw new Error(`Could not spawn ${binary}: ${state.spawnError.message}`);
      if (state.exitInfo !== undefined) {
        throw new Error(`redis-server on port ${port} exited (${state.exitInfo}):\n${state.output}`);
      }
      if (await pingRedis(port, password, 250)) return;
      await sleep(25);
    }
    await kill();
    throw new Error(`redis-server on port ${port} did not answer PING within ${startTimeoutMs} ms:\n${state.output}`);
  };

  const kill = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const pid = child?.pid;
    if (pid !== undefined) {
      process.kill(pid, signal);
      // A paused (SIGSTOP) server only acts on SIGTERM once it runs again.
      if (signal !== 'SIGKILL') process.kill(pid, 'SIGCONT');
    }
    await exited;
  };

  const signalRunning = (signal: NodeJS.Signals): void => {
    const pid = child?.pid;
    if (pid === undefined) throw new Error('redis-server is not running');
    process.kill(pid, signal);
  };

  await spawnAndWait();

  return {
    port,
    url,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined;
    },
    async stop(signal) {
      await kill(signal);
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
    waitForExit() {
      return exited;
    },
    pause() {
      signalRunning('SIGSTOP');
    },
    resume() {
      signalRunning('SIGCONT');
    },
    async restart() {
      await kill();
      await spawnAndWait();
    },
  };
}
