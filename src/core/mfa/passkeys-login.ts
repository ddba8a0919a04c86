import { randomUUID } from 'node:crypto';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { UserRecord } from '../../store/repos/index.js';
import { InvalidCredentials, UserNotVerified, WebAuthnInvalid } from '../errors.js';
import type { TokenSet } from '../sessions.js';
import { checkAssertion } from './passkeys-assertion.js';
import { CEREMONY_MS, WEBAUTHN, type PasskeyServiceDeps } from './passkeys-deps.js';
import type { ClientContext } from '../audit.js';
import { webauthnLibrary } from './passkeys-library.js';

/** Passwordless login with a passkey: a complete, `fresh` login of the users face. */
export function passkeyLogin(deps: PasskeyServiceDeps) {
  const { repos, rp } = deps;
  const now = deps.now ?? Date.now;

  /** Assertion options for `ownerId`'s passkeys (all of them: `allow` undefined means discoverable), kept as `purpose`'s challenge. */
  async function challengeFor(purpose: 'login' | 'mfa', flowId: string, ownerId: string | null, allow: { id: string; transports: string[] }[] | undefined) {
    const { generateAuthenticationOptions } = await webauthnLibrary();
    const options = await generateAuthenticationOptions({
      rpID: rp.id, timeout: CEREMONY_MS, userVerification: 'required',
      ...(allow ? { allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })) } : {}),
    });
    const at = now();
    await repos.passkeyChallenges.put({ purpose, flowId, challenge: options.challenge, userId: ownerId, sessionId: null, createdAt: at, expiresAt: at + CEREMONY_MS });
    return options;
  }

  return {
    challengeFor,

    /**
     * A login flow. With a username, the options list that user's passkeys; an unknown username
     * answers exactly like a user without passkeys (an empty list) and binds the flow to an id no
     * user has, so nobody's passkey completes it.
     */
    async options(username?: string): Promise<{ flowId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const flowId = randomUUID();
      if (username === undefined) return { flowId, options: await challengeFor('login', flowId, null, undefined) };
      const user = await repos.users.findByLogin(username);
      // The same queries either way, so the answer's timing does not tell either.
      const ownerId = user?.id ?? randomUUID();
      const allow = await repos.passkeys.listForUser(ownerId);
      return { flowId, options: await challengeFor('login', flowId, ownerId, allow) };
    },

    /** Spends the flow's challenge, checks the assertion, and opens a session like any login. */
    async login(flowId: string, response: unknown, opts: { client?: ClientContext } = {}): Promise<{ user: UserRecord; tokens: TokenSet }> {
      const challenge = await repos.passkeyChallenges.take('login', flowId, now());
      if (!challenge) throw new WebAuthnInvalid();
      const result = await checkAssertion(deps, response, challenge.challenge, challenge.userId ?? undefined);
      if (!result.ok) {
        // A failure is the user's whose passkey it was or, for a flow naming a user, that user's.
        const failed = result.credential?.userId ?? (challenge.userId !== null ? (await repos.users.findById(challenge.userId))?.id : undefined);
        if (failed) await deps.audit.record({ type: 'mfa.failed', userId: failed, detail: { ...WEBAUTHN } }, opts.client);
        throw new WebAuthnInvalid();
      }
      const user = await repos.users.findById(result.credential.userId);
      // Only the holder of the passkey learns that the account is deactivated or unverified.
      if (!user || !user.isActive) throw new WebAuthnInvalid();
      if (deps.requireVerified && !user.isVerified) throw new UserNotVerified();
      // Passed on whole, so whatever the session path records about the client arrives there.
      const sessionOpts = { profile: 'users' as const, method: 'passkey', ...(opts.client ? { client: opts.client } : {}) };
      try {
        return { user, tokens: await deps.sessions.startSession(user, sessionOpts) };
      } catch (err) {
        // The account changed (password, deactivation) while this login ran.
        if (err instanceof InvalidCredentials) throw new WebAuthnInvalid();
        throw err;
      }
    },
  };
}
