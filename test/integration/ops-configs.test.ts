// @backend-independent: checks the nginx, Caddy and systemd files with their own tools; the environment it passes on is not read by them
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCertificate, type ThrowawayCertificate } from '../helpers/certificates.js';
import { projectRoot } from '../helpers/process.js';

/**
 * Issue 15 item 2: the deployment examples in ops/ are checked by the tools
 * that will load them (Debian packages systemd, nginx and caddy; .ci/run
 * installs them). None needs a running init system or daemon, so a missing
 * tool fails this file rather than skipping it.
 */

const UNIT = path.join(projectRoot, 'ops', 'systemd', 'autocognitix.service');
const NGINX_SITE = path.join(projectRoot, 'ops', 'nginx', 'autocognitix.conf');
const CADDYFILE = path.join(projectRoot, 'ops', 'caddy', 'Caddyfile');

let scratch: string;
let certificate: ThrowawayCertificate;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-ops-'));
  certificate = throwawayCertificate();
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(certificate.directory, { recursive: true, force: true });
});

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string } {
  const result = spawnSync(command, [...args], { encoding: 'utf8', env, timeout: 30_000 });
  if (result.error !== undefined) throw new Error(`${command} could not run (${result.error.message}): apt-get install ${command === 'systemd-analyze' ? 'systemd' : command}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('ops/systemd/autocognitix.service', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const setting = (name: string): string[] => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((match) => match[1] ?? '');

  it('passes systemd-analyze verify without a single warning', () => {
    const copy = path.join(scratch, 'autocognitix.service');
    copyFileSync(UNIT, copy);
    const result = run('systemd-analyze', ['verify', '--man=no', copy]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('is hardened: exposure "OK" (at most 3.0) in systemd-analyze security', () => {
    const result = run('systemd-analyze', ['security', '--offline=yes', '--no-pager', '--threshold=30', UNIT]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/Overall exposure level for autocognitix\.service: [0-2]\.\d OK/);
  });

  it('runs the built release in production, writes only DATA_DIR, and does not restart on a configuration error', () => {
    expect(setting('ExecStart')).toEqual(['/usr/bin/node /opt/autocognitix/scripts/start.mjs']);
    expect(setting('Environment')).toEqual(expect.arrayContaining(['NODE_ENV=production', 'DATA_DIR=/var/lib/autocognitix']));
    expect(setting('ProtectSystem')).toEqual(['strict']);
    expect(setting('NoNewPrivileges')).toEqual(['yes']);
    expect(setting('ReadWritePaths')).toEqual(['/var/lib/autocognitix']);
    expect(setting('RestartPreventExitStatus')).toEqual(['78']);
  });
});

describe('ops/nginx/autocognitix.conf', () => {
  it('passes nginx -t inside a minimal nginx.conf (certificate and log paths pointed at a temp folder)', () => {
    const site = readFileSync(NGINX_SITE, 'utf8')
      .replaceAll('/etc/letsencrypt/live/api.example.com/fullchain.pem', certificate.certFile)
      .replaceAll('/etc/letsencrypt/live/api.example.com/privkey.pem', certificate.keyFile)
      .replaceAll('/var/log/nginx/', `${scratch}/`);
    writeFileSync(path.join(scratch, 'autocognitix.conf'), site);
    writeFileSync(
      path.join(scratch, 'nginx.conf'),
      `pid ${scratch}/nginx.pid;\nerror_log ${scratch}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${scratch}/body;\n  proxy_temp_path ${scratch}/proxy;\n  include ${scratch}/autocognitix.conf;\n}\n`,
    );
    const result = run('nginx', ['-t', '-q', '-p', scratch, '-c', path.join(scratch, 'nginx.conf'), '-e', path.join(scratch, 'startup-error.log')]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('replaces X-Forwarded-For (never appends a client-sent one) and keeps /metrics off the proxy', () => {
    const site = readFileSync(NGINX_SITE, 'utf8');
    expect(site).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(site).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(site).toMatch(/location = \/metrics \{\s*return 404;/);
  });
});

describe('ops/caddy/Caddyfile', () => {
  it('passes caddy validate', () => {
    const result = run('caddy', ['validate', '--config', CADDYFILE, '--adapter', 'caddyfile'], { ...process.env, HOME: scratch, XDG_DATA_HOME: scratch, XDG_CONFIG_HOME: scratch });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('Valid configuration');
  });
});
