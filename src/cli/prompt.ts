import { createInterface } from 'node:readline/promises';
import { CommandFailure, EXIT_FAILURE } from './exit-status.js';
import type { CliIo } from './io.js';

/** Questions to the person at the terminal; prompts go to stderr so stdout stays data only. */
export interface Terminal {
  /** Whether a person can answer: stdin and stderr are terminals. */
  canPrompt(): boolean;
  /** Asks and returns the answer, echoed as typed. */
  ask(question: string): Promise<string>;
  /** Reads one line without echoing it (a password). Only when {@link canPrompt}. */
  askHidden(question: string): Promise<string>;
  /** Asks the operator to type `yes` before a destructive step (without a terminal the caller refuses instead). */
  confirm(warning: string): Promise<boolean>;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u0008', '\u007f'];

/**
 * Takes one line from `text`: the answer and what follows it, or undefined
 * while no line end has arrived. Ctrl-C or Ctrl-D abandon the command.
 */
function takeLine(text: string): { answer: string; rest: string } | undefined {
  let answer = '';
  const characters = Array.from(text);
  for (let index = 0; index < characters.length; index += 1) {
    const character = characters[index] ?? '';
    if (character === '\r' || character === '\n') {
      // A CR LF pair ends one line, not two.
      const skip = character === '\r' && characters[index + 1] === '\n' ? 2 : 1;
      return { answer, rest: characters.slice(index + skip).join('') };
    }
    if (character === CTRL_C || character === CTRL_D) throw new CommandFailure('error: cancelled', EXIT_FAILURE);
    if (BACKSPACE.includes(character)) answer = Array.from(answer).slice(0, -1).join('');
    else answer += character;
  }
  return undefined;
}

/** The terminal of one run: `io.stdin` for answers, `io.stderr` for questions. */
export function createTerminal(io: Pick<CliIo, 'stdin' | 'stderr'>): Terminal {
  const input = io.stdin;
  /** Characters typed ahead of the current question (a pasted password and its confirmation arrive together). */
  let typedAhead = '';

  const ask = async (question: string): Promise<string> => {
    const lines = createInterface({ input, output: io.stderr, terminal: true });
    try {
      return await lines.question(question);
    } finally {
      lines.close();
    }
  };

  const askHidden = async (question: string): Promise<string> => {
    // Echo off before the question shows: a reply typed the moment it appears must not be echoed.
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    io.stderr.write(question);
    try {
      return await new Promise<string>((resolve, reject) => {
        const consume = (): boolean => {
          try {
            const line = takeLine(typedAhead);
            if (line === undefined) return false;
            typedAhead = line.rest;
            resolve(line.answer);
          } catch (error) {
            typedAhead = '';
            reject(error instanceof Error ? error : new Error('cancelled'));
          }
          return true;
        };
        if (consume()) return;
        const onData = (chunk: string): void => {
          typedAhead += chunk;
          if (consume()) input.off('data', onData);
        };
        input.on('data', onData);
        input.resume();
      });
    } finally {
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
    }
  };

  return {
    canPrompt: () => io.stdin.isTTY === true && io.stderr.isTTY === true,
    ask,
    askHidden,
    async confirm(warning) {
      io.stderr.write(`${warning}\n`);
      return (await ask('Type "yes" to continue: ')).trim().toLowerCase() === 'yes';
    },
  };
}
