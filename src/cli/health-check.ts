import { performance } from 'node:perf_hooks';
import { appliedMigrations } from '../db/index.js';
import { knownSchemaVersions } from '../db/backup.js';
import { openRuntime, type Runtime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { CommandFailure } from './exit-status.js';

export interface CheckResult {
  readonly name: 'database' | 'store' | 'migrations';
  /** The kind of backend, never its address. */
  readonly backend: string;
  readonly ok: boolean;
  readonly elapsedMs: number;
  readonly detail: string;
}

/** A failure whose message this module wrote, so it is safe to print. */
class CheckFailure extends Error {}

/**
 * What the codes an operator meets first mean, in words: PostgreSQL's SQLSTATE
 * codes (their server messages may quote names, so we print our own words)
 * and Node's socket errors.
 */
export const FAILURE_CODE_MEANINGS: Readonly<Record<string, string>> = {
  '3D000': 'database does not exist',
  '3F000': 'schema does not exist',
  '28P01': 'password authentication failed',
  '28000': 'the server refused this role or client (pg_hba.conf)',
  '42501': 'permission denied (the role lacks a privilege)',
  '42P01': 'a table does not exist',
  '53300': 'too many connections',
  '57P01': 'the server is shutting down',
  '57P03': 'the server is starting up or in recovery',
  '08001': 'could not establish a connection',
  '08006': 'the connection failed',
  ECONNREFUSED: 'connection refused (nothing listens at that address and port)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
};

/** A short, safe reason: our own message or an error code (ECONNREFUSED, 28P01) with its meaning, never a message that could quote a URL. */
export function failureReason(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ('code' in current && typeof current.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(current.code)) {
      const meaning = FAILURE_CODE_MEANINGS[current.code];
      return meaning === undefined ? `unavailable (${current.code})` : `unavailable (${current.code}: ${meaning})`;
    }
  }
  return 'unavailable';
}

async function timed(name: CheckResult['name'], backend: string, timeoutMs: number, probe: () => Promise<string>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new CheckFailure(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const detail = await Promise.race([probe(), timeout]);
    return { name, backend, ok: true, elapsedMs: performance.now() - started, detail };
  } catch (error) {
    return { name, backend, ok: false, elapsedMs: performance.now() - started, detail: failureReason(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the database's applied migrations are exactly the ones this release knows. */
async function migrationState(runtime: Runtime): Promise<string> {
  let applied: string[];
  try {
    applied = await appliedMigrations(runtime.database);
  } catch {
    throw new CheckFailure('no migrations applied (run `autocognitix migrate`)');
  }
  const known = knownSchemaVersions();
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new CheckFailure(`the database has migrations this release does not know: ${unknown.join(', ')}`);
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0) throw new CheckFailure(`pending: ${pending.join(', ')} (run \`autocognitix migrate\`)`);
  return `up to date (${applied[applied.length - 1] ?? 'none'})`;
}

/** Pings each configured dependency (and, when the database answers, checks its schema), each with its own timeout. */
export async function runHealthChecks(runtime: Runtime, timeoutMs: number): Promise<CheckResult[]> {
  const [database, store] = await Promise.all([
    timed('database', runtime.database.engine, timeoutMs, async () => {
      await runtime.database.ping();
      return 'ok';
    }),
    timed('store', runtime.store.kind, timeoutMs, async () => {
      await runtime.store.ping();
      return 'ok';
    }),
  ]);
  const results = [database, store];
  // The schema can only be read from a database that answers.
  if (database.ok) results.push(await timed('migrations', runtime.database.engine, timeoutMs, () => migrationState(runtime)));
  return results;
}

/** `health-check`: pings the database and the store and checks the schema, one timed line each; exit 1 if any fails. */
export async function healthCheck(cli: CommandContext, options: { timeoutMs: number; json?: boolean }): Promise<void> {
  const runtime = await openRuntime(cli.config(), { migrate: false });
  let results: CheckResult[];
  try {
    results = await runHealthChecks(runtime, options.timeoutMs);
  } finally {
    await runtime.close();
  }
  const healthy = results.every((result) => result.ok);
  if (options.json === true) {
    cli.print(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', checks: results.map((result) => ({ ...result, elapsedMs: Math.round(result.elapsedMs) })) }, null, 2));
  } else {
    for (const result of results) {
      cli.print(`${result.name.padEnd(10)}  ${result.backend.padEnd(8)}  ${(result.ok ? 'ok' : 'FAIL').padEnd(4)}  ${`${Math.round(result.elapsedMs)} ms`.padStart(7)}  ${result.detail}`);
    }
  }
  if (!healthy) throw new CommandFailure(`error: ${results.filter((result) => !result.ok).map((result) => result.name).join(', ')} failed`);
}
