import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/process.js';

/**
 * scripts/scan-secrets.mjs (`npm run scan:secrets`, part of `npm test`)
 * against throwaway git repositories. Every credential here is generated at
 * run time, so none sits in this repository; the tests plant them in a
 * temporary repository's history, delete them, and prove the scan still
 * finds each one and never prints it.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Shaped like an AWS access key id, random: 'AKIA' + 16 characters. */
function fakeAwsAccessKeyId(): string {
  return `AKIA${Array.from({ length: 16 }, () => BASE32.charAt(randomInt(BASE32.length))).join('')}`;
}

function git(repo: string, args: readonly string[]): void {
  const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: repo } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
}

function scan(repo: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(projectRoot, 'scripts/scan-secrets.mjs'), '--repo', repo], { cwd: projectRoot, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the secret scan (scripts/scan-secrets.mjs)', () => {
  const repositories: string[] = [];

  function newRepository(): string {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-scan-'));
    repositories.push(repo);
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['config', 'user.name', 'Scan Test']);
    git(repo, ['config', 'user.email', 'scan-test@example.com']);
    git(repo, ['config', 'commit.gpgsign', 'false']);
    return repo;
  }

  function write(repo: string, file: string, contents: string): void {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    writeFileSync(path.join(repo, file), contents);
  }

  function commitAll(repo: string, message: string): void {
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', message]);
  }

  afterEach(() => {
    for (const repo of repositories.splice(0)) rmSync(repo, { recursive: true, force: true });
  });

  it('finds each credential that was committed and then deleted, and prints none of them', () => {
    const repo = newRepository();
    write(repo, 'README.md', '# a project\n');
    commitAll(repo, 'start');

    const databasePassword = randomBytes(12).toString('hex');
    const literalPassword = randomBytes(12).toString('base64url');
    const privateKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const awsAccessKeyId = fakeAwsAccessKeyId();
    const dotenvToken = randomBytes(16).toString('hex');
    write(repo, 'src/db.ts', `export const url = 'postgres://app:${databasePassword}@db.internal/app';\n`);
    write(repo, 'scripts/seed.py', `import os\npassword = "${literalPassword}"\n`);
    write(repo, 'deploy/key.pem', privateKeyPem);
    write(repo, 'aws.ini', `[default]\naws_access_key_id = ${awsAccessKeyId}\n`);
    write(repo, 'config/.env', `API_TOKEN=${dotenvToken}\n`);
    commitAll(repo, 'add credentials by mistake');
    git(repo, ['rm', '-q', 'src/db.ts', 'scripts/seed.py', 'deploy/key.pem', 'aws.ini', 'config/.env']);
    commitAll(repo, 'remove them again');

    const result = scan(repo);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const finding = (file: string, what: string): RegExp => new RegExp(`^history [0-9a-f]{12} \\(${file.replace(/\./g, '\\.')}, first in [0-9a-f]{7,}\\):\\d+:\\d+ {2}${what}`, 'm');
    expect(result.stdout).toMatch(finding('src/db.ts', 'pattern PATTERN: credentials in a URL'));
    expect(result.stdout).toMatch(finding('scripts/seed.py', 'pattern PATTERN: a password, secret or API key in a string literal'));
    expect(result.stdout).toMatch(finding('deploy/key.pem', 'privatekey PrivateKey'));
    expect(result.stdout).toMatch(finding('aws.ini', 'aws AWSAccessKeyID'));
    // The file name alone is a finding: the blob was written out under its path.
    expect(result.stdout).toMatch(finding('config/.env', 'no-dotenv FOUND_DOTENV_FILE'));
    expect(result.stderr).toMatch(/secret scan: 1 working-tree files and \d+ history blobs scanned, \d+ findings/);
    const output = result.stdout + result.stderr;
    for (const secret of [databasePassword, literalPassword, awsAccessKeyId, dotenvToken, privateKeyPem.split('\n')[1] ?? 'unreachable']) expect(output).not.toContain(secret);
  });

  it('passes a clean repository, placeholders and run-time values included (exit 0)', () => {
    const repo = newRepository();
    write(repo, 'README.md', 'Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE or redis://:<password>@host:6379\n');
    write(repo, 'src/config.ts', "export const url = `postgres://app:${process.env.DB_PASSWORD}@db/app`;\nexport const password = process.env.ADMIN_PASSWORD;\nconst masked = 'postgres://app:****@db/app';\n");
    write(repo, 'old.txt', 'nothing secret here\n');
    commitAll(repo, 'clean start');
    git(repo, ['rm', '-q', 'old.txt']);
    commitAll(repo, 'tidy');

    const result = scan(repo);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^secret scan: 2 working-tree files and 1 history blobs scanned, 0 findings$/m);
  });

  it('scans what the next commit could contain: untracked files yes, git-ignored files no', () => {
    const repo = newRepository();
    write(repo, '.gitignore', 'local/\n');
    commitAll(repo, 'ignore local/');
    write(repo, 'notes.md', `staging password = "${randomBytes(10).toString('hex')}"\n`);
    write(repo, 'local/secrets.md', `password = "${randomBytes(10).toString('hex')}"\n`);

    const result = scan(repo);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^notes\.md:1:\d+ {2}pattern PATTERN: a password/m);
    expect(result.stdout).not.toContain('local/secrets.md');
  });

  it('exits 2 when the folder is not a git repository', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-not-a-repo-'));
    repositories.push(folder);
    const result = scan(folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/scan-secrets: git rev-parse failed/);
  });
});
