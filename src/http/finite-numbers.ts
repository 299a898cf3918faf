import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HttpError, type FieldProblem } from '../errors.js';

const MAX_DEPTH = 32;

/** The path of the first non-finite number in a validated value, if any. */
function nonFinitePath(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = nonFinitePath(child, path === '' ? key : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
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
    for (const [part, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
      const field = nonFinitePath(value, '', 0);
      if (field !== undefined) {
        const details: FieldProblem[] = [{ field: field === '' ? part : field, message: 'must be a finite number', problem: 'not_a_number' }];
        done(new HttpError('validation_failed', { details }));
        return;
      }
    }
    done();
  });
}

export const finiteNumbers = fastifyPlugin(finiteNumbersPlugin, { name: 'autocognitix-finite-numbers', fastify: '5.x' });
