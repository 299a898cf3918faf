/**
 * One HTTP server for the throughput benchmark, started by bench/run.ts as a
 * child process pinned to one core. `tsx bench/server.ts <kind>`:
 *
 * - `bare`: a bare Fastify route returning JSON (the floor);
 * - `app`: the real app (buildApp, configured from the environment) with two
 *   bench-only routes returning the same JSON behind `requireAuth`: GET (CSRF-exempt)
 *   and POST (CSRF-protected); /api/v1/auth/me is there too, and every public
 *   route (POST /api/v1/diagnosis/describe among them); the signed-in user has
 *   five garage vehicles and the bundled trouble codes are loaded, for the
 *   real-route rows (garage list, DTC lookup). Bench-only knobs, read
 *   here and never by the app: BENCH_DATABASE_SCHEMA (PostgreSQL schema to work
 *   in), BENCH_SEED_DIAGNOSIS=1 (load the bundled codes and sync the diagnosis
 *   index, as src/main.ts does at start-up), BENCH_PUBLIC_RATE_LIMIT (requests
 *   per address and minute on the public route groups: the load generator is
 *   one address);
 * - `express`: the conventional peer, Express 5 + helmet + jsonwebtoken (KeyObject
 *   secret) + ioredis `EXISTS jti:<jti>`.
 *
 * Prints one line `BENCH_READY {json}` with the port and the credentials the load generator must send.
 */
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { buildApp } from '../src/app.js';
import { GarageRepository } from '../src/db/repositories/garage.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/observability/index.js';
import { openRuntime } from '../src/runtime.js';
import { syncDiagnosisIndex } from '../src/diagnostics/describe/index.js';
import { seedDtcCodesIfEmpty } from '../src/importers/index.js';
import type { IpRateLimitPolicy } from '../src/security/ip-rate-limit.js';
import { csrfTokenFor, registerAndLogin } from '../test/helpers/auth-client.js';
import { BENCH_ROUTE, type ReadyMessage } from './shared.js';

/** What every measured route answers: the same small JSON everywhere. */
const ANSWER = { status: 'ok' } as const;

function announce(message: ReadyMessage): void {
  process.stdout.write(`BENCH_READY ${JSON.stringify(message)}\n`);
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

async function bareServer(): Promise<void> {
  const app = Fastify();
  app.get(BENCH_ROUTE, async () => ANSWER);
  announce({ port: await listen(app), headers: {} });
}

/** BENCH_PUBLIC_RATE_LIMIT as the app's `publicRateLimit` dependency; unset leaves the production default. */
function benchPublicRateLimit(): Partial<IpRateLimitPolicy> | undefined {
  const value = process.env.BENCH_PUBLIC_RATE_LIMIT;
  if (value === undefined) return undefined;
  const maxRequests = Number(value);
  if (!Number.isSafeInteger(maxRequests) || maxRequests < 1) throw new Error('BENCH_PUBLIC_RATE_LIMIT must be a positive integer');
  return { maxRequests, windowMs: 60_000 };
}

async function appServer(): Promise<void> {
  const { config } = loadConfig(process.env);
  const schema = process.env.BENCH_DATABASE_SCHEMA;
  const runtime = await openRuntime(config, { migrate: true, ...(schema === undefined ? {} : { databaseSchema: schema }) });
  if (process.env.BENCH_SEED_DIAGNOSIS === '1') {
    await seedDtcCodesIfEmpty(runtime.database);
    await syncDiagnosisIndex(runtime.database);
  }
  const publicRateLimit = benchPublicRateLimit();
  const app = await buildApp(config, {
    database: runtime.database,
    store: runtime.store,
    logger: createLogger({ level: config.logLevel }),
    ...(publicRateLimit === undefined ? {} : { publicRateLimit }),
  });
  app.get(BENCH_ROUTE, { preHandler: app.requireAuth }, async () => ANSWER);
  app.post(BENCH_ROUTE, { preHandler: app.requireAuth }, async () => ANSWER);
  await app.ready();
  // Credentials through the public API, exactly as a client gets them.
  const { tokens, id: userId } = await registerAndLogin(app);
  // The real routes measured beside the synthetic one: a garage of five vehicles, and the bundled trouble codes.
  const garage = new GarageRepository(runtime.database.db);
  for (const [index, model] of ['CIVIC', 'GOLF', 'OCTAVIA', 'FOCUS', 'CORSA'].entries()) await garage.addVehicle(userId, { make: 'BENCH', model, year: 2010 + index, nickname: `car ${index + 1}` });
  await seedDtcCodesIfEmpty(runtime.database);
  const authorization = `Bearer ${tokens.access_token}`;
  const csrf = await csrfTokenFor(app, { headers: { authorization } });
  const cookie = Object.entries(csrf.cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
  announce({ port: await listen(app), headers: { authorization, 'x-csrf-token': csrf.token, cookie } });
}

async function expressServer(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL;
  if (redisUrl === undefined) throw new Error('BENCH_REDIS_URL is required for the express peer');
  const redis = new Redis(redisUrl, { enableAutoPipelining: true, keyPrefix: 'bench-peer:' });
  const secret = createSecretKey(randomBytes(48));
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.get(BENCH_ROUTE, (request, response, next) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) {
      response.status(401).json({ error: 'authentication_required' });
      return;
    }
    let jti: unknown;
    try {
      jti = (jwt.verify(token, secret, { algorithms: ['HS256'], audience: 'bench', issuer: 'bench' }) as jwt.JwtPayload).jti;
    } catch {
      response.status(401).json({ error: 'token_invalid' });
      return;
    }
    redis.exists(`jti:${String(jti)}`).then(
      (revoked) => {
        if (revoked === 1) response.status(401).json({ error: 'token_revoked' });
        else response.json(ANSWER);
      },
      (error: unknown) => {
        next(error);
      },
    );
  });
  const token = jwt.sign({ jti: randomBytes(16).toString('base64url') }, secret, { algorithm: 'HS256', subject: randomUUID(), audience: 'bench', issuer: 'bench', expiresIn: '1h' });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  announce({ port: address.port, headers: { authorization: `Bearer ${token}` } });
}

// A clean exit on SIGTERM, so `--cpu-prof` (BENCH_PROFILE_DIR) can write its profile.
process.once('SIGTERM', () => {
  process.exit(0);
});

const servers: Record<string, () => Promise<void>> = { bare: bareServer, app: appServer, express: expressServer };
const kind = process.argv[2] ?? '';
const start = servers[kind];
if (start === undefined) {
  process.stderr.write(`usage: tsx bench/server.ts ${Object.keys(servers).join('|')}\n`);
  process.exit(2);
}
start().catch((error: unknown) => {
  process.stderr.write(`bench server ${kind} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
