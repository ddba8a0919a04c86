import { PasskeyNotFound, FreshTokenRequired } from '../errors.js';
import type { PasskeyRecord } from '../../store/repos/index.js';
import { checkAssertion } from './passkeys-assertion.js';
import { WEBAUTHN, type PasskeyServiceDeps } from './passkeys-deps.js';
import type { ClientContext } from '../audit.js';
import { passkeyLogin } from './passkeys-login.js';
import { passkeyRegistration, type PasskeyCaller } from './passkeys-registration.js';
import type { PasskeyFactor } from './passkey-factor.js';
import { unitOfWork } from '../unit-of-work.js';

export type { PasskeyServiceDeps } from './passkeys-deps.js';
export type { PasskeyCaller } from './passkeys-registration.js';

/**
 * WebAuthn passkeys: enrolment, listing and removal, passwordless login, and the second
 * factor of a password login (PasskeyFactor, used by the mfa flow).
 */
export function createPasskeyService(deps: PasskeyServiceDeps) {
  const { repos } = deps;
  const now = deps.now ?? Date.now;
  const registration = passkeyRegistration(deps);
  const login = passkeyLogin(deps);
  const transact = unitOfWork(repos, deps.audit);

  const factor: PasskeyFactor = {
    count: (userId) => repos.passkeys.countForUser(userId),

    async options(userId, flowId) {
      return login.challengeFor('mfa', flowId, userId, await repos.passkeys.listForUser(userId));
    },

    // No event here: the second step records mfa.failed for every wrong answer, whatever its factor.
    async verify(userId, flowId, response) {
      const challenge = await repos.passkeyChallenges.take('mfa', flowId, now(), { userId });
      return challenge !== undefined && (await checkAssertion(deps, response, challenge.challenge, userId)).ok;
    },

    removeAll: (userId, tx) => tx.passkeys.deleteAllForUser(userId),
  };

  return {
    ...factor,
    registrationOptions: registration.options,
    register: registration.verify,
    loginOptions: login.options,
    login: login.login,

    list: (userId: string): Promise<PasskeyRecord[]> => repos.passkeys.listForUser(userId),

    /** Removes one of the caller's passkeys (fresh token); PasskeyNotFound when the caller has none by that id. */
    async remove(caller: PasskeyCaller, id: string, client?: ClientContext): Promise<void> {
      if (!caller.fresh) throw new FreshTokenRequired();
      await transact(async (work) => {
        if (!(await work.repos.passkeys.deleteForUser(caller.userId, id))) throw new PasskeyNotFound();
        await work.record({ type: 'mfa.removed', userId: caller.userId, detail: { ...WEBAUTHN } }, client);
        await deps.onFactorsChanged?.(caller.userId, work.repos);
      });
    },
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
