import { runCli } from './program.js';

// The `autocognitix` entry point (bin/autocognitix.js loads its build): the process's own streams and
// environment; the exit status is set, never forced, so buffered output is written before the process ends.
process.exitCode = await runCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
