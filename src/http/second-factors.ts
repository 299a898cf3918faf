import type {} from '@fastify/swagger';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { StoredPasskey } from '../db/repositories/second-factors.js';
import { HttpError } from '../errors.js';
import { cookiesOf } from '../security/cookies.js';
import { knownTransports } from '../security/passkeys.js';
import type { SecondFactorCode } from '../security/second-factors.js';
import type { SessionOrigin } from '../security/sessions.js';
import type { SecurityEventCode } from '../security/security-events.js';
import { authOf, type AuthRouteOptions, credentialRateLimit, requestOrigin, SIGNED_IN_SECURITY } from './auth-shared.js';
import { Nullable, NO_CONTENT, type SchemaTypedApp } from './schemas.js';
import { completeSignIn, LoginResponseSchema, TOKEN_DELIVERY_HEADER } from './sign-in.js';

/** base64url as WebAuthn JSON carries it, bounded. */
const Base64Url = (maxLength: number) => Type.String({ maxLength, pattern: '^[A-Za-z0-9_-]*$' });
const Ticket = Type.String({ minLength: 1, maxLength: 64 });
const TotpCode = Type.String({ minLength: 1, maxLength: 16 });
const RecoveryCode = Type.String({ minLength: 1, maxLength: 32 });
const PasskeyName = Type.String({ minLength: 1, maxLength: 64 });

/**
 * The shape of the browser's `PublicKeyCredential.toJSON()` after
 * @simplewebauthn/browser: checked here for types and sizes, verified
 * cryptographically in src/security/passkeys.ts.
 */
const AuthenticationResponse = Type.Object({
  id: Base64Url(1400),
  rawId: Base64Url(1400),
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: Base64Url(8192),
    authenticatorData: Base64Url(8192),
    signature: Base64Url(1024),
    userHandle: Type.Optional(Base64Url(128)),
  }),
  clientExtensionResults: Type.Object({}),
  authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
});
const RegistrationResponse = Type.Object({
  id: Base64Url(1400),
  rawId: Base64Url(1400),
  type: Type.Literal('public-key'),
  response: Type.Object({
    clientDataJSON: Base64Url(8192),
    attestationObject: Base64Url(32_768),
    authenticatorData: Type.Optional(Base64Url(32_768)),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
    publicKey: Type.Optional(Base64Url(4096)),
  }),
  clientExtensionResults: Type.Object({}),
  authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
});

/** Validated above for shape and size (the schemas' types fit the library's); the signature checks come after, in the passkey service. */
const asAuthenticationResponse = (body: Static<typeof AuthenticationResponse>): AuthenticationResponseJSON => body;
const asRegistrationResponse = (body: Static<typeof RegistrationResponse>): RegistrationResponseJSON => {
  const { transports, ...response } = body.response;
  return { ...body, response: { ...response, ...(transports === undefined ? {} : { transports: knownTransports(transports) }) } };
};

const CodeBody = Type.Object({ totp_code: Type.Optional(TotpCode), recovery_code: Type.Optional(RecoveryCode) }, { additionalProperties: false });
const SecondStepBody = Type.Object({ ticket: Ticket, totp_code: Type.Optional(TotpCode), recovery_code: Type.Optional(RecoveryCode) }, { additionalProperties: false });
const OptionsResponse = Type.Object({ options: Type.Unknown({ description: 'WebAuthn options JSON for @simplewebauthn/browser (startAuthentication / startRegistration)' }) });
const PasskeySchema = Type.Object({
  id: Type.String({ description: 'the credential ID, base64url' }),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Nullable(Type.String({ format: 'date-time' })),
  backed_up: Type.Boolean({ description: 'synced by its provider (a multi-device passkey)' }),
  device_type: Type.String({ description: 'singleDevice or multiDevice' }),
});
const RecoveryCodes = Type.Array(Type.String(), { description: 'shown once: store them somewhere safe' });
const FreshUntil = Type.Object({ fresh_until: Type.String({ format: 'date-time', description: 'sensitive changes need no new confirmation until then' }) });

function passkeyResponse(passkey: StoredPasskey): Static<typeof PasskeySchema> {
  return { id: passkey.id, name: passkey.name, created_at: passkey.createdAt, last_used_at: passkey.lastUsedAt, backed_up: passkey.backedUp, device_type: passkey.deviceType };
}

/** Exactly one of the two codes; both or neither is a 422 naming the fields. */
function codeOf(body: { totp_code?: string | undefined; recovery_code?: string | undefined }): SecondFactorCode {
  const given = [body.totp_code, body.recovery_code].filter((code) => code !== undefined).length;
  if (given !== 1) {
    throw new HttpError('validation_failed', {
      details: [{ field: 'totp_code', message: 'send exactly one of totp_code and recovery_code', problem: given === 0 ? 'required' : 'not_allowed' }],
    });
  }
  return { totpCode: body.totp_code, recoveryCode: body.recovery_code };
}

/** Second factors under `/api/v1/auth`: the sign-in's second step, passkey sign-in, step-up, and the user's own factors. Policy lives in src/security/second-factors.ts. */
export async function secondFactorRoutes(app: SchemaTypedApp, { security }: AuthRouteOptions): Promise<void> {
  const { secondFactors, users, deviceCookies } = security;

  const originOf = (request: FastifyRequest, email: string): SessionOrigin => ({
    address: request.ip,
    userAgent: request.headers['user-agent'],
    trustedDevice: deviceCookies.trustedDevice(cookiesOf(request), email),
  });
  const inBody = (request: FastifyRequest): boolean => request.headers[TOKEN_DELIVERY_HEADER] === 'body';
  /** A factor of the signed-in user was added or removed: recorded, and the owner is mailed (src/security/notifications.ts). */
  const recordFactorChange = (request: FastifyRequest, code: Extract<SecurityEventCode, 'factor_added' | 'factor_removed'>, kind: 'totp' | 'passkey' | 'recovery_codes'): void => {
    const auth = authOf(request);
    security.events.record({ code, userId: auth.userId, origin: requestOrigin(request), sessionId: auth.sessionId, reason: kind });
  };
  const currentUser = async (request: FastifyRequest) => {
    const user = await users.findById(authOf(request).userId);
    if (user === undefined) throw new HttpError('token_revoked');
    return user;
  };

  // The second step and passkey sign-in (anonymous: the ticket or the passkey is the credential).

  app.post(
    '/login/second-factor',
    {
      preHandler: credentialRateLimit(security, 'second_factor'),
      schema: {
        tags: ['auth'],
        summary: "Finish a sign-in with the ticket from POST /login and a code: the authenticator app's or a recovery code (each works once)",
        body: SecondStepBody,
        response: { 200: LoginResponseSchema },
      },
    },
    async (request, reply) => {
      const code = codeOf(request.body);
      const signedIn = await secondFactors.completeWithCode(request.body.ticket, code, (email) => originOf(request, email));
      return reply.send(await completeSignIn(app, security, request, reply, signedIn, inBody(request)));
    },
  );

  app.post(
    '/passkey/options',
    {
      preHandler: credentialRateLimit(security, 'passkey_challenge'),
      schema: {
        tags: ['auth'],
        summary: 'A single-use WebAuthn challenge (5 min): without a ticket for signing in with a passkey alone, with one for the second step',
        body: Type.Union([Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false }), Type.Null()]),
        response: { 200: OptionsResponse },
      },
    },
    async (request, reply) => {
      return reply.send({ options: await secondFactors.passkeySignInOptions(request.body?.ticket) });
    },
  );

  app.post(
    '/passkey/login',
    {
      preHandler: credentialRateLimit(security, 'second_factor'),
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a passkey: alone (user verification required) or, with the ticket, as the second step',
        body: Type.Object({ response: AuthenticationResponse, ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 200: LoginResponseSchema },
      },
    },
    async (request, reply) => {
      const signedIn = await secondFactors.signInWithPasskey(asAuthenticationResponse(request.body.response), request.body.ticket, (email) => originOf(request, email));
      return reply.send(await completeSignIn(app, security, request, reply, signedIn, inBody(request)));
    },
  );

  // The signed-in user's own factors.

  const signedIn = { security: SIGNED_IN_SECURITY, tags: ['second factors'] };
  const setup = [app.requireAuth, credentialRateLimit(security, 'second_factor_setup'), credentialRateLimit(security, 'second_factor_setup', 'account')];
  const attempts = [app.requireAuth, credentialRateLimit(security, 'second_factor')];
  const challenges = [app.requireAuth, credentialRateLimit(security, 'passkey_challenge'), credentialRateLimit(security, 'passkey_challenge', 'account')];

  app.get(
    '/second-factors',
    {
      preHandler: app.requireAuth,
      schema: {
        ...signedIn,
        summary: 'My second factors: authenticator app, passkeys, recovery codes left, and whether this session is fresh for sensitive changes',
        response: {
          200: Type.Object({
            totp: Type.Object({ enabled: Type.Boolean() }),
            passkeys: Type.Array(PasskeySchema),
            recovery_codes: Type.Object({ remaining: Type.Integer(), created_at: Nullable(Type.String({ format: 'date-time' })) }),
            step_up: Type.Object({
              required: Type.Boolean({ description: 'I have a second factor, so sensitive changes need a fresh confirmation' }),
              fresh_until: Nullable(Type.String({ format: 'date-time' })),
            }),
          }),
        },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const overview = await secondFactors.overview(auth.userId, auth.sessionId);
      return reply.send({
        totp: { enabled: overview.totpEnabled },
        passkeys: overview.passkeys.map(passkeyResponse),
        recovery_codes: { remaining: overview.recoveryCodesLeft, created_at: overview.recoveryCodesCreatedAt },
        step_up: { required: overview.stepUpRequired, fresh_until: overview.freshUntil?.toISOString() ?? null },
      });
    },
  );

  app.post(
    '/second-factors/totp',
    {
      preHandler: setup,
      schema: {
        ...signedIn,
        summary: 'Start setting up an authenticator app: a new secret as text, otpauth URI and QR code; active after POST /second-factors/totp/confirm',
        response: { 201: Type.Object({ secret: Type.String(), otpauth_uri: Type.String(), qr_code: Type.String({ description: 'an SVG data URL' }) }) },
      },
    },
    async (request, reply) => {
      const enrolment = await secondFactors.startTotp(await currentUser(request), authOf(request).sessionId);
      return reply.code(201).header('cache-control', 'no-store').send({ secret: enrolment.secret, otpauth_uri: enrolment.uri, qr_code: enrolment.qrCode });
    },
  );

  app.post(
    '/second-factors/totp/confirm',
    {
      preHandler: attempts,
      schema: {
        ...signedIn,
        summary: "Activate the authenticator app with its first code; the first factor also brings ten recovery codes (shown once)",
        body: Type.Object({ code: TotpCode }, { additionalProperties: false }),
        response: { 200: Type.Object({ recovery_codes: Nullable(RecoveryCodes) }) },
      },
    },
    async (request, reply) => {
      const codes = await secondFactors.confirmTotp(await currentUser(request), authOf(request).sessionId, request.body.code);
      recordFactorChange(request, 'factor_added', 'totp');
      return reply.header('cache-control', 'no-store').send({ recovery_codes: codes });
    },
  );

  app.delete('/second-factors/totp', { preHandler: app.requireAuth, schema: { ...signedIn, summary: 'Remove the authenticator app (needs a fresh second factor)', response: NO_CONTENT } }, async (request, reply) => {
    const auth = authOf(request);
    await secondFactors.removeTotp(auth.userId, auth.sessionId);
    recordFactorChange(request, 'factor_removed', 'totp');
    return reply.code(204).send();
  });

  app.post(
    '/second-factors/recovery-codes',
    {
      preHandler: setup,
      schema: { ...signedIn, summary: 'Ten new recovery codes (needs a fresh second factor); every earlier code stops working', response: { 200: Type.Object({ recovery_codes: RecoveryCodes }) } },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const codes = await secondFactors.regenerateRecoveryCodes(auth.userId, auth.sessionId);
      recordFactorChange(request, 'factor_added', 'recovery_codes');
      return reply.header('cache-control', 'no-store').send({ recovery_codes: codes });
    },
  );

  app.post(
    '/second-factors/passkeys/options',
    { preHandler: challenges, schema: { ...signedIn, summary: 'WebAuthn creation options for a new passkey (a single-use challenge, 5 min)', response: { 200: OptionsResponse } } },
    async (request, reply) => {
      return reply.send({ options: await secondFactors.passkeyRegistrationOptions(await currentUser(request), authOf(request).sessionId) });
    },
  );

  app.post(
    '/second-factors/passkeys',
    {
      preHandler: setup,
      schema: {
        ...signedIn,
        summary: 'Register a passkey from the browser\'s response to the creation options; the first factor also brings ten recovery codes',
        body: Type.Object({ name: PasskeyName, response: RegistrationResponse }, { additionalProperties: false }),
        response: { 201: Type.Object({ passkey: PasskeySchema, recovery_codes: Nullable(RecoveryCodes) }) },
      },
    },
    async (request, reply) => {
      const registered = await secondFactors.registerPasskey(await currentUser(request), authOf(request).sessionId, request.body.name, asRegistrationResponse(request.body.response));
      recordFactorChange(request, 'factor_added', 'passkey');
      return reply.code(201).header('cache-control', 'no-store').send({ passkey: passkeyResponse(registered.passkey), recovery_codes: registered.recoveryCodes });
    },
  );

  const PasskeyParams = Type.Object({ id: Base64Url(1400) });
  app.patch(
    '/second-factors/passkeys/:id',
    {
      preHandler: app.requireAuth,
      schema: { ...signedIn, summary: 'Rename a passkey', params: PasskeyParams, body: Type.Object({ name: PasskeyName }, { additionalProperties: false }), response: { 200: Type.Object({ passkey: PasskeySchema }) } },
    },
    async (request, reply) => {
      const name = request.body.name.trim();
      if (name === '') throw new HttpError('validation_failed', { details: [{ field: 'name', message: 'must not be blank', problem: 'required' }] });
      return reply.send({ passkey: passkeyResponse(await secondFactors.renamePasskey(authOf(request).userId, request.params.id, name)) });
    },
  );

  app.delete(
    '/second-factors/passkeys/:id',
    { preHandler: app.requireAuth, schema: { ...signedIn, summary: 'Remove a passkey (needs a fresh second factor)', params: PasskeyParams, response: NO_CONTENT } },
    async (request, reply) => {
      const auth = authOf(request);
      await secondFactors.removePasskey(auth.userId, auth.sessionId, request.params.id);
      recordFactorChange(request, 'factor_removed', 'passkey');
      return reply.code(204).send();
    },
  );

  // Step-up: confirm a factor in this session before a sensitive change.

  app.post(
    '/second-factors/step-up',
    {
      preHandler: attempts,
      schema: { ...signedIn, summary: 'Confirm a second factor with a code: sensitive changes are allowed in this session for STEP_UP_WINDOW_MINUTES', body: CodeBody, response: { 200: FreshUntil } },
    },
    async (request, reply) => {
      const user = await currentUser(request);
      const until = await secondFactors.stepUpWithCode(user, authOf(request).sessionId, codeOf(request.body), originOf(request, user.email));
      return reply.send({ fresh_until: until.toISOString() });
    },
  );

  app.post(
    '/second-factors/step-up/passkey-options',
    { preHandler: challenges, schema: { ...signedIn, summary: 'A single-use WebAuthn challenge to confirm this session with one of my passkeys', response: { 200: OptionsResponse } } },
    async (request, reply) => {
      const auth = authOf(request);
      return reply.send({ options: await secondFactors.stepUpPasskeyOptions(auth.userId, auth.sessionId) });
    },
  );

  app.post(
    '/second-factors/step-up/passkey',
    {
      preHandler: attempts,
      schema: { ...signedIn, summary: 'Confirm a second factor with a passkey', body: Type.Object({ response: AuthenticationResponse }, { additionalProperties: false }), response: { 200: FreshUntil } },
    },
    async (request, reply) => {
      const user = await currentUser(request);
      const until = await secondFactors.stepUpWithPasskey(user, authOf(request).sessionId, asAuthenticationResponse(request.body.response), originOf(request, user.email));
      return reply.send({ fresh_until: until.toISOString() });
    },
  );
}
