import { LogController, type FastifyBaseLogger } from 'fastify';
import { writesAt } from './lazy-child-logger.js';
import { recordRequestDuration } from './request-metrics.js';

/**
 * What the app does when a response is complete, in the callback Fastify
 * makes for every response (its log controller's `requestCompleted`, after
 * the onResponse hooks): the request-duration metric, then Fastify's own
 * lines. An onResponse hook for the metric cost every request a second run
 * through Fastify's hook machinery.
 *
 * Fastify's per-request lines ("incoming request", "request completed") are
 * written at `info`: above that level each request would only build two log
 * objects to drop them, so they are skipped while the app's logger is above
 * `info`. Errors and every other line are logged as by Fastify's own
 * controller.
 */
export class RequestCompletion extends LogController {
  constructor(private readonly logger: FastifyBaseLogger) {
    super();
  }

  override incomingRequest(...args: Parameters<LogController['incomingRequest']>): void {
    if (writesAt(this.logger.level, 'info')) super.incomingRequest(...args);
  }

  override requestCompleted(...args: Parameters<LogController['requestCompleted']>): void {
    const [error, request, reply] = args;
    try {
      recordRequestDuration(request, reply);
    } catch {
      // Runs in the response's 'finish' event: a metric that cannot be recorded must not take the process down.
    }
    // With an error the line is written at error level: only the info line is skipped.
    if (error == null && !writesAt(this.logger.level, 'info')) return;
    super.requestCompleted(...args);
  }
}
