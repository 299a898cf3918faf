import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { isDatabaseUnavailable } from '../db/index.js';
import { StoreUnavailableError } from '../stores/key-value-store.js';
import { HttpError, errorBody, type ErrorCode, type FieldProblem } from './errors.js';

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_body',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

function fieldProblems(error: FastifyError): FieldProblem[] {
  return (error.validation ?? []).map((problem) => {
    const params = problem.params as { missingProperty?: unknown; additionalProperty?: unknown };
    // Name the offending property itself, not just the object that holds it.
    const missing = params.missingProperty ?? params.additionalProperty;
    const path = problem.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const field = typeof missing === 'string' ? (path === '' ? missing : `${path}.${missing}`) : path;
    return { field: field === '' ? error.validationContext ?? 'body' : field, message: problem.message ?? 'is invalid' };
  });
}

/** Turns anything thrown into the `{ error: { code, message } }` shape; never a stack trace or internal detail. */
function toResponse(error: FastifyError | Error): { status: number; code: ErrorCode; message?: string; details?: FieldProblem[]; headers?: Record<string, string> } {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, ...(error.details ? { details: [...error.details] } : {}), headers: { ...error.headers } };
  }
  if (error instanceof StoreUnavailableError) return { status: 503, code: 'store_unavailable' };
  if (isDatabaseUnavailable(error)) return { status: 503, code: 'database_unavailable' };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) return { status: 422, code: 'validation_failed', details: fieldProblems(fastifyError) };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, code: CODE_BY_STATUS[status] ?? 'invalid_body' };
  }
  return { status: 500, code: 'internal_error' };
}

async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const response = toResponse(error);
    if (response.status >= 500) {
      request.log.error({ err: error, code: response.code }, 'request failed');
    } else {
      request.log.info({ code: response.code, status: response.status }, 'request rejected');
    }
    if (response.status === 503) reply.header('retry-after', '1');
    for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
    return reply.code(response.status).send(errorBody(response.code, response.message, response.details));
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(errorBody('not_found')));
}

export const errorHandler = fastifyPlugin(errorHandlerPlugin, { name: 'autocognitix-error-handler', fastify: '5.x' });
