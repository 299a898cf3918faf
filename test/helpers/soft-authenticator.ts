import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

type CborValue = Parameters<typeof isoCBOR.encode>[0];

/** Authenticator-data flags (WebAuthn §6.1). */
const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL_DATA = 0x40;
/** COSE: key type EC2, algorithm ES256, curve P-256. */
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

export interface CeremonyOptions {
  /** The page's origin, as a browser would put it into clientDataJSON. */
  readonly origin: string;
  /** The RP ID whose hash goes into authenticator data; default the options' own. */
  readonly rpId?: string;
  /** Whether the user verified (PIN, biometrics); default true. */
  readonly userVerified?: boolean;
}

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const uint32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};
const clientData = (type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer =>
  Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
const flagsOf = (userVerified: boolean, attested: boolean): number =>
  FLAG_USER_PRESENT | (userVerified ? FLAG_USER_VERIFIED : 0) | (attested ? FLAG_ATTESTED_CREDENTIAL_DATA : 0);

/**
 * A platform authenticator in Node for fast server-side tests (browser tests
 * use Chromium's virtual authenticator): one ES256 credential, attestation
 * "none", a signature counter that goes up with each assertion, and the user
 * handle kept for discoverable sign-in. It signs whatever it is asked to —
 * wrong origins, foreign challenges, old counters — so tests can prove the
 * server refuses them.
 */
export class SoftAuthenticator {
  /** The credential ID, base64url; fixed for the instance (a second registration of it is a duplicate). */
  readonly credentialId: string;
  private signCount: number;
  private userHandleValue: string | undefined;

  constructor(
    private readonly privateKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    credentialId: string = base64url(randomBytes(32)),
    signCount = 0,
    userHandle?: string,
  ) {
    this.credentialId = credentialId;
    this.signCount = signCount;
    this.userHandleValue = userHandle;
  }

  /** The user handle the credential was created for (base64url); undefined before createCredential. */
  get userHandle(): string | undefined {
    return this.userHandleValue;
  }

  get counter(): number {
    return this.signCount;
  }

  /** navigator.credentials.create(): a new discoverable credential for `options.user`. */
  createCredential(options: PublicKeyCredentialCreationOptionsJSON, ceremony: CeremonyOptions): RegistrationResponseJSON {
    if (!options.pubKeyCredParams.some((parameter) => parameter.alg === COSE_ALG_ES256)) throw new Error('The relying party does not accept ES256');
    this.userHandleValue = options.user.id;
    const credentialIdBytes = isoBase64URL.toBuffer(this.credentialId);
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(credentialIdBytes.length);
    const authData = Buffer.concat([
      sha256(ceremony.rpId ?? options.rp.id ?? ''),
      Buffer.from([flagsOf(ceremony.userVerified ?? true, true)]),
      uint32(this.signCount),
      Buffer.alloc(16), // AAGUID: zeros, as attestation "none" allows.
      credentialIdLength,
      credentialIdBytes,
      this.cosePublicKey(),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(clientData('webauthn.create', options.challenge, ceremony.origin)),
        attestationObject: base64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: COSE_ALG_ES256,
      },
    };
  }

  /** navigator.credentials.get(): signs authenticatorData ‖ SHA-256(clientDataJSON); the counter goes up by one unless `counter` sets it. */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, ceremony: CeremonyOptions & { readonly counter?: number }): AuthenticationResponseJSON {
    this.signCount = ceremony.counter ?? this.signCount + 1;
    const authData = Buffer.concat([sha256(ceremony.rpId ?? options.rpId ?? ''), Buffer.from([flagsOf(ceremony.userVerified ?? true, false)]), uint32(this.signCount)]);
    const clientDataJSON = clientData('webauthn.get', options.challenge, ceremony.origin);
    // Node's ECDSA signature is DER-encoded, as WebAuthn wants.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
        ...(this.userHandleValue === undefined ? {} : { userHandle: this.userHandleValue }),
      },
    };
  }

  /** A second copy of this authenticator: same key, same credential, the counter as it is now (a cloned key). */
  clone(): SoftAuthenticator {
    return new SoftAuthenticator(this.privateKey, this.credentialId, this.signCount, this.userHandleValue);
  }

  /** The public key as a COSE EC2 map. */
  private cosePublicKey(): Uint8Array {
    const jwk = this.privateKey.export({ format: 'jwk' });
    if (jwk.x === undefined || jwk.y === undefined) throw new Error('Not an EC key');
    return isoCBOR.encode(
      new Map<number, CborValue>([
        [1, COSE_KTY_EC2],
        [3, COSE_ALG_ES256],
        [-1, COSE_CRV_P256],
        [-2, isoBase64URL.toBuffer(jwk.x)],
        [-3, isoBase64URL.toBuffer(jwk.y)],
      ]),
    );
  }
}
