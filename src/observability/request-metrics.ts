import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { HistogramObserver } from './hot-path-histogram.js';
import { httpMetrics } from './metrics.js';

/** The `route` label of requests no route matched (404s, scans): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';


/**
 * Records `http_request_duration_seconds` for every response, labelled by the
 * matched route pattern (`/api/v1/dtc/:code`, never the URL: an id or token
 * in a path would become a label and an unbounded series), the method and the
 * status code. Fastify measures the duration itself (`reply.elapsedTime`, from
 * the start of onRequest).
 */
async function requestMetricsPlugin(app: FastifyInstance): Promise<void> {
  // One observer per (route, method, status), found by one string key.
  const observers = new Map<string, HistogramObserver>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const key = `${request.method} ${String(reply.statusCode)} ${route}`;
    let observer = observers.get(key);
    if (observer === undefined) {
      observer = httpMetrics.requestDuration.labels({ route, method: request.method, status_code: String(reply.statusCode) });
      observers.set(key, observer);
    }
    observer.observe(reply.elapsedTime / 1000);
    done();
  });
}

/** Request duration by route pattern and status, for every route of the app (not encapsulated). */
export const requestMetrics = fastifyPlugin(requestMetricsPlugin, { name: 'autocognitix-request-metrics', fastify: '5.x' });
