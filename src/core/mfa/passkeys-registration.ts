import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PasskeyRecord } from '../../store/repos/index.js';
import { FreshTokenRequired, InvalidToken, WebAuthnInvalid } from '../errors.js';
import { CEREMONY_MS, WEBAUTHN, type PasskeyServiceDeps } from './passkeys-deps.js';
import type { ClientContext } from '../audit.js';
import { toBase64Url, webauthnLibrary } from './passkeys-library.js';
import { unitOfWork } from '../unit-of-work.js';

/** The signed-in caller of a passkey-management call. */
export interface PasskeyCaller { userId: string; sid: string; fresh: boolean }

const DEFAULT_NAME = 'Passkey';
/** The transports WebAuthn defines; whatever else a client claims is not stored or echoed back. */
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The challenge a registration response answers, read from its client data; undefined when unreadable. */
function challengeOf(response: unknown): string | undefined {
  const data = (response as { response?: { clientDataJSON?: unknown } } | null)?.response?.clientDataJSON;
  if (typeof data !== 'string' || data.length > 8192) return undefined;
  try {
    const c: unknown = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'))?.challenge;
    return typeof c === 'string' && c.length > 0 ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Enrolling passkeys: options bound to the caller's user and session, then the attestation. */
export function passkeyRegistration(deps: PasskeyServiceDeps) {
  const { repos, rp } = deps;
  const now = deps.now ?? Date.now;
  const transact = unitOfWork(repos, deps.audit);

  return {
    /** Creation options for a new passkey; a fresh token is needed, as for every factor change. */
    async options(caller: PasskeyCaller): Promise<PublicKeyCredentialCreationOptionsJSON> {
      if (!caller.fresh) throw new FreshTokenRequired();
      const user = await repos.users.findById(caller.userId);
      if (!user) throw new InvalidToken();
      const existing = await repos.passkeys.listForUser(user.id);
      const label = user.email ?? user.username ?? user.id;
      const { generateRegistrationOptions } = await webauthnLibrary();
      const options = await generateRegistrationOptions({
        rpName: rp.name, rpID: rp.id, userName: label, userDisplayName: label,
        userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
        attestationType: 'none', timeout: CEREMONY_MS,
        excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      });
      // The challenge is the flow: the response carries it back in its client data, and only the
      // user and session that asked may spend it.
      const at = now();
      await repos.passkeyChallenges.put({
        purpose: 'register', flowId: options.challenge, challenge: options.challenge,
        userId: user.id, sessionId: caller.sid, createdAt: at, expiresAt: at + CEREMONY_MS,
      });
      return options;
    },

    /** Verifies the attestation against the caller's challenge and stores the passkey. */
    async verify(caller: PasskeyCaller, response: unknown, name: string | undefined, client?: ClientContext): Promise<PasskeyRecord> {
      const challenge = challengeOf(response);
      const spent = challenge && await repos.passkeyChallenges.take('register', challenge, now(), { userId: caller.userId, sessionId: caller.sid });
      if (!spent) throw new WebAuthnInvalid();
      const info = await verifyAttestation(deps, response as RegistrationResponseJSON, spent.challenge);
      const record: PasskeyRecord = {
        id: info.credential.id, userId: caller.userId, publicKey: toBase64Url(info.credential.publicKey),
        counter: info.credential.counter, transports: [...new Set(info.credential.transports ?? [])].filter((t) => TRANSPORTS.has(t)),
        backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType,
        name: name?.trim() || DEFAULT_NAME, createdAt: now(), lastUsedAt: null,
      };
      // The passkey, its event and the user's second-factor flag: one transaction.
      const added = await transact(async (work) => {
        // A credential id already registered (to this user or another) is not registered twice.
        if (!(await work.repos.passkeys.insert(record))) return false;
        await work.record({ type: 'mfa.enrolled', userId: caller.userId, detail: { ...WEBAUTHN } }, client);
        await deps.onFactorsChanged?.(caller.userId, work.repos);
        return true;
      });
      if (!added) throw new WebAuthnInvalid();
      return record;
    },
  };
}

async function verifyAttestation(deps: PasskeyServiceDeps, response: RegistrationResponseJSON, challenge: string) {
  const { verifyRegistrationResponse } = await webauthnLibrary();
  try {
    const { verified, registrationInfo } = await verifyRegistrationResponse({
      response, expectedChallenge: challenge, expectedOrigin: deps.rp.origins, expectedRPID: deps.rp.id,
      requireUserPresence: true, requireUserVerification: true,
    });
    if (verified && registrationInfo.userVerified) return registrationInfo;
  } catch {
    // Malformed or failing responses throw; every such case is the one answer below.
  }
  throw new WebAuthnInvalid();
}
