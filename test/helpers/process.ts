import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './time.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * Starts `node --import tsx <script> ...args` with exactly `env` (plus PATH/HOME),
 * capturing stdout and stderr together.
 */
export function startTypeScriptProcess(script: string, args: readonly string[], env: Record<string, string | undefined>): RunningProcess {
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) cleanEnv[name] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, script), ...args], {
    cwd: projectRoot,
    env: cleanEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return { child, output: () => output, exited };
}

/** Runs a TypeScript entry point to completion. */
export async function runTypeScript(script: string, args: readonly string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const running = startTypeScriptProcess(script, args, env);
  const code = await running.exited;
  return { code, output: running.output() };
}

/** Polls `url` until it answers (any status) or the deadline passes. */
export function waitForHttp(url: string, timeoutMs = 15_000): Promise<Response> {
  return eventually(() => fetch(url), { timeoutMs, intervalMs: 100, what: `an answer from ${url}` });
}
