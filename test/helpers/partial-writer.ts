/**
 * A child process for the interruption test: starts a file output exactly as
 * `backup` does, writes a first chunk, says so, and waits to be interrupted.
 */
import { fileOutput } from '../../src/cli/data-output.js';

const target = process.argv[2];
if (target === undefined) throw new Error('usage: partial-writer <target>');
const output = fileOutput(target, 0o600);
await output.write('{"format":"autocognitix-backup"}\n');
process.stdout.write('partial written\n');
setInterval(() => undefined, 60_000);
