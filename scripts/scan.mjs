#!/usr/bin/env node
// `npm run scan`: the issue 8 scanners against a real server on 127.0.0.1 (not part of `npm test`).
//
//  1. Makes a throwaway CA and a server certificate for localhost/127.0.0.1 (openssl), seeds a
//     fresh data folder (trouble codes, a few recalls), and starts the server (src/main.ts via tsx)
//     with NODE_ENV=production, a generated JWT secret, TLS_CERT_FILE/TLS_KEY_FILE and
//     TRUST_PROXY=127.0.0.1. With DATABASE_URL set it works in a new schema of that database, with
//     REDIS_URL under a new key prefix; both are removed afterwards.
//  2. Mozilla HTTP Observatory (@mdn/mdn-http-observatory, installed with --ignore-scripts into a
//     temp prefix, with the empty conf/hsts-preload.json stub it needs). Its CLI takes a bare
//     host:port and tries http:// and https:// on that same port, so a small front on one port
//     passes TLS through to the server and answers plain HTTP with a 301 to https:// on the same
//     host and port (what a TLS-terminating proxy does). The test CA is trusted through
//     NODE_EXTRA_CA_CERTS (the CLI's own wrapper would replace it, so its scan.js is run directly).
//  3. Debian wapiti, signed in (cookie file and X-CSRF-Token header), and Debian sqlmap against the
//     search and lookup parameters. Both go through a forwarding proxy that gives every request its
//     own X-Forwarded-For (from 198.18.0.0/15), so the per-address rate limits (120/min) do not turn
//     the scan into a wall of 429s; the server trusts it as it trusts a real proxy.
//
// Everything stays on 127.0.0.1/localhost; wapiti's out-of-band endpoint is 127.0.0.1:9 (discard).
// Every step has a time cap, and the whole run stops after SCAN_DEADLINE_MS (default 25 min).
// Reports go to test-output/scan/ (git-ignored); a summary is printed and written as summary.json.
// Exit code: 0 when wapiti found nothing of medium severity or above (vulnerabilities, or anomalies
// such as a 500) and sqlmap found no injectable parameter; 1 otherwise; 2 when the scan could not run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureWebBuild, projectRoot } from './ensure-build.mjs';

const DEADLINE_MS = Number(process.env.SCAN_DEADLINE_MS ?? 25 * 60_000);
const WAPITI_MAX_SCAN_SECONDS = Number(process.env.WAPITI_MAX_SCAN_SECONDS ?? 420);
const WAPITI_MAX_ATTACK_SECONDS = Number(process.env.WAPITI_MAX_ATTACK_SECONDS ?? 60);
const SQLMAP_TIMEOUT_MS = Number(process.env.SQLMAP_TIMEOUT_MS ?? 300_000);
const OBSERVATORY_PACKAGE = '@mdn/mdn-http-observatory';
const REPORT_DIR = path.join(projectRoot, 'test-output', 'scan');
const keep = process.argv.includes('--keep');

const started = Date.now();
const log = (message) => process.stderr.write(`[scan +${Math.round((Date.now() - started) / 1000)}s] ${message}\n`);

/** Child processes and servers this script started; stopped by pid / closed in cleanup. */
const children = new Set();
const servers = new Set();
const cleanups = [];

const deadline = setTimeout(() => {
  log(`deadline of ${DEADLINE_MS} ms reached: stopping`);
  void cleanup().finally(() => process.exit(2));
}, DEADLINE_MS);
deadline.unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion with a time cap; resolves with its exit code and output. */
function run(command, args, { env = process.env, timeoutMs, cwd = projectRoot, quiet = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    const collect = (chunk) => {
      output += chunk.toString('utf8');
      if (!quiet) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.on('error', (error) => {
      output += `\n${error.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, output, timedOut });
    });
  });
}

function makeCertificates(directory) {
  const file = (name) => path.join(directory, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=AutoCognitix throwaway scan CA', '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('server.ext'), '-out', file('server.pem'));
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

/** One HTTPS request trusting only the test CA; a tiny cookie-aware client. */
function call(port, method, requestPath, { headers = {}, body, ca, servername = 'localhost' } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = https.request(
      { host: '127.0.0.1', port, method, path: requestPath, ca, servername, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: text }));
      },
    );
    request.setTimeout(15_000, () => request.destroy(new Error(`${method} ${requestPath}: no answer within 15 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

async function waitForServer(port, ca, server) {
  for (let attempt = 0; attempt < 120; attempt++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      const response = await call(port, 'GET', '/api/v1/health', { ca });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the server did not become healthy within 60 s');
}

/** One port for the Observatory: TLS passes through to the server, plain HTTP gets a 301 to https on the same host:port. */
function startHttpsFront(frontPort, appPort) {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (first) => {
      if (first[0] === 0x16) {
        const upstream = net.connect(appPort, '127.0.0.1');
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        return;
      }
      const target = /^[A-Z]+ (\/[^\s]*) HTTP\/1\.[01]\r?\n/.exec(first.toString('latin1'))?.[1] ?? '/';
      socket.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: https://localhost:${frontPort}${target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    });
  });
  servers.add(server);
  return new Promise((resolve) => server.listen(frontPort, '127.0.0.1', () => resolve(server)));
}

/** An HTTPS forwarding proxy for the scanners: each request gets its own X-Forwarded-For. */
function startForwardingProxy(proxyPort, appPort, certificates) {
  const ca = readFileSync(certificates.ca);
  const server = https.createServer({ cert: readFileSync(certificates.cert), key: readFileSync(certificates.key) }, (request, response) => {
    const headers = { ...request.headers, 'x-forwarded-for': `198.${18 + randomInt(2)}.${randomInt(256)}.${randomInt(1, 255)}`, 'x-forwarded-proto': 'https' };
    const upstream = https.request({ host: '127.0.0.1', port: appPort, method: request.method, path: request.url, headers, ca, servername: 'localhost' }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.setTimeout(30_000, () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('bad gateway');
    });
    request.pipe(upstream);
  });
  servers.add(server);
  return new Promise((resolve) => server.listen(proxyPort, '127.0.0.1', () => resolve(server)));
}

function cookiesOf(response, jar) {
  const setCookies = response.headers['set-cookie'] ?? [];
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const cookiePath = attributes.map((attribute) => attribute.trim()).find((attribute) => /^path=/i.test(attribute))?.slice(5) ?? '/';
    if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, { value, path: cookiePath });
  }
}

const cookieHeader = (jar) => [...jar].map(([name, { value }]) => `${name}=${value}`).join('; ');

/** Registers and signs in a throwaway user through the proxy; adds a garage vehicle and a note to attack. */
async function signIn(port, ca) {
  const jar = new Map();
  const csrf = await call(port, 'GET', '/api/v1/auth/csrf-token', { ca });
  cookiesOf(csrf, jar);
  let token = JSON.parse(csrf.body).csrf_token;
  const account = { email: `scan.${randomBytes(4).toString('hex')}@example.com`, password: randomBytes(18).toString('base64url') };
  const registered = await call(port, 'POST', '/api/v1/auth/register', { ca, body: account, headers: { 'x-csrf-token': token, cookie: cookieHeader(jar) } });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.body}`);
  const login = await call(port, 'POST', '/api/v1/auth/login', { ca, body: account, headers: { 'x-csrf-token': token, cookie: cookieHeader(jar) } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.body}`);
  cookiesOf(login, jar);
  token = JSON.parse(login.body).csrf_token;
  const authed = { 'x-csrf-token': token, cookie: cookieHeader(jar) };
  const vehicle = await call(port, 'POST', '/api/v1/garage/vehicles', { ca, body: { make: 'honda', model: 'civic', year: 2018, nickname: 'scan' }, headers: authed });
  if (vehicle.status !== 201) throw new Error(`vehicle failed: ${vehicle.status} ${vehicle.body}`);
  const vehicleId = JSON.parse(vehicle.body).id;
  const note = await call(port, 'POST', `/api/v1/garage/vehicles/${vehicleId}/notes`, { ca, body: { codes: ['P0301'], symptoms: 'rough idle' }, headers: authed });
  if (note.status !== 201) throw new Error(`note failed: ${note.status} ${note.body}`);
  return { jar, csrfToken: token, vehicleId, noteId: JSON.parse(note.body).id };
}

async function runObservatory(workDir, frontPort, certificates) {
  const prefix = path.join(workDir, 'observatory');
  mkdirSync(prefix, { recursive: true });
  log(`installing ${OBSERVATORY_PACKAGE} (--ignore-scripts) into a temp prefix`);
  const install = await run('npm', ['install', '--prefix', prefix, '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', OBSERVATORY_PACKAGE], { timeoutMs: 300_000 });
  const packageDir = path.join(prefix, 'node_modules', ...OBSERVATORY_PACKAGE.split('/'));
  if (install.code !== 0 || !existsSync(path.join(packageDir, 'src', 'scan.js'))) return { error: `npm install failed: ${install.output.slice(-2000)}` };
  // Its install script would download the HSTS preload list; an empty one means "not preloaded".
  mkdirSync(path.join(packageDir, 'conf'), { recursive: true });
  writeFileSync(path.join(packageDir, 'conf', 'hsts-preload.json'), '{}\n');
  const host = `localhost:${frontPort}`;
  log(`observatory: scanning ${host}`);
  const scan = await run(process.execPath, [path.join(packageDir, 'src', 'scan.js'), host], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: certificates.ca },
    timeoutMs: 180_000,
    cwd: packageDir,
  });
  writeFileSync(path.join(REPORT_DIR, 'observatory.json'), scan.output);
  try {
    const result = JSON.parse(scan.output.slice(scan.output.indexOf('{')));
    if (result.error) return { error: result.error };
    const failed = Object.entries(result.tests)
      .filter(([, test]) => !test.pass)
      .map(([name, test]) => `${name}: ${test.result}`);
    const modifiers = Object.entries(result.tests)
      .filter(([, test]) => test.scoreModifier !== 0)
      .map(([name, test]) => `${name} ${test.scoreModifier > 0 ? '+' : ''}${test.scoreModifier} (${test.result})`);
    return { grade: result.scan.grade, score: result.scan.score, testsPassed: result.scan.testsPassed, testsQuantity: result.scan.testsQuantity, failed, modifiers };
  } catch {
    return { error: `unreadable output: ${scan.output.slice(-2000)}` };
  }
}

async function runWapiti(workDir, proxyPort, session) {
  const base = `https://127.0.0.1:${proxyPort}`;
  const configDir = path.join(workDir, 'wapiti-config');
  const sessionDir = path.join(workDir, 'wapiti-session');
  mkdirSync(configDir, { recursive: true });
  // Wappalyzer data wapiti would otherwise download; the wapp module is not used, the stub keeps it offline.
  writeFileSync(path.join(configDir, 'apps.json'), JSON.stringify({ technologies: {}, categories: {} }));
  const cookieFile = path.join(workDir, 'wapiti-cookies.json');
  const byPath = {};
  for (const [name, { value, path: cookiePath }] of session.jar) {
    byPath[cookiePath] ??= {};
    byPath[cookiePath][name] = { value, expires: null, secure: true, port: null, version: 0 };
  }
  writeFileSync(cookieFile, JSON.stringify({ '127.0.0.1': byPath }, null, 2));
  const report = path.join(REPORT_DIR, 'wapiti.json');
  const starts = [
    '/api/v1/dtc/search?q=misfire&system=powertrain&limit=5&offset=0',
    '/api/v1/dtc/P0301',
    '/api/v1/dtc/systems',
    '/api/v1/vehicles/makes?limit=5&offset=0',
    '/api/v1/vehicles/models?make=honda&limit=5',
    '/api/v1/vehicles/honda/civic/2018/recalls?limit=5&offset=0',
    '/api/v1/vehicles/honda/civic/2018/complaints?limit=5',
    '/api/v1/vehicles/vin/1HGCM82633A004352',
    '/api/v1/garage/vehicles?limit=5&offset=0',
    `/api/v1/garage/vehicles/${session.vehicleId}`,
    `/api/v1/garage/vehicles/${session.vehicleId}/notes?limit=5`,
    `/api/v1/garage/vehicles/${session.vehicleId}/recalls?limit=5`,
    '/api/v1/auth/me',
    '/api/v1/auth/sessions',
    '/api/v1/health',
    '/api/v1/docs/',
    '/api/v1/openapi.json',
  ];
  const args = [
    '-u', `${base}/`,
    '--scope', 'folder',
    '-m', 'common,-ssrf',
    '--endpoint', 'http://127.0.0.1:9/',
    '--no-bugreport',
    '--store-config', configDir,
    '--store-session', sessionDir,
    '--flush-session',
    '-c', cookieFile,
    '-H', `X-CSRF-Token: ${session.csrfToken}`,
    ...starts.flatMap((start) => ['-s', `${base}${start}`]),
    // No -x: Debian's wapiti 3.0.4 crashes on it under Python 3.11 (inline regex flags). Its crawler
    // runs no script, so it never finds the POST-only sign-out routes; the summary checks that the
    // session survived the scan.
    '--max-scan-time', String(WAPITI_MAX_SCAN_SECONDS),
    '--max-attack-time', String(WAPITI_MAX_ATTACK_SECONDS),
    '-t', '10',
    '--verify-ssl', '0',
    '-v', '1',
    '-f', 'json',
    '-o', report,
  ];
  log(`wapiti: ${WAPITI_MAX_SCAN_SECONDS} s at most, modules common,-ssrf`);
  const result = await run('wapiti', args, { timeoutMs: (WAPITI_MAX_SCAN_SECONDS + 120) * 1000 });
  writeFileSync(path.join(REPORT_DIR, 'wapiti.log'), result.output);
  if (!existsSync(report)) return { error: `no report (exit ${result.code}${result.timedOut ? ', timed out' : ''}): ${result.output.slice(-2000)}` };
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const levelName = { 1: 'low', 2: 'medium', 3: 'high' };
  const count = (section) => {
    const bySeverity = { high: 0, medium: 0, low: 0, info: 0 };
    const findings = [];
    for (const [category, items] of Object.entries(json[section] ?? {})) {
      for (const item of items) {
        const severity = levelName[Number(item.level)] ?? 'info';
        bySeverity[severity] += 1;
        findings.push({ category, severity, method: item.method, path: item.path, parameter: item.parameter, info: item.info });
      }
    }
    return { bySeverity, findings };
  };
  const found = /Wapiti found (\d+) URLs and forms/.exec(result.output)?.[1];
  const modules = [...result.output.matchAll(/Launching module (\w+)/g)].map((match) => match[1]);
  return { urlsAndForms: found === undefined ? null : Number(found), modules, vulnerabilities: count('vulnerabilities'), anomalies: count('anomalies'), additionals: count('additionals') };
}

async function runSqlmap(workDir, proxyPort, dbms) {
  const base = `https://127.0.0.1:${proxyPort}`;
  const targets = [
    { name: 'GET /api/v1/dtc/search?q=', url: `${base}/api/v1/dtc/search?q=misfire`, parameter: 'q' },
    { name: 'GET /api/v1/dtc/{code}', url: `${base}/api/v1/dtc/P0301*` },
    { name: 'GET /api/v1/vehicles/models?make=', url: `${base}/api/v1/vehicles/models?make=honda`, parameter: 'make' },
  ];
  const verdicts = [];
  for (const target of targets) {
    const outputDir = path.join(workDir, 'sqlmap');
    const args = ['-u', target.url, ...(target.parameter ? ['-p', target.parameter] : []), '--batch', `--dbms=${dbms}`, '--level=3', '--risk=2', '--flush-session', '--output-dir', outputDir, '--disable-coloring', '--timeout=10', '--retries=1', '--time-sec=2', '--answers=follow=N'];
    log(`sqlmap (${dbms}): ${target.name}`);
    const result = await run('sqlmap', args, { timeoutMs: SQLMAP_TIMEOUT_MS });
    writeFileSync(path.join(REPORT_DIR, `sqlmap-${dbms}-${verdicts.length + 1}.log`), result.output);
    let verdict = 'inconclusive';
    if (/identified the following injection point|is vulnerable/i.test(result.output)) verdict = 'INJECTABLE';
    else if (/all tested parameters do not appear to be injectable|do not appear to be injectable/i.test(result.output)) verdict = 'not injectable';
    else if (result.timedOut) verdict = 'inconclusive (time cap reached)';
    const requests = /(\d+) HTTP\(s\) requests/.exec(result.output)?.[1];
    verdicts.push({ target: target.name, dbms, verdict, ...(requests ? { requests: Number(requests) } : {}) });
  }
  return verdicts;
}

async function cleanup() {
  for (const server of servers) server.close();
  servers.clear();
  for (const child of children) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch (error) {
      log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  cleanups.length = 0;
}

async function main() {
  for (const tool of ['openssl', 'wapiti', 'sqlmap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: apt-get install -y --no-install-recommends ${tool === 'openssl' ? 'openssl' : tool}`);
    }
  }
  rmSync(REPORT_DIR, { recursive: true, force: true });
  mkdirSync(REPORT_DIR, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-scan-'));
  if (!keep) cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  const certificates = makeCertificates(workDir);
  ensureWebBuild();

  const runId = randomBytes(4).toString('hex');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    DATA_DIR: path.join(workDir, 'data'),
    JWT_SECRET_KEY: randomBytes(48).toString('base64url'),
    TLS_CERT_FILE: certificates.cert,
    TLS_KEY_FILE: certificates.key,
    TRUST_PROXY: '127.0.0.1',
    // Production requires a mail server for password-reset mail; the discard port on loopback takes nothing anywhere.
    SMTP_URL: 'smtp://127.0.0.1:9',
  };
  let dbms = 'SQLite';
  if (process.env.DATABASE_URL) {
    dbms = 'PostgreSQL';
    const schema = `scan_${runId}`;
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    });
    const url = new URL(process.env.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
  }
  if (process.env.REDIS_URL) {
    env.REDIS_URL = process.env.REDIS_URL;
    env.REDIS_KEY_PREFIX = `scan:${runId}:`;
    cleanups.push(async () => {
      const { default: Redis } = await import('ioredis');
      const redis = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let cursor = '0';
      for (let round = 0; round < 10_000; round++) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      redis.disconnect();
    });
  }

  // Data to look up: the bundled trouble codes and a few recalls, so answers differ by input.
  const cli = (args) => run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'cli', 'main.ts'), ...args], { env, timeoutMs: 180_000 });
  const seeded = await cli(['seed']);
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.output.slice(-2000)}`);
  const recallFile = path.join(workDir, 'FLAT_RCL.txt');
  const recall = (id, campaign, make, model, year, component) =>
    [id, campaign, make, model, year, '', component, `${make} MOTOR CO`, '20170101', '20181231', 'V', '1000', '20230301', 'MFR', '', '20230115', '20230120', '', '', 'The part may fail.', 'A crash may result.', 'Dealers will replace it.', '', '', '', '', '', 'No', 'No'].join('\t');
  writeFileSync(recallFile, `${[recall(1, '23V001000', 'HONDA', 'CIVIC', '2018', 'ENGINE'), recall(2, '23V002000', 'HONDA', 'ACCORD', '2019', 'AIR BAGS'), recall(3, '23V003000', 'FORD', 'F-150', '2018', 'SERVICE BRAKES')].join('\r\n')}\r\n`);
  const imported = await cli(['import', 'recalls', recallFile]);
  if (imported.code !== 0) throw new Error(`recall import failed: ${imported.output.slice(-2000)}`);

  log(`starting the server (src/main.ts, production, HTTPS) on 127.0.0.1:${env.PORT}; database ${dbms}, store ${env.REDIS_URL ? 'Redis' : 'embedded'}`);
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'main.ts')], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(server);
  let serverLog = '';
  server.stdout.on('data', (chunk) => (serverLog += chunk.toString('utf8')));
  server.stderr.on('data', (chunk) => (serverLog += chunk.toString('utf8')));
  cleanups.push(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => {
        const force = setTimeout(() => {
          server.kill('SIGKILL');
          resolve();
        }, 15_000);
        server.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    writeFileSync(path.join(REPORT_DIR, 'server.log'), serverLog);
  });
  const ca = readFileSync(certificates.ca);
  await waitForServer(Number(env.PORT), ca, server);

  const frontPort = await freePort();
  const proxyPort = await freePort();
  await startHttpsFront(frontPort, Number(env.PORT));
  await startForwardingProxy(proxyPort, Number(env.PORT), certificates);

  const summary = { date: new Date().toISOString(), database: dbms, store: env.REDIS_URL ? 'redis' : 'sqlite' };
  summary.observatory = await runObservatory(workDir, frontPort, certificates);
  log(`observatory: ${JSON.stringify(summary.observatory)}`);
  const session = await signIn(proxyPort, ca);
  summary.wapiti = await runWapiti(workDir, proxyPort, session);
  log(`wapiti: vulnerabilities ${JSON.stringify(summary.wapiti.vulnerabilities?.bySeverity ?? summary.wapiti)}, anomalies ${JSON.stringify(summary.wapiti.anomalies?.bySeverity ?? {})}`);
  summary.sqlmap = await runSqlmap(workDir, proxyPort, dbms);
  // The session must have survived the scan, or wapiti attacked signed out.
  summary.sessionAliveAfterScan = (await call(proxyPort, 'GET', '/api/v1/auth/me', { ca, headers: { cookie: cookieHeader(session.jar) } })).status === 200;
  summary.serverStillHealthy = (await call(Number(env.PORT), 'GET', '/api/v1/health', { ca })).status === 200;
  summary.serverErrorsLogged = serverLog.split('\n').filter((line) => /"level":(50|60)/.test(line)).length;

  writeFileSync(path.join(REPORT_DIR, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (keep) cpSync(certificates.ca, path.join(REPORT_DIR, 'test-ca.pem'));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

  // Wapiti files a 500 as a high-severity anomaly: a server error is a finding too.
  const mediumOrAbove = ['vulnerabilities', 'anomalies'].reduce((sum, section) => sum + (summary.wapiti[section]?.bySeverity.high ?? 0) + (summary.wapiti[section]?.bySeverity.medium ?? 0), 0);
  const injectable = summary.sqlmap.filter((entry) => entry.verdict === 'INJECTABLE').length;
  const broken = summary.observatory.error !== undefined || summary.wapiti.error !== undefined || !summary.serverStillHealthy;
  log(`observatory ${summary.observatory.grade ?? 'n/a'} (${summary.observatory.score ?? 'n/a'}); wapiti medium+ ${mediumOrAbove}; sqlmap injectable ${injectable}; reports in ${path.relative(projectRoot, REPORT_DIR)}/`);
  return broken ? 2 : mediumOrAbove > 0 || injectable > 0 ? 1 : 0;
}

let exitCode = 2;
try {
  exitCode = await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanup();
  clearTimeout(deadline);
}
process.exit(exitCode);
