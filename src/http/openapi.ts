import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { sessionCookieNames } from '../security/cookies.js';
import { docsContentSecurityPolicy } from '../security/headers.js';
import { PACKAGE_VERSION } from '../version.js';

export const OPENAPI_DOCUMENT_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/v1/docs';

const DESCRIPTION = `Vehicle diagnostics: trouble codes (DTCs), recalls and complaints.

**Authentication.** Send the access token as \`Authorization: Bearer <token>\` (scheme \`bearerAuth\`), or let the browser send the access cookie the sign-in sets (scheme \`cookieAuth\`, HttpOnly).

**CSRF.** Every state-changing request (POST, PUT, PATCH, DELETE) outside the exempt paths must carry the header \`X-CSRF-Token\` (scheme \`csrfToken\`) with a token from \`GET /api/v1/auth/csrf-token\`; the same value travels in a cookie (double submit). A missing or wrong token is answered with 403.

Errors always have the shape \`{ "error": { "code", "message" } }\`; the codes are listed in docs/API.md.`;

export interface OpenApiOptions {
  /** Whether cookies are Secure: it decides the access cookie's name (`__Host-` prefix). */
  readonly secureCookies: boolean;
}

/**
 * OpenAPI 3 document built from the route schemas, served at
 * `/api/v1/openapi.json`, and Swagger UI at `/api/v1/docs`. Register it before
 * any route: @fastify/swagger collects routes as they are added. Swagger UI
 * loads only files (its initializer included); its one inline stylesheet is
 * allowed by hash on the docs path only (`docsContentSecurityPolicy`).
 */
async function openApiPlugin(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'AutoCognitix API', version: PACKAGE_VERSION, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token from sign-in or refresh.' },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookieNames(options.secureCookies).access,
            description: 'The access token cookie set by sign-in (HttpOnly, SameSite=Strict); state-changing requests also need X-CSRF-Token.',
          },
          csrfToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'Double-submit CSRF token from GET /api/v1/auth/csrf-token, required on POST, PUT, PATCH and DELETE.',
          },
        },
      },
    },
  });

  app.get(OPENAPI_DOCUMENT_PATH, { schema: { hide: true } }, async () => app.swagger());

  // Own scope, so the hook below touches only the docs.
  const docsPolicy = docsContentSecurityPolicy();
  await app.register(async (docs) => {
    // @fastify/static marks the UI's files `public, max-age=0`; everything under /api/ is no-store.
    // Swagger UI's one inline stylesheet is allowed by hash here, and nowhere else.
    docs.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      reply.header('content-security-policy', docsPolicy);
    });
    // @fastify/swagger-ui redirects /static/index.html to the UI only without a query string; with one it
    // redirected to itself for ever. Any query goes: the UI takes none.
    docs.addHook('onRequest', async (request, reply) => {
      if (request.url.split('?', 1)[0] === `${DOCS_PATH}/static/index.html`) return reply.redirect(`${DOCS_PATH}/`);
    });
    await docs.register(fastifySwaggerUi, {
      routePrefix: DOCS_PATH,
      uiConfig: { deepLinking: true },
      // No call to the public validator (and nothing for CSP to allow).
      validatorUrl: false,
    });
  });
}

export const openApi = fastifyPlugin(openApiPlugin, { name: 'autocognitix-openapi', fastify: '5.x' });
