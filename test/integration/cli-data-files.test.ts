import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { projectRoot, startTypeScriptProcess } from '../helpers/process.js';

/**
 * Issue 22 item 11: where `backup` and `export --out` write, on the embedded
 * SQLite file in a temporary DATA_DIR: in-process, except Ctrl-C and the
 * umask, which only a real process has.
 */
describe('backup and export targets', { timeout: 60_000 }, () => {
  let dataDir: string;
  let scratch: string;
  const cli = (args: readonly string[]) => runCli(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-targets-'));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-targets-out-'));
    expect((await cli(['migrate'])).code).toBe(0);
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses a FIFO, a symbolic link to a FIFO and a link to a device, leaving them as they were', async () => {
    const fifo = path.join(scratch, 'stream');
    execFileSync('mkfifo', [fifo]);
    const linkToFifo = path.join(scratch, 'link-to-stream');
    symlinkSync(fifo, linkToFifo);
    const linkToDevice = path.join(scratch, 'link-to-null');
    symlinkSync('/dev/null', linkToDevice);
    for (const [target, kind] of [
      [fifo, 'a FIFO \\(named pipe\\)'],
      [linkToFifo, 'a symbolic link'],
      [linkToDevice, 'a symbolic link'],
    ] as const) {
      const result = await cli(['backup', target]);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`error: ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is ${kind}; write to a regular file`));
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(linkToFifo).isSymbolicLink()).toBe(true);
    expect(lstatSync(linkToDevice).isSymbolicLink()).toBe(true);
    expect(readdirSync(scratch).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('names the full path when the target directory does not exist', async () => {
    const target = path.join(scratch, 'no-such-dir', 'backup.jsonl');
    const result = await cli(['backup', target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot write ${target} (ENOENT: its directory does not exist)`);
  });

  it('removes the .partial file when interrupted with Ctrl-C, and ends by that signal', async () => {
    const target = path.join(scratch, 'interrupted.jsonl');
    const writer = startTypeScriptProcess('test/helpers/partial-writer.ts', [target], {});
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (writer.output().includes('partial written')) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 30_000) {
          clearInterval(poll);
          reject(new Error(`the writer did not start: ${writer.output()}`));
        }
      }, 20);
    });
    expect(readdirSync(scratch).filter((name) => name.startsWith('.interrupted.jsonl.') && name.endsWith('.partial'))).toHaveLength(1);
    const signalled = new Promise<NodeJS.Signals | null>((resolve) => writer.child.on('exit', (_code, signal) => { resolve(signal); }));
    writer.child.kill('SIGINT');
    expect(await signalled).toBe('SIGINT');
    expect(readdirSync(scratch).filter((name) => name.startsWith('.interrupted.jsonl.'))).toEqual([]);
    expect(existsSync(target)).toBe(false);
  });

  it('export --out respects the umask (077 gives 0600), backup stays 0600', async () => {
    const target = path.join(scratch, 'codes.csv');
    const child = spawn('sh', ['-c', 'umask 077 && exec "$@"', 'sh', process.execPath, '--import', 'tsx', path.join(projectRoot, 'src/cli/main.ts'), 'export', 'dtc_codes', '--out', target], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir },
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('exits 78 naming DATABASE_URL, never its value, when the URL is malformed (issue 22 item 12)', async () => {
    const canary = 'CanaryPassw0rd-5b2a';
    for (const url of [`postgres://u:${canary}@[bad/db`, `postgres://u:${canary}@127.0.0.1:99999/db`]) {
      const result = await runCli(['import', 'recalls', 'FLAT_RCL.txt'], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: url });
      expect(result.code, result.output).toBe(78);
      expect(result.stderr).toMatch(/DATABASE_URL: expected a well-formed PostgreSQL URL/);
      expect(result.output).not.toContain(canary);
    }
  });
});
