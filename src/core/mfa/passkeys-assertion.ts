import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { PasskeyRecord } from '../../store/repos/index.js';
import type { PasskeyServiceDeps } from './passkeys-deps.js';
import { fromBase64Url, toBase64Url, webauthnLibrary } from './passkeys-library.js';

export type AssertionResult = { ok: true; credential: PasskeyRecord } | { ok: false; credential: PasskeyRecord | undefined };

/** The user handle a passkey of `userId` carries: the user id's UTF-8 bytes (registration's userID). */
export const userHandleOf = (userId: string): string => toBase64Url(Buffer.from(userId, 'utf8'));

function looksLikeAssertion(v: unknown): v is AuthenticationResponseJSON {
  if (!v || typeof v !== 'object') return false;
  const r = v as { id?: unknown; response?: unknown };
  return typeof r.id === 'string' && r.id.length > 0 && r.id.length <= 1400 && !!r.response && typeof r.response === 'object';
}

/**
 * Checks an authentication response against a spent challenge: a known credential (of
 * `ownerId` when the flow names one), whose user handle, origin, RP ID, signature, user
 * verification and sign counter all hold. A verified use is recorded by a compare-and-swap
 * on the counter, so a cloned authenticator racing the original is refused too.
 */
export async function checkAssertion(deps: PasskeyServiceDeps, response: unknown, challenge: string, ownerId: string | undefined): Promise<AssertionResult> {
  if (!looksLikeAssertion(response)) return { ok: false, credential: undefined };
  const credential = await deps.repos.passkeys.findById(response.id);
  if (!credential || (ownerId !== undefined && credential.userId !== ownerId)) return { ok: false, credential: undefined };
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== null && handle !== userHandleOf(credential.userId)) return { ok: false, credential };
  const info = await verify(deps, response, challenge, credential);
  if (!info) return { ok: false, credential };
  const recorded = await deps.repos.passkeys.recordUse(credential.id, credential.counter, {
    counter: info.newCounter, backedUp: info.credentialBackedUp, at: (deps.now ?? Date.now)(),
  });
  return recorded ? { ok: true, credential } : { ok: false, credential };
}

/** The library's verdict, or undefined: it throws on every malformed or failing response. */
async function verify(deps: PasskeyServiceDeps, response: AuthenticationResponseJSON, challenge: string, credential: PasskeyRecord) {
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  try {
    const { verified, authenticationInfo: info } = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: deps.rp.origins, expectedRPID: deps.rp.id,
      credential: { id: credential.id, publicKey: fromBase64Url(credential.publicKey), counter: credential.counter, transports: credential.transports },
      requireUserVerification: true,
    });
    return verified && info.userVerified ? info : undefined;
  } catch {
    return undefined;
  }
}
