import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator for tests: EC P-256 keys (node:crypto), attestation
 * "none", authenticator data with UP/UV/BE/BS flags and a sign counter, and the client
 * data a browser would add (origin, challenge). Each option lets a test forge one flaw.
 */
export interface CeremonyFlaws {
  /** The page origin the "browser" reports (default: the authenticator's origin). */
  origin?: string;
  /** User verification performed (UV flag); default true. */
  uv?: boolean;
  /** Sign counter to report instead of the next one. */
  counter?: number;
  /** Credential to use (default: the first one the options allow, else the newest). */
  credentialId?: string;
  /** Challenge to sign instead of the options' one. */
  challenge?: string;
  /** User handle to report instead of the credential's own. */
  userHandle?: string | null;
}

interface SoftCredential { id: string; key: KeyObject; cose: Uint8Array; userHandle: string; counter: number; rpId: string }

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 };
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (b: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(b));

function coseKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
  return isoCBOR.encode(new Map<number, number | Uint8Array<ArrayBuffer>>([
    [1, 2], [3, -7], [-1, 1], [-2, new Uint8Array(isoBase64URL.toBuffer(jwk.x!))], [-3, new Uint8Array(isoBase64URL.toBuffer(jwk.y!))],
  ]));
}

function counterBytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string, readonly opts: { backupEligible?: boolean; counter?: boolean } = {}) {}

  private flags(uv: boolean, extra = 0): number {
    const backup = this.opts.backupEligible ? FLAG.BE | FLAG.BS : 0;
    return FLAG.UP | (uv ? FLAG.UV : 0) | backup | extra;
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create() with these (JSON) options: a RegistrationResponseJSON. */
  create(options: any, flaws: CeremonyFlaws = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rawId = randomBytes(16);
    const cred: SoftCredential = {
      id: b64url(rawId), key: privateKey, cose: coseKey(publicKey), userHandle: options.user.id, counter: 0, rpId: options.rp.id,
    };
    const attested = Buffer.concat([Buffer.alloc(16), Buffer.from([0, rawId.length]), rawId, Buffer.from(cred.cose)]);
    const authData = Buffer.concat([sha256(cred.rpId), Buffer.from([this.flags(flaws.uv ?? true, FLAG.AT)]), counterBytes(0), attested]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    const clientDataJSON = this.clientData('webauthn.create', flaws.challenge ?? options.challenge, flaws.origin ?? this.origin);
    this.credentials.push(cred);
    return {
      id: cred.id, rawId: cred.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal', 'hybrid'] },
    };
  }

  /** navigator.credentials.get() with these (JSON) options: an AuthenticationResponseJSON. */
  get(options: any, flaws: CeremonyFlaws = {}) {
    const allowed: string[] = (options.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const cred = flaws.credentialId ? this.find(flaws.credentialId)
      : this.credentials.find((c) => allowed.includes(c.id)) ?? this.credentials[this.credentials.length - 1];
    if (!cred) throw new Error('no credential on this authenticator');
    if (flaws.counter === undefined && this.opts.counter !== false) cred.counter += 1;
    const counter = flaws.counter ?? (this.opts.counter === false ? 0 : cred.counter);
    const authData = Buffer.concat([sha256(options.rpId ?? cred.rpId), Buffer.from([this.flags(flaws.uv ?? true)]), counterBytes(counter)]);
    const clientDataJSON = this.clientData('webauthn.get', flaws.challenge ?? options.challenge, flaws.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.key);
    const userHandle = flaws.userHandle === undefined ? cred.userHandle : flaws.userHandle;
    return {
      id: cred.id, rawId: cred.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }

  find(id: string): SoftCredential {
    const c = this.credentials.find((x) => x.id === id);
    if (!c) throw new Error(`unknown credential ${id}`);
    return c;
  }
}
