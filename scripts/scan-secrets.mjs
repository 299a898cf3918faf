#!/usr/bin/env node
// Secret scan (seed SEC-001: "no credentials in code, scripts or git history").
//
// Runs secretlint with this project's .secretlintrc.json over
//   1. the working tree: every tracked file plus untracked files git does not
//      ignore (what the next commit could contain), and
//   2. every unique blob reachable from any ref in git history, each written
//      out once under its path, so rules that look at file names (.env) still
//      work and multi-line secrets (PEM private keys) are seen whole. Piping
//      `git log -p` instead would prefix every line with `+` and hide them.
// Paths matching .secretlintignore are skipped in both.
//
// Usage: node scripts/scan-secrets.mjs [--repo <dir>] [--no-history] [--no-working-tree]
// Exit: 0 nothing found, 1 findings, 2 usage error or the scan could not run.
// Findings never print the secret: only the file, line, column and rule.

import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine } from '@secretlint/node';
import ignore from 'ignore';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG_FILE = path.join(projectRoot, '.secretlintrc.json');
const IGNORE_FILE = path.join(projectRoot, '.secretlintignore');
const GIT_OUTPUT_LIMIT_BYTES = 512 * 1024 * 1024;

const EXIT_CLEAN = 0;
const EXIT_FINDINGS = 1;
const EXIT_FAILURE = 2;

class ScanError extends Error {}

function git(repo, args, input) {
  const result = spawnSync('git', ['-C', repo, ...args], { input, maxBuffer: GIT_OUTPUT_LIMIT_BYTES });
  if (result.error !== undefined) throw new ScanError(`cannot run git: ${result.error.message}`);
  if (result.status !== 0) throw new ScanError(`git ${args[0]} failed: ${result.stderr.toString('utf8').trim()}`);
  return result.stdout;
}

function splitNul(buffer) {
  return buffer.toString('utf8').split('\0').filter((item) => item !== '');
}

function splitLines(buffer) {
  return buffer.toString('utf8').split('\n').filter((item) => item !== '');
}

function loadIgnoreRules() {
  const rules = ignore();
  try {
    rules.add(readFileSync(IGNORE_FILE, 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return rules;
}

/** Tracked files plus untracked, not git-ignored ones, that exist as regular files (no symlinks, no submodules). */
function workingTreeFiles(repo, ignored) {
  const listed = splitNul(git(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']));
  const unique = [...new Set(listed)];
  return unique.filter((file) => {
    if (ignored.ignores(file)) return false;
    try {
      return lstatSync(path.join(repo, file)).isFile();
    } catch {
      return false; // deleted in the working tree but still in the index
    }
  });
}

/** Blob ids of the working-tree files as they are now: history blobs equal to one were already scanned. */
function workingTreeBlobIds(repo, files) {
  if (files.length === 0) return new Set();
  return new Set(splitLines(git(repo, ['hash-object', '--stdin-paths'], `${files.join('\n')}\n`)));
}

function hasCommits(repo) {
  return spawnSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', 'HEAD'], { stdio: 'ignore' }).status === 0 || splitLines(git(repo, ['for-each-ref', '--format=%(refname)'])).length > 0;
}

/** Every blob reachable from any ref, once, with the first path it was seen at. */
function historyBlobs(repo, ignored, alreadyScanned) {
  if (!hasCommits(repo)) return [];
  const pathById = new Map();
  for (const line of splitLines(git(repo, ['rev-list', '--objects', '--all']))) {
    const space = line.indexOf(' ');
    if (space < 0) continue; // a commit: no path
    const id = line.slice(0, space);
    if (!pathById.has(id)) pathById.set(id, line.slice(space + 1));
  }
  if (pathById.size === 0) return [];
  const types = splitLines(git(repo, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], `${[...pathById.keys()].join('\n')}\n`));
  const blobs = [];
  for (const line of types) {
    const [id, type] = line.split(' ');
    if (type !== 'blob' || alreadyScanned.has(id)) continue;
    const blobPath = pathById.get(id);
    if (blobPath === undefined || ignored.ignores(blobPath)) continue;
    blobs.push({ id, path: blobPath });
  }
  return blobs;
}

/** Where a blob is written: `<folder>/<id>/<its path>`, refusing any path that would leave the folder. */
function blobFilePath(folder, blob) {
  const relative = path.normalize(blob.path);
  const target = path.join(folder, blob.id, relative);
  if (path.isAbsolute(relative) || !target.startsWith(path.join(folder, blob.id) + path.sep)) {
    return path.join(folder, blob.id, 'unnamed-blob');
  }
  return target;
}

/**
 * Streams the blobs' contents out of one `git cat-file --batch` process and
 * writes each to its file, so history of any size never sits in memory at once.
 */
async function writeBlobs(repo, blobs, folder) {
  const files = new Map();
  for (const blob of blobs) files.set(blob.id, blobFilePath(folder, blob));
  if (blobs.length === 0) return files;
  const child = spawn('git', ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString('utf8')));
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(`${blobs.map((blob) => blob.id).join('\n')}\n`);

  let pending = Buffer.alloc(0);
  let current; // { id, size } while reading a blob's content
  const writes = [];
  for await (const chunk of child.stdout) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (current === undefined) {
        const newline = pending.indexOf(0x0a);
        if (newline < 0) break;
        const [id, type, size] = pending.subarray(0, newline).toString('utf8').split(' ');
        pending = pending.subarray(newline + 1);
        if (type !== 'blob') throw new ScanError(`git cat-file could not read object ${id}`);
        current = { id, size: Number(size) };
      }
      // The content is followed by one newline.
      if (pending.length < current.size + 1) break;
      const content = Buffer.from(pending.subarray(0, current.size));
      pending = pending.subarray(current.size + 1);
      const target = files.get(current.id);
      writes.push(mkdir(path.dirname(target), { recursive: true }).then(() => writeFile(target, content, { mode: 0o600 })));
      current = undefined;
    }
  }
  const code = await exited;
  if (code !== 0) throw new ScanError(`git cat-file failed: ${stderr.trim()}`);
  await Promise.all(writes);
  return files;
}

/** The first commit (any ref) that contains the blob: where to start a history rewrite. */
function introducingCommit(repo, blobId) {
  const result = spawnSync('git', ['-C', repo, 'log', '--all', '--reverse', '--format=%h', `--find-object=${blobId}`], { maxBuffer: GIT_OUTPUT_LIMIT_BYTES });
  return result.status === 0 ? (splitLines(result.stdout)[0] ?? 'unknown commit') : 'unknown commit';
}

/** Runs secretlint on the files and returns one finding per message; `label` names a file for people. */
async function lint(filePaths, label) {
  if (filePaths.length === 0) return [];
  // maskSecrets off only so the pattern name survives; the credential itself is never printed below.
  const engine = await createEngine({ cwd: projectRoot, configFilePath: CONFIG_FILE, formatter: 'json', color: false, maskSecrets: false });
  const { output } = await engine.executeOnFiles({ filePathList: filePaths });
  const findings = [];
  for (const result of JSON.parse(output)) {
    for (const message of result.messages) {
      const rule = message.ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
      const patternName = message.messageId === 'PATTERN' && typeof message.data?.PATTERN_NAME === 'string' ? `: ${message.data.PATTERN_NAME}` : '';
      findings.push({ where: `${label(result.filePath)}:${message.loc.start.line}:${message.loc.start.column + 1}`, what: `${rule} ${message.messageId}${patternName}` });
    }
  }
  return findings;
}

function parseOptions() {
  try {
    const { values } = parseArgs({
      options: {
        repo: { type: 'string' },
        'no-history': { type: 'boolean', default: false },
        'no-working-tree': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    process.stderr.write(`scan-secrets: ${error.message}\n`);
    process.exit(EXIT_FAILURE);
  }
}

/**
 * Copies the working-tree files into `folder` under their paths and returns the
 * copies. A snapshot, so a file another process is rewriting or removing
 * (an editor's temp file) cannot fail the scan half-way; vanished files are skipped.
 */
async function snapshotWorkingTree(repo, files, folder) {
  const copies = new Map();
  await Promise.all(
    files.map(async (file) => {
      const target = path.join(folder, file);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await copyFile(path.join(repo, file), target);
        copies.set(target, file);
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
      }
    }),
  );
  return copies;
}

async function main() {
  const options = parseOptions();
  if (options.help) {
    process.stdout.write('usage: node scripts/scan-secrets.mjs [--repo <dir>] [--no-history] [--no-working-tree]\n');
    return EXIT_CLEAN;
  }
  const repo = git(path.resolve(options.repo ?? projectRoot), ['rev-parse', '--show-toplevel']).toString('utf8').trim();
  const ignored = loadIgnoreRules();
  const files = options['no-working-tree'] ? [] : workingTreeFiles(repo, ignored);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'scan-secrets-'));
  const findings = [];
  let blobCount = 0;
  try {
    const copies = await snapshotWorkingTree(repo, files, path.join(folder, 'working-tree'));
    findings.push(...(await lint([...copies.keys()], (filePath) => copies.get(filePath) ?? filePath)));

    if (!options['no-history']) {
      const blobs = historyBlobs(repo, ignored, workingTreeBlobIds(repo, files));
      blobCount = blobs.length;
      const written = await writeBlobs(repo, blobs, path.join(folder, 'history'));
      const idByFile = new Map([...written].map(([id, file]) => [file, id]));
      const blobPathById = new Map(blobs.map((blob) => [blob.id, blob.path]));
      findings.push(
        ...(await lint([...written.values()], (filePath) => {
          const id = idByFile.get(filePath) ?? 'unknown';
          return `history ${id.slice(0, 12)} (${blobPathById.get(id) ?? '?'}, first in ${introducingCommit(repo, id)})`;
        })),
      );
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }

  for (const finding of findings) process.stdout.write(`${finding.where}  ${finding.what}\n`);
  const summary = `secret scan: ${files.length} working-tree files and ${blobCount} history blobs scanned, ${findings.length} finding${findings.length === 1 ? '' : 's'}`;
  if (findings.length > 0) {
    process.stderr.write(`${summary}\nRemove the credential, rotate it, and if it is in history rewrite it out (docs/DEPLOYMENT.md, "Secret scanning").\n`);
    return EXIT_FINDINGS;
  }
  process.stdout.write(`${summary}\n`);
  return EXIT_CLEAN;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`scan-secrets: ${error instanceof ScanError ? error.message : (error?.stack ?? String(error))}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
