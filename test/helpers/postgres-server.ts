import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './process.js';
import { eventually } from './time.js';

const run = promisify(execFile);

function postgresBinary(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  return path.join('/usr/lib/postgresql', versions[0], 'bin', name);
}

/** PostgreSQL refuses to run as root: run as the postgres user when we are root. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface PostgresServerHandle {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGINT: fast shutdown) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  destroy(): Promise<void>;
}

/** A throwaway PostgreSQL cluster of its own on a free loopback port, trust auth, stopped by pid. */
export async function startPostgresServer(): Promise<PostgresServerHandle> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-pg-'));
  const dataDirectory = path.join(directory, 'data');
  if (process.getuid?.() === 0) chownSync(directory, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  const [initdb, initArgs] = asPostgres(postgresBinary('initdb'), ['-D', dataDirectory, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await run(initdb, initArgs);
  const port = await freePort();
  let child: ChildProcess | undefined;

  const waitUntilReady = (): Promise<true> =>
    eventually(
      async () => {
        const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 500 });
        try {
          await client.connect();
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the test PostgreSQL accepting connections' },
    );
  const start = async (): Promise<void> => {
    const [command, args] = asPostgres(postgresBinary('postgres'), ['-D', dataDirectory, '-p', String(port), '-k', directory, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
    child = spawn(command, args, { stdio: 'ignore' });
    await waitUntilReady();
  };
  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => {
        resolve();
      });
      // runuser does not pass signals on: signal the postmaster itself (SIGINT is its fast shutdown).
      const postmasterPid = Number(readFileSync(path.join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(Number.isInteger(postmasterPid) && postmasterPid > 0 ? postmasterPid : (running.pid ?? 0), 'SIGINT');
    });
    child = undefined;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
