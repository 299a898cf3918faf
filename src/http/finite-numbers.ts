import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError, type FieldProblem } from '../errors.js';

const MAX_DEPTH = 32;

/** The path of the first non-finite number in a validated value, if any. */
function nonFinitePath(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const found = nonFinitePath((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The 422 for the first non-finite number in one part of a request, if any. */
function nonFiniteProblem(part: 'params' | 'query' | 'body', value: unknown): HttpError | undefined {
  const field = nonFinitePath(value, '', 0);
  if (field === undefined) return undefined;
  const details: FieldProblem[] = [{ field: field === '' ? part : field, message: 'must be a finite number', problem: 'not_a_number' }];
  return new HttpError('validation_failed', { details });
}

/** Methods whose requests Fastify gives no body. */
const BODILESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
/** A schema that may let a number through: one that names number or integer, or refers elsewhere. */
const MAY_HOLD_NUMBERS = /"(?:number|integer|\$ref)"/;

/**
 * Whether a request to this route can hold a non-finite number: when it has
 * a body (JSON.parse), or when a params or query schema lets Ajv turn a
 * string into a number. Without such a schema, params and query are strings.
 */
function mayHoldNumbers(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.some((method) => !BODILESS_METHODS.has(method.toUpperCase()))) return true;
  const schema = route.schema as Record<string, unknown> | undefined;
  return [schema?.params, schema?.querystring, schema?.query].some((part) => part !== undefined && MAY_HOLD_NUMBERS.test(JSON.stringify(part)));
}

// Synchronous (a callback hook): an async one would cost every request a promise and a tick for nothing.
function refuseNonFiniteNumbers(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  done(nonFiniteProblem('params', request.params) ?? nonFiniteProblem('query', request.query) ?? nonFiniteProblem('body', request.body));
}

/**
 * Ajv's type coercion turns `?limit=Infinity`, `1e999` or `-Infinity` into
 * non-finite numbers and lets them pass `integer`, `minimum` and `maximum`
 * (verified with this Ajv version), and JSON.parse does the same with 1e999.
 * No route wants one: refuse them after validation with a normal 422. Only
 * the routes whose requests can hold a number get the check (the first of
 * their own preHandlers), so a plain GET pays nothing for it.
 */
async function finiteNumbersPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!mayHoldNumbers(route)) return;
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [refuseNonFiniteNumbers, ...existing];
  });
}

export const finiteNumbers = fastifyPlugin(finiteNumbersPlugin, { name: 'autocognitix-finite-numbers', fastify: '5.x' });
