import {
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';

/** The browser's passkey dialog ended without a passkey: closed, timed out, or refused. Not a fault: the page says so calmly. */
export class PasskeyCancelled extends Error {
  constructor() {
    super('The passkey dialog was closed');
    this.name = 'PasskeyCancelled';
  }
}

/** The authenticator already holds a passkey for this account. */
export class PasskeyAlreadyRegistered extends Error {
  constructor() {
    super('This authenticator already has a passkey for this account');
    this.name = 'PasskeyAlreadyRegistered';
  }
}

/** The passkey buttons are offered only where the browser has WebAuthn at all. */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
}

/**
 * The browser reports a closed dialog as NotAllowedError (the spec hides whether
 * a passkey exists), an abort as AbortError or ERROR_CEREMONY_ABORTED.
 */
function calmer(error: unknown): unknown {
  if (error instanceof WebAuthnError) {
    if (error.code === 'ERROR_CEREMONY_ABORTED') return new PasskeyCancelled();
    if (error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return new PasskeyAlreadyRegistered();
  }
  if (error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError')) return new PasskeyCancelled();
  return error;
}

export async function authenticateWithPasskey(optionsJSON: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  try {
    return await startAuthentication({ optionsJSON });
  } catch (error) {
    throw calmer(error);
  }
}

export async function createPasskey(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
  try {
    return await startRegistration({ optionsJSON });
  } catch (error) {
    throw calmer(error);
  }
}
