import type { FastifyInstance } from 'fastify';
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

/**
 * Ajv's type coercion turns `?limit=Infinity`, `1e999` or `-Infinity` into
 * non-finite numbers and lets them pass `integer`, `minimum` and `maximum`
 * (verified with this Ajv version), and JSON.parse does the same with 1e999.
 * No route wants one: refuse them after validation with a normal 422.
 */
async function finiteNumbersPlugin(app: FastifyInstance): Promise<void> {
  // Synchronous (a callback hook): an async one would cost every request a promise and a tick for nothing.
  app.addHook('preHandler', (request, _reply, done) => {
    done(nonFiniteProblem('params', request.params) ?? nonFiniteProblem('query', request.query) ?? nonFiniteProblem('body', request.body));
  });
}

export const finiteNumbers = fastifyPlugin(finiteNumbersPlugin, { name: 'autocognitix-finite-numbers', fastify: '5.x' });
