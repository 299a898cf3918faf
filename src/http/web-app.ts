import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `vite build web` writes the front end: `<project>/web/dist`, seen from src/http (tsx) and dist/http (built) alike. */
export const WEB_DIST_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/** The API, the ops endpoints and the built assets: an unknown path there stays a JSON 404, never the web page. */
const NOT_A_PAGE_PATH = /^\/(?:api|health|metrics|assets)(?:[/?]|$)/;

/** Vite puts content-hashed files under /assets/: a new build means new names, so they may be cached for good. */
function cacheControlFor(filePath: string): string {
  return filePath.split(path.sep).includes('assets') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export interface WebAppOptions {
  /** The built front end (must contain index.html); defaults to {@link WEB_DIST_DIRECTORY}. */
  readonly root?: string;
}

/**
 * Serves the built React front end from the same origin, after the API
 * routes: one route per built file, and for any other GET that asks for HTML
 * outside /api, /health, /metrics and /assets, index.html (history routing). Without a
 * build the server runs API-only.
 */
export async function webApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const root = options.root ?? WEB_DIST_DIRECTORY;
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn('the web front end is not built (run `npm run build:web`): serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    // Routes for the files that exist at start-up, so every other path reaches the fallback below.
    wildcard: false,
    cacheControl: false,
    setHeaders: (response, filePath) => {
      response.setHeader('cache-control', cacheControlFor(filePath));
    },
  });

  const serveIndexOrNotFound = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (!wantsHtml || NOT_A_PAGE_PATH.test(request.url)) {
      reply.callNotFound();
      return reply;
    }
    return reply.sendFile('index.html');
  };
  app.get('/*', { schema: { hide: true } }, serveIndexOrNotFound);
}
