import type {} from '@fastify/swagger';
import Type from 'typebox';
import { authOf, type AuthRouteOptions, credentialRateLimit, requestOrigin, SIGNED_IN_SECURITY } from './auth-shared.js';
import { NO_CONTENT, type SchemaTypedApp } from './schemas.js';

const VerifyBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

/** Verifying the account's e-mail address under `/api/v1/auth` (policy in src/security/email-verification.ts). */
export async function emailVerificationRoutes(app: SchemaTypedApp, { security }: AuthRouteOptions): Promise<void> {
  const { emailVerification } = security;

  app.post(
    '/email/verify',
    {
      preHandler: credentialRateLimit(security, 'email_link'),
      schema: {
        tags: ['auth'],
        summary: 'Follow the verification link (24 hours, single use): the account’s address counts as verified; refused once the account has another address',
        body: VerifyBody,
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      const { userId } = await emailVerification.verify(request.body.token);
      security.events.record({ code: 'email_verified', userId, origin: requestOrigin(request) });
      return reply.code(204).send();
    },
  );

  app.post(
    '/email/verification',
    {
      preHandler: [app.requireAuth, credentialRateLimit(security, 'email_verification'), credentialRateLimit(security, 'email_verification_account', 'account')],
      schema: {
        security: SIGNED_IN_SECURITY,
        tags: ['auth'],
        summary: 'Mail a new verification link to my address (the previous link dies); 204 without a mail when the address is already verified',
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      await emailVerification.resend(authOf(request).userId);
      return reply.code(204).send();
    },
  );
}
