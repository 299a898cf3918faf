import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.js';
import { LazyChildLogger, lazyChildLoggerFactory } from '../../src/observability/lazy-child-logger.js';
import { RequestCompletion } from '../../src/observability/request-completion.js';
import { logCapture } from '../helpers/log-capture.js';

/** What pino's redaction writes in place of a secret (src/observability/logger.ts). */
const REDACTION_MARK = '[redacted]';

function capture(level: 'trace' | 'info' | 'warn'): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[]; children: () => number } {
  const { destination, lines } = logCapture();
  const logger = createLogger({ level, destination });
  let children = 0;
  // pino children inherit from their parent, so the spy must keep `this` (a bound spy would make every child a root child).
  const makeChild = Object.getPrototypeOf(logger) as { child: typeof logger.child };
  logger.child = function (this: typeof logger, ...args: Parameters<typeof logger.child>) {
    children++;
    return makeChild.child.call(this, ...args);
  } as typeof logger.child;
  return {
    logger,
    lines,
    children: () => children,
  };
}

describe('the lazy request logger', () => {
  it('makes no child while nothing is logged at an enabled level', () => {
    const { logger, lines, children } = capture('warn');
    const requestLog = new LazyChildLogger(logger, { reqId: 'req-1' }, {});
    requestLog.info({ req: { url: '/x' } }, 'incoming request');
    requestLog.debug('details');
    requestLog.trace('more details');
    expect(children()).toBe(0);
    expect(requestLog.materialized).toBe(false);
    expect(requestLog.level).toBe('warn');
    expect(lines()).toEqual([]);
  });

  it('writes what an eager child would: the bindings, the level, the fields, redaction and scrubbing', () => {
    const { logger, lines, children } = capture('info');
    const requestLog = new LazyChildLogger(logger, { reqId: 'req-2' }, {});
    const eager = logger.child({ reqId: 'req-2' }, {});
    requestLog.info({ status: 200, password: 'CANARY-pw' }, 'request completed');
    eager.info({ status: 200, password: 'CANARY-pw' }, 'request completed');
    requestLog.error(new Error('boom'), 'failed');
    requestLog.warn('Authorization: Bearer CANARY.token.value');
    const [lazyLine, eagerLine, errorLine, scrubbedLine] = lines();
    const withoutTime = (line: Record<string, unknown> | undefined): Record<string, unknown> => ({ ...line, time: undefined });
    expect(withoutTime(lazyLine)).toEqual(withoutTime(eagerLine));
    expect(lazyLine).toMatchObject({ level: 30, reqId: 'req-2', status: 200, password: REDACTION_MARK, msg: 'request completed' });
    expect(errorLine).toMatchObject({ level: 50, reqId: 'req-2', msg: 'failed', err: { message: 'boom' } });
    expect(scrubbedLine?.msg).toBe('Authorization: Bearer ********');
    // One child for the lazy logger (made once, reused), one for the eager comparison.
    expect(children()).toBe(2);
  });

  it("honours a route's log level and a level set later", () => {
    const { logger, lines } = capture('info');
    const quiet = new LazyChildLogger(logger, { reqId: 'req-3' }, { level: 'error' });
    expect(quiet.level).toBe('error');
    quiet.warn('not written');
    expect(lines()).toEqual([]);
    quiet.level = 'debug';
    quiet.debug('written');
    expect(lines()).toEqual([expect.objectContaining({ level: 20, reqId: 'req-3', msg: 'written' })]);
  });

  it('makes grandchildren from the real child, with every binding', () => {
    const { logger, lines } = capture('info');
    const requestLog = new LazyChildLogger(logger, { reqId: 'req-4' }, {});
    requestLog.child({ step: 'refresh' }).info('nested');
    expect(lines()).toEqual([expect.objectContaining({ reqId: 'req-4', step: 'refresh', msg: 'nested' })]);
  });

  it('is silent at silent', () => {
    const { logger, lines } = capture('info');
    const requestLog = new LazyChildLogger(logger, { reqId: 'req-5' }, { level: 'silent' });
    requestLog.fatal('nothing');
    requestLog.silent();
    expect(lines()).toEqual([]);
  });
});

describe('RequestCompletion (Fastify per-request lines only while info is written)', () => {
  /** A Fastify app with the app's logging options, one route that answers and one that fails. */
  async function appLoggingAt(level: 'info' | 'warn') {
    const { destination, lines } = logCapture();
    const logger = createLogger({ level, destination });
    const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLoggerFactory, logController: new RequestCompletion(logger) });
    app.get('/ok', async () => ({ ok: true }));
    app.get('/fails', async () => {
      throw new Error('handler failed');
    });
    await app.ready();
    const messages = (): unknown[] => lines().map((line) => line.msg);
    return { app, logger, messages };
  }

  it('writes "incoming request" and "request completed" at info, as Fastify does', async () => {
    const { app, messages } = await appLoggingAt('info');
    await app.inject({ url: '/ok' });
    expect(messages()).toEqual(['incoming request', 'request completed']);
    await app.close();
  });

  it('skips both above info and still logs a failing request', async () => {
    const { app, messages } = await appLoggingAt('warn');
    await app.inject({ url: '/ok' });
    expect(messages()).toEqual([]);
    expect((await app.inject({ url: '/fails' })).statusCode).toBe(500);
    expect(messages()).toEqual(['handler failed']);
    await app.close();
  });
});
