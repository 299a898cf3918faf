import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HistogramObserver } from './hot-path-histogram.js';
import { httpMetrics } from './metrics.js';

/** The `route` label of requests no route matched (404s, scans): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** One observer per (method, status, route), found by one string key. */
const observers = new Map<string, HistogramObserver>();

/**
 * Records `http_request_duration_seconds` for a complete response, labelled
 * by the matched route pattern (`/api/v1/dtc/:code`, never the URL: an id or
 * token in a path would become a label and an unbounded series), the method
 * and the status code. Fastify measures the duration itself
 * (`reply.elapsedTime`, from the start of onRequest to the response's end).
 * Called for every response by {@link RequestCompletion}.
 */
export function recordRequestDuration(request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
  const key = `${request.method} ${String(reply.statusCode)} ${route}`;
  let observer = observers.get(key);
  if (observer === undefined) {
    observer = httpMetrics.requestDuration.labels({ route, method: request.method, status_code: String(reply.statusCode) });
    observers.set(key, observer);
  }
  observer.observe(reply.elapsedTime / 1000);
}
