import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, errorBody, type ErrorCode } from '../errors.js';
import type { SecurityHeaderSet } from '../security/headers.js';

/*
 * Answers to requests that fail before any hook runs, so the security-headers
 * hook never sees them: each writer adds the headers itself and answers in
 * the usual `{ error }` shape. Fastify takes them as construction options.
 */

/**
 * Fastify's `frameworkErrors` option: a URL the router cannot decode (bad
 * percent-encoding, an over-long parameter) is answered before any hook runs,
 * so this handler adds the headers itself and answers in the usual error shape.
 */
export function answerFrameworkError(headers: SecurityHeaderSet): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const code: ErrorCode = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'invalid_url' : 'internal_error';
    request.log.info({ code, frameworkError: error.code }, 'request rejected by the router');
    void reply
      .headers(headers.api)
      .code(ERROR_CATALOG[code].status)
      .send(errorBody(code));
  };
}

/**
 * Fastify's `clientErrorHandler`: what Node refuses before any hook can run (a
 * request line or header it cannot parse: 400; headers over its 16 KB limit:
 * 431; a request not complete within REQUEST_TIMEOUT_MS: 408) is answered in
 * the usual error shape with the same headers, written to the socket as it
 * is, and the connection is closed. Fastify's default would answer a JSON of
 * another shape and without the security headers.
 */
export function answerClientError(headers: SecurityHeaderSet): (error: ConnectionError, socket: Socket) => void {
  const head = Object.entries(headers.api).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (error, socket) => {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ErrorCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'malformed_request';
    const { status } = ERROR_CATALOG[code];
    const body = JSON.stringify(errorBody(code));
    // As Node itself does: never write into a response that has already started on this connection.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
