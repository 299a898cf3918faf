import { createInterface } from 'node:readline/promises';
import { CommandFailure, EXIT_FAILURE } from './context.js';

/** Whether a person can answer a question: stdin and stderr (where prompts go) are terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY && process.stderr.isTTY;
}

/** Asks on the terminal and returns the answer; the prompt goes to stderr so stdout stays data only. */
export async function ask(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await lines.question(question);
  } finally {
    lines.close();
  }
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u0008', '\u007f'];

/** Characters typed ahead of the current question (a pasted password and its confirmation arrive together). */
let typedAhead = '';

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

/**
 * Reads one line from the terminal without echoing it (a password). Only call
 * when {@link canPrompt} is true.
 */
export async function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  // Echo off before the question shows: a reply typed the moment it appears must not be echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  process.stderr.write(question);
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
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

/**
 * Asks the operator to type `yes` before a destructive step. Without a
 * terminal (and without the command's `--yes`) the caller refuses instead.
 */
export async function confirm(warning: string): Promise<boolean> {
  process.stderr.write(`${warning}\n`);
  return (await ask('Type "yes" to continue: ')).trim().toLowerCase() === 'yes';
}
