import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { isDatabaseUnavailable } from '../db/index.js';
import { StoreUnavailableError } from '../stores/key-value-store.js';
import { HttpError, errorBody, type ErrorCode, type ErrorExtras, type FieldProblem } from '../errors.js';
import { schemaFieldProblems } from './field-problems.js';

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_body',
  404: 'not_found',
  403: 'forbidden',
  405: 'method_not_allowed',
  408: 'request_timeout',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
  503: 'service_unavailable',
};


/** PostgreSQL's "character not in repertoire" and "untranslatable character" (e.g. U+0000 in text). */
const UNSTORABLE_TEXT_CODES: ReadonlySet<unknown> = new Set(['22021', '22P05']);


/** Turns anything thrown into the `{ error: { code, message } }` shape; never a stack trace or internal detail. */
function toResponse(error: FastifyError | Error): { status: number; code: ErrorCode; message?: string; details?: FieldProblem[]; headers?: Record<string, string>; extras?: ErrorExtras } {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, ...(error.details ? { details: [...error.details] } : {}), headers: { ...error.headers }, extras: error.extras };
  }
  if (error instanceof StoreUnavailableError) return { status: 503, code: 'store_unavailable' };
  if (isDatabaseUnavailable(error)) return { status: 503, code: 'database_unavailable' };
  // PostgreSQL refuses text it cannot store (a NUL character: SQLSTATE 22021, or 22P05): the client sent it, so 422, not 500.
  if (UNSTORABLE_TEXT_CODES.has((error as { code?: unknown }).code)) return { status: 422, code: 'validation_failed', message: 'The request contains a character that cannot be stored (such as NUL)' };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) return { status: 422, code: 'validation_failed', details: schemaFieldProblems(fastifyError) };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status];
    // A client error with no code of its own becomes a plain 400: a code always has its catalogued status.
    return code === undefined ? { status: 400, code: 'malformed_request' } : { status, code };
  }
  return { status: 500, code: 'internal_error' };
}

async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const response = toResponse(error);
    if (response.status >= 500) {
      request.log.error({ err: error, code: response.code }, 'request failed');
    } else {
      // A visitor who presented no credentials at all is routine (every anonymous page load asks): debug.
      // A credential that was presented and refused (bad, expired, revoked, a wrong metrics token) stays at info.
      const anonymous = response.code === 'authentication_required' && request.headers.authorization === undefined;
      const level = anonymous ? 'debug' : 'info';
      request.log[level]({ code: response.code, status: response.status }, 'request rejected');
    }
    if (response.status === 503) reply.header('retry-after', '1');
    for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
    return reply.code(response.status).send(errorBody(response.code, response.message, response.details, response.extras));
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(errorBody('not_found')));
}

export const errorHandler = fastifyPlugin(errorHandlerPlugin, { name: 'autocognitix-error-handler', fastify: '5.x' });
