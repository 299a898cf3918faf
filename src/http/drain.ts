import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/** How often a drain looks at the app's clock while no socket closes. */
const DRAIN_CHECK_INTERVAL_MS = 25;

/**
 * Graceful drain before close. Closing a keep-alive socket while a client is
 * sending its next request on it fails that request, so instead every request
 * that arrives during the drain is answered with `Connection: close`: clients
 * finish what is in flight and reconnect elsewhere, and the sockets empty by
 * themselves. (A socket whose last request came before the drain and that
 * stays idle waits for the deadline, as any idle keep-alive socket does.) The
 * deadline follows the app's clock, so a test ends a drain without waiting.
 */
async function drainPlugin(app: FastifyInstance): Promise<void> {
  let draining = false;
  const sockets = new Set<Socket>();
  const onSocketClosed = new Set<() => void>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      for (const wake of onSocketClosed) wake();
    });
  });

  /** Resolves when a socket closes or after `ms`, whichever comes first. */
  const socketClosedOrAfter = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        onSocketClosed.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      onSocketClosed.add(wake);
    });

  // Marked when the request arrives, by a listener on the server that runs before Fastify's: a Fastify
  // hook would cost every request a run through its hook machinery, for a flag that is almost never set.
  app.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (draining) response.setHeader('connection', 'close');
  });

  app.decorate('drain', async (maxWaitMs: number): Promise<void> => {
    draining = true;
    const deadline = app.clock.now() + maxWaitMs;
    while (sockets.size > 0 && app.clock.now() < deadline) {
      await socketClosedOrAfter(Math.min(DRAIN_CHECK_INTERVAL_MS, deadline - app.clock.now()));
    }
  });
}

export const drain = fastifyPlugin(drainPlugin, { name: 'autocognitix-drain', fastify: '5.x', decorators: { fastify: ['clock'] } });

declare module 'fastify' {
  interface FastifyInstance {
    /** Marks responses `Connection: close` and waits (at most `maxWaitMs` by the app's clock) until open sockets have gone. */
    drain(maxWaitMs: number): Promise<void>;
  }
}
