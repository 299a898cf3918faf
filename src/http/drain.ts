import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/**
 * Graceful drain before close. Closing a keep-alive socket while a client is
 * sending its next request on it fails that request, so instead every response
 * during the drain carries `Connection: close`: clients finish what is in
 * flight and reconnect elsewhere, and the sockets empty by themselves.
 */
async function drainPlugin(app: FastifyInstance): Promise<void> {
  let draining = false;
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });

  app.decorate('drain', async (maxWaitMs: number): Promise<void> => {
    draining = true;
    const deadline = Date.now() + maxWaitMs;
    while (sockets.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
}

export const drain = fastifyPlugin(drainPlugin, { name: 'autocognitix-drain', fastify: '5.x' });

declare module 'fastify' {
  interface FastifyInstance {
    /** Marks responses `Connection: close` and waits (at most `maxWaitMs`) until open sockets have gone. */
    drain(maxWaitMs: number): Promise<void>;
  }
}
