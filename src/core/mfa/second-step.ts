import { randomUUID } from 'node:crypto';
import { hashToken, randomToken } from '../../crypto/random-token.js';
import type { Repos, UserRecord } from '../../store/repos/index.js';
import { MfaInvalidCode, MfaTokenInvalid, StoreUnavailable, type MfaChallenge } from '../errors.js';
import type { SessionService, TokenSet } from '../sessions.js';
import type { AuditRecorder, ClientContext } from '../audit.js';
import type { MfaCrypto } from './mfa-crypto.js';
import type { PasskeyFactor } from './passkey-factor.js';
import { totpStep } from './totp.js';

const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong answers an mfa_token survives; the next request after the last finds it dead. */
export const MAX_ATTEMPTS = 5;

/** One answer to the second step: a TOTP code, a recovery code, or a passkey assertion. */
export type MfaAnswer = { code: string } | { recoveryCode: string } | { webauthn: unknown };

export interface SecondStepDeps {
  repos: Pick<Repos, 'users' | 'mfa'>;
  sessions: SessionService;
  /** Opens TOTP secrets and keys recovery-code hashes (resolved on first use). */
  crypto: () => Promise<MfaCrypto>;
  passkeys?: PasskeyFactor;
  audit?: AuditRecorder;
  now?: () => number;
}

type SessionOpts = NonNullable<Parameters<SessionService['startSession']>[1]>;

/** The factor an answer uses, as audit events name it. */
const methodOf = (answer: MfaAnswer) => ('code' in answer ? 'totp' : 'recoveryCode' in answer ? 'recovery_code' : 'webauthn');

/**
 * The second step of a password login. The challenge lives in the database (any instance can
 * finish it), by the hash of its token, bound to the login that made it: user, backend, requested
 * scope, and the user's credentials version (a password change in between kills it).
 */
export function createSecondStep(deps: SecondStepDeps) {
  const { repos } = deps;
  const now = deps.now ?? Date.now;

  async function methodsOf(userId: string): Promise<MfaChallenge['methods']> {
    const [totp, passkeys, codes] = await Promise.all([repos.mfa.findTotp(userId), deps.passkeys?.count(userId) ?? 0, repos.mfa.countRecoveryCodes(userId)]);
    return [...(totp?.secretEnc ? ['totp' as const] : []), ...(passkeys > 0 ? ['webauthn' as const] : []), ...(codes > 0 ? ['recovery_code' as const] : [])];
  }

  /** The live challenge of `mfaToken` and its user, still at the credentials version of that login. */
  async function live(mfaToken: string) {
    const c = await repos.mfa.findLiveChallenge(hashToken(mfaToken), now(), MAX_ATTEMPTS);
    const user = c && await repos.users.findById(c.userId);
    if (!c || !user || !user.isActive || user.credentialsVersion !== c.credentialsVersion) throw new MfaTokenInvalid();
    return { challenge: c, user };
  }

  async function check(user: UserRecord, flowId: string, answer: MfaAnswer): Promise<boolean> {
    if ('code' in answer) {
      const row = await repos.mfa.findTotp(user.id);
      const secret = row?.secretEnc ? (await deps.crypto()).totpBox.open(row.secretEnc) : undefined;
      const step = secret === undefined ? undefined : await totpStep(secret, answer.code, now());
      // Claiming the step is the atomic part: a code (or an earlier one) already used is refused.
      return step !== undefined && repos.mfa.claimTotpStep(user.id, step);
    }
    if ('recoveryCode' in answer) return repos.mfa.useRecoveryCode(user.id, (await deps.crypto()).hashRecoveryCode(answer.recoveryCode));
    if (!deps.passkeys) return false;
    try {
      return await deps.passkeys.verify(user.id, flowId, answer.webauthn);
    } catch (err) {
      // A malformed assertion is a wrong answer, never a 500; a database failure stays one (503).
      if (err instanceof StoreUnavailable) throw err;
      return false;
    }
  }

  return {
    methodsOf,

    /** A challenge for a user whose password was just checked; `backend` says how to answer once it is met. */
    async challenge(user: UserRecord, opts: { backend: string; scope?: string[] }, ctx?: ClientContext): Promise<MfaChallenge> {
      const mfaToken = randomToken();
      const at = now();
      await repos.mfa.insertChallenge({
        id: randomUUID(), tokenHash: hashToken(mfaToken), userId: user.id, backend: opts.backend, scope: opts.scope ?? null,
        credentialsVersion: user.credentialsVersion, createdAt: at, expiresAt: at + CHALLENGE_TTL_MS,
      });
      await deps.audit?.record({ type: 'login.mfa_required', userId: user.id }, ctx);
      return { mfaToken, methods: await methodsOf(user.id), backend: opts.backend };
    },

    /** The user an mfa_token belongs to, for rate limiting; undefined when it is not live. */
    async userOf(mfaToken: string): Promise<string | undefined> {
      return (await repos.mfa.findLiveChallenge(hashToken(mfaToken), now(), MAX_ATTEMPTS))?.userId;
    },

    /** Passkey assertion options for the challenge's user, bound to this challenge. */
    async webauthnOptions(mfaToken: string): Promise<unknown> {
      const { challenge, user } = await live(mfaToken);
      if (!deps.passkeys || (await deps.passkeys.count(user.id)) === 0) throw new MfaInvalidCode();
      return deps.passkeys.options(user.id, challenge.id);
    },

    /**
     * Checks the answer; a right one spends the challenge and opens the session (`fresh` tokens,
     * the users profile). A wrong one costs an attempt: after MAX_ATTEMPTS the token is dead.
     */
    async verify(mfaToken: string, answer: MfaAnswer, ctx?: ClientContext): Promise<{ backend: string; user: UserRecord; tokens: TokenSet }> {
      const { challenge, user } = await live(mfaToken);
      if (!(await check(user, challenge.id, answer))) {
        await deps.audit?.record({ type: 'mfa.failed', userId: user.id, detail: { method: methodOf(answer) } }, ctx);
        if (!(await repos.mfa.failChallenge(challenge.tokenHash, now(), MAX_ATTEMPTS))) throw new MfaTokenInvalid();
        throw new MfaInvalidCode();
      }
      if (!(await repos.mfa.spendChallenge(challenge.tokenHash, now(), MAX_ATTEMPTS))) throw new MfaTokenInvalid();
      // The client context reaches the session as a password login's does (sessions record where they came from).
      const sessionOpts: SessionOpts = { ...(challenge.scope ? { scope: challenge.scope } : {}), profile: 'users', method: `password+${methodOf(answer)}`, ...(ctx ? { client: ctx } : {}) };
      const tokens = await deps.sessions.startSession(user, sessionOpts);
      return { backend: challenge.backend, user, tokens };
    },
  };
}

export type SecondStep = ReturnType<typeof createSecondStep>;
