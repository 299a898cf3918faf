import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { runCli as runCliInProcess } from '../../src/cli/program.js';
import { projectRoot } from './process.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Both streams, for "never appears anywhere" assertions. */
  readonly output: string;
}

/** Exactly `env`, without the variables left undefined. */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) defined[name] = value;
  return defined;
}

/** A stream that collects what a command writes, into its own text and the shared `output`. */
function collector(onText: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      onText(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
}

const INTERRUPTIONS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What a run must leave as it found it, since the next run shares the process. */
function processState(): string {
  return JSON.stringify({ exitCode: process.exitCode, signalHandlers: INTERRUPTIONS.map((signal) => process.listenerCount(signal)) });
}

/**
 * Runs `autocognitix <args>` in this process, as the entry point does but
 * with exactly `env` as its environment, the project root as its working
 * directory, stdin not a terminal, and stdout and stderr kept apart. Fails
 * when the command left a signal handler or an exit status behind.
 */
export async function runCli(args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const stateBefore = processState();
  let stdout = '';
  let stderr = '';
  let output = '';
  const code = await runCliInProcess(args, {
    env: definedOnly(env),
    cwd: projectRoot,
    stdin: Readable.from([]),
    stdout: collector((text) => {
      stdout += text;
      output += text;
    }),
    stderr: collector((text) => {
      stderr += text;
      output += text;
    }),
  });
  const stateAfter = processState();
  if (stateAfter !== stateBefore) throw new Error(`autocognitix ${args.join(' ')} changed the process: ${stateBefore} before, ${stateAfter} after`);
  return { code, stdout, stderr, output };
}

/**
 * Runs `autocognitix <args>` from source as a child process with exactly `env`
 * (plus PATH and HOME), stdin not a terminal: for what only a real process
 * shows (its exit status, signals). Everything else uses {@link runCli}.
 */
export async function runCliProcess(args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli/main.ts'), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...definedOnly(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout, stderr, output };
}

export interface TerminalExchange {
  /** Text the command prints before it expects the reply. */
  readonly waitFor: string;
  /** Typed after `waitFor` appears; a carriage return ends the line as Enter does. */
  readonly type: string;
}

/**
 * Follows what a terminal shows and types each reply once its prompt has
 * appeared; returns the function that takes what the terminal shows next.
 */
function replyingTo(exchanges: readonly TerminalExchange[], type: (text: string) => void, shown: () => string): () => void {
  let next = 0;
  // Where the next prompt is looked for: two identical prompts need two appearances.
  let searchFrom = 0;
  const answerPrompts = (): void => {
    const exchange = exchanges[next];
    if (exchange === undefined) return;
    const found = shown().indexOf(exchange.waitFor, searchFrom);
    if (found < 0) return;
    next += 1;
    searchFrom = found + exchange.waitFor.length;
    type(exchange.type);
    answerPrompts();
  };
  return answerPrompts;
}

/** A stand-in for a terminal's input: a TTY to the command, raw mode a no-op. */
class StandInTerminalInput extends PassThrough {
  readonly isTTY = true;
  setRawMode(): this {
    return this;
  }
}

/**
 * Runs `autocognitix <args>` in this process as {@link runCli} does, but with
 * stdin, stdout and stderr standing in for a terminal (isTTY), so prompts and
 * confirmations are asked. Each reply is typed once its prompt has appeared.
 * `output` is everything written; a stand-in does not echo, so whether a
 * password is echoed needs {@link runCliProcessInTerminal}.
 */
export async function runCliInTerminal(args: readonly string[], env: Record<string, string | undefined>, exchanges: readonly TerminalExchange[]): Promise<{ code: number; output: string }> {
  const stdin = new StandInTerminalInput();
  let output = '';
  const answerPrompts = replyingTo(exchanges, (text) => stdin.write(text), () => output);
  const terminal = (): Writable =>
    Object.assign(
      collector((text) => {
        output += text;
        answerPrompts();
      }),
      { isTTY: true, columns: 80 },
    );
  const code = await runCliInProcess(args, { env: definedOnly(env), cwd: projectRoot, stdin, stdout: terminal(), stderr: terminal() });
  stdin.destroy();
  return { code, output };
}

/**
 * Runs `autocognitix <args>` on a pseudo-terminal (util-linux `script`), so
 * stdin is a TTY: prompts, hidden input and confirmations behave as for a
 * person, echo included. Each reply is typed only once its prompt has
 * appeared. `output` is everything the terminal showed.
 */
export async function runCliProcessInTerminal(args: readonly string[], env: Record<string, string | undefined>, exchanges: readonly TerminalExchange[]): Promise<{ code: number | null; output: string }> {
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'dumb', ...definedOnly(env) };
  const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
  const commandLine = [process.execPath, '--import', 'tsx', path.join(projectRoot, 'src/cli/main.ts'), ...args].map(quote).join(' ');
  const child = spawn('script', ['-qefc', commandLine, '/dev/null'], { cwd: projectRoot, env: cleanEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const answerPrompts = replyingTo(exchanges, (text) => child.stdin.write(text), () => output);
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    answerPrompts();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, output };
}
