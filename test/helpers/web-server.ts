import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { strongPassword, uniqueEmail, verificationTokenFor } from './auth-client.js';
import { testEnvironment, uniqueId } from './backends.js';
import { SAMPLE_COMPLAINT_LINES, SAMPLE_RECALL_LINES, fixtureDirectory, writeLines } from './nhtsa-fixtures.js';
import { freePort, runTypeScript, startTypeScriptProcess, waitForHttp, type RunningProcess } from './process.js';
import { startSmtpServer, type LocalSmtpServer } from './smtp.js';

/** One line of the server's pino output, as far as the browser tests read it. */
export interface LogLine {
  readonly msg?: string;
  readonly reqId?: string;
  readonly req?: { readonly method?: string; readonly url?: string };
  readonly res?: { readonly statusCode?: number };
  readonly code?: string;
  readonly status?: number;
}

/** What happened to one request, put together from the server's log lines that share its reqId. */
export interface RequestOutcome {
  readonly method: string;
  readonly url: string;
  /** Undefined while the request is in flight. */
  readonly statusCode: number | undefined;
  /** The error code the error handler logged ("request rejected"), if any. */
  readonly errorCode: string | undefined;
}

export interface WebServer {
  /** `http://127.0.0.1:<port>`: the app and its API, one origin. */
  readonly origin: string;
  readonly port: number;
  /** The server's JWT secret, generated for this run: lets a test mint tokens as the server would. */
  readonly jwtSecret: string;
  /** The environment the server runs with: `autocognitix` commands run with it reach the same database and store. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly process: RunningProcess;
  /** The local SMTP server the app mails to: the test's own (`smtp` option) or one started here. */
  readonly smtp: LocalSmtpServer;
  /** Verifies `email` as its owner does: the link from the registration mail, through the API. */
  verifyEmail(email: string): Promise<void>;
  requests(): RequestOutcome[];
  stop(): Promise<void>;
}

export interface WebServerOptions {
  /** FLAT_RCL lines imported before start, besides the sample data set. */
  readonly extraRecallLines?: readonly string[];
  /** Import the sample recalls (default true); false with DATABASE_URL unset is a fresh install with no vehicle data. */
  readonly recalls?: boolean;
  /** Also import the sample complaints (one more CLI run). */
  readonly complaints?: boolean;
  /** Extra environment for the server process (e.g. SMTP_URL of a local mail server). */
  readonly env?: Readonly<Record<string, string>>;
  /** The test's own mail capture; without it the server mails to one started (and stopped) here. */
  readonly smtp?: LocalSmtpServer;
  /**
   * The host name of PUBLIC_URL (`http://<publicHost>:<port>`), on the port chosen here: WebAuthn needs a
   * host name as its RP ID (`localhost`, never an IP address); `origin` then uses it too.
   */
  readonly publicHost?: string;
}

async function runCli(args: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  const result = await runTypeScript('src/cli/main.ts', args, env);
  if (result.code !== 0) throw new Error(`autocognitix ${args.join(' ')} failed (${String(result.code)}):\n${result.output}`);
}

/**
 * Starts `src/main.ts` as a child process on 127.0.0.1 and a free port, on
 * the backends this run covers (the outer REDIS_URL / DATABASE_URL, else the
 * embedded default in a temp DATA_DIR), seeded with the bundled trouble codes
 * and the sample NHTSA recalls (and complaints) through the CLI. Logs at info
 * level so tests can see how the server answered requests the browser made
 * from pages that cannot read the answer (a cross-site form post).
 */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const port = await freePort();
  const smtp = options.smtp ?? (await startSmtpServer());
  const ownSmtp = options.smtp === undefined ? smtp : undefined;
  const publicUrl = options.publicHost === undefined ? undefined : `http://${options.publicHost}:${port}`;
  const env = testEnvironment({
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `e2e:${uniqueId()}:`,
    SMTP_URL: smtp.url,
    ...(publicUrl === undefined ? {} : { PUBLIC_URL: publicUrl }),
    ...options.env,
  });
  const jwtSecret = env.JWT_SECRET_KEY;
  const dataDir = env.DATA_DIR;
  if (jwtSecret === undefined || dataDir === undefined) throw new Error('testEnvironment() gave no JWT secret or data dir');

  const fixtures = fixtureDirectory();
  const recalls = writeLines(path.join(fixtures, 'FLAT_RCL.txt'), [...SAMPLE_RECALL_LINES, ...(options.extraRecallLines ?? [])]);
  const complaints = options.complaints === true ? writeLines(path.join(fixtures, 'FLAT_CMPL.txt'), SAMPLE_COMPLAINT_LINES) : undefined;
  // One after the other: the embedded SQLite file takes one writer at a time.
  try {
    await runCli(['seed'], env);
    if (options.recalls !== false) await runCli(['import', 'recalls', recalls], env);
    if (complaints !== undefined) await runCli(['import', 'complaints', complaints], env);
  } finally {
    rmSync(fixtures, { recursive: true, force: true });
  }
  const server = startTypeScriptProcess('src/main.ts', [], env);
  const origin = publicUrl ?? `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, 30_000);
  } catch (error) {
    server.child.kill('SIGKILL');
    await ownSmtp?.stop();
    throw new Error(`the server did not start:\n${server.output()}`, { cause: error });
  }

  return {
    origin,
    port,
    jwtSecret,
    env,
    process: server,
    smtp,
    async verifyEmail(email) {
      const token = await verificationTokenFor(smtp, email);
      const response = await new ApiClient(origin).request('POST', '/api/v1/auth/email/verify', { token });
      if (response.status !== 204) throw new Error(`verify failed: ${response.status} ${await response.text()}`);
    },
    requests: () => requestOutcomes(server.output()),
    async stop() {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await ownSmtp?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function requestOutcomes(output: string): RequestOutcome[] {
  const byRequest = new Map<string, { method: string; url: string; statusCode: number | undefined; errorCode: string | undefined }>();
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      continue;
    }
    if (line.reqId === undefined) continue;
    const entry = byRequest.get(line.reqId) ?? { method: '', url: '', statusCode: undefined, errorCode: undefined };
    if (line.msg === 'incoming request') {
      entry.method = line.req?.method ?? '';
      entry.url = line.req?.url ?? '';
    }
    if (line.msg === 'request completed') entry.statusCode = line.res?.statusCode;
    if (line.msg === 'request rejected') entry.errorCode = line.code;
    byRequest.set(line.reqId, entry);
  }
  return [...byRequest.values()];
}

/**
 * A page server on another port standing in for an attacker's site. It sends
 * no Content-Security-Policy or X-Frame-Options of its own, so whatever stops
 * its frames and forms is the app's doing. Reach it as `http://localhost:<port>`
 * (another site than 127.0.0.1) or `http://127.0.0.1:<port>` (the same site,
 * another origin).
 */
export interface AttackerSite {
  readonly port: number;
  /** The page served at `path`; set by the test before the browser visits it. */
  readonly pages: Map<string, string>;
  close(): Promise<void>;
}

export async function startAttackerSite(): Promise<AttackerSite> {
  const pages = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    const page = pages.get((request.url ?? '/').split('?')[0] ?? '/');
    response.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(page ?? 'not found');
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port,
    pages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * A minimal API client for Node with a cookie jar: the CSRF dance the web
 * client does, for setting up accounts and checking server state from outside
 * the browser.
 */
export class ApiClient {
  readonly cookies = new Map<string, string>();
  private csrfToken: string | undefined;

  constructor(readonly origin: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, urlPath: string, body?: unknown): Promise<Response> {
    // First the token: fetching it sets the cookies this request must carry.
    const csrfToken = method === 'GET' ? undefined : (this.csrfToken ?? (await this.fetchCsrfToken()));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.origin}${urlPath}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  async fetchCsrfToken(): Promise<string> {
    this.csrfToken = undefined;
    const response = await this.request('GET', '/api/v1/auth/csrf-token');
    this.csrfToken = ((await response.json()) as { csrf_token: string }).csrf_token;
    return this.csrfToken;
  }

  /** Registers a fresh account (unique email, so reruns on a shared database never collide). */
  async register(label: string): Promise<{ email: string; password: string }> {
    const account = { email: uniqueEmail(`e2e-${label}`), password: strongPassword() };
    const response = await this.request('POST', '/api/v1/auth/register', account);
    if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
    return account;
  }
}
