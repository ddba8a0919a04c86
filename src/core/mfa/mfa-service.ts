import type { Repos, TxRepos } from '../../store/repos/index.js';
import { FreshTokenRequired, MfaInvalidCode, MfaNotEnabled, UserNotFound } from '../errors.js';
import type { AuditLog, ClientContext } from '../audit.js';
import { unitOfWork } from '../unit-of-work.js';
import type { MfaCrypto } from './mfa-crypto.js';
import type { PasskeyFactor } from './passkey-factor.js';
import { newRecoveryCodes } from './recovery-codes.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';

export interface MfaServiceDeps {
  repos: Pick<Repos, 'users' | 'mfa' | 'transaction'>;
  /** Seals TOTP secrets and keys recovery-code hashes (resolved on first use). */
  crypto: () => Promise<MfaCrypto>;
  /** The issuer an authenticator app shows next to the account. */
  issuer: string;
  passkeys?: PasskeyFactor;
  /** Each change's events are written in its transaction (core/unit-of-work.ts). */
  audit: Pick<AuditLog, 'prepare'>;
  now?: () => number;
}

/** Who asks: enrolment changes need a `fresh` token (a password or second-factor check just now). */
export interface MfaActor { userId: string; fresh: boolean }

export interface MfaStatus { totp: boolean; webauthn: number; recoveryCodesLeft: number }

/** Enrolment and removal of second factors, and the one writer of the users.mfa_enabled flag. */
export function createMfaService(deps: MfaServiceDeps) {
  const { repos } = deps;
  const now = deps.now ?? Date.now;
  const passkeyCount = (userId: string) => deps.passkeys?.count(userId) ?? Promise.resolve(0);
  const needFresh = (actor: MfaActor) => { if (!actor.fresh) throw new FreshTokenRequired(); };
  const transact = unitOfWork(repos, deps.audit);

  async function hasConfirmedTotp(userId: string, r: Pick<Repos, 'mfa'> = repos): Promise<boolean> {
    return (await r.mfa.findTotp(userId))?.secretEnc != null;
  }

  /**
   * Sets the user's second-factor flag on `r` (a change's transaction). With no factor left the
   * recovery codes go too: login stops asking, and they would open nothing.
   */
  async function setFlag(r: Pick<Repos, 'users' | 'mfa'>, userId: string, on: boolean): Promise<boolean> {
    // Off: recovery codes go, and so do pending second steps (their mfa_tokens could only fail now).
    if (!on) {
      await r.mfa.deleteRecoveryCodes(userId);
      await r.mfa.deleteChallengesOf(userId);
    }
    const user = await r.users.findById(userId);
    if (user && user.mfaEnabled !== on) await r.users.setMfaEnabled(userId, on);
    return on;
  }

  /** setFlag() from the factors the user holds: a confirmed TOTP (read on `r`), or at least one of `passkeys`. */
  const recomputeFlag = async (r: Pick<Repos, 'users' | 'mfa'>, userId: string, passkeys: number): Promise<boolean> =>
    setFlag(r, userId, (await hasConfirmedTotp(userId, r)) || passkeys > 0);

  /** setFlag() for the passkeys module, inside the transaction of its change when given (it counts its own passkeys there). */
  async function syncSecondFactor(userId: string, tx?: Pick<TxRepos, 'users' | 'mfa' | 'passkeys'>): Promise<boolean> {
    return tx ? recomputeFlag(tx, userId, await tx.passkeys.countForUser(userId)) : recomputeFlag(repos, userId, await passkeyCount(userId));
  }

  /** Ten new codes replace every old one; only their keyed hashes are kept. */
  async function issueRecoveryCodes(userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    const { hashRecoveryCode } = await deps.crypto();
    await repos.mfa.replaceRecoveryCodes(userId, codes.map(hashRecoveryCode), now());
    return codes;
  }

  return {
    syncSecondFactor,

    async status(userId: string): Promise<MfaStatus> {
      const [totp, webauthn, recoveryCodesLeft] = await Promise.all([hasConfirmedTotp(userId), passkeyCount(userId), repos.mfa.countRecoveryCodes(userId)]);
      return { totp, webauthn, recoveryCodesLeft };
    },

    /** A new pending secret (replacing a pending one); the confirmed one, if any, stays in force until confirm. */
    async enrollTotp(actor: MfaActor): Promise<{ secret: string; otpauthUri: string }> {
      needFresh(actor);
      const user = await repos.users.findById(actor.userId);
      if (!user) throw new UserNotFound();
      const secret = await newTotpSecret();
      await repos.mfa.setPendingTotp(user.id, (await deps.crypto()).totpBox.seal(secret), now());
      return { secret, otpauthUri: await totpUri(secret, deps.issuer, user.email ?? user.username ?? user.id) };
    },

    /** The pending secret (enrolled, not yet confirmed), to show again; undefined when none is pending. */
    async pendingTotp(actor: MfaActor): Promise<{ secret: string; otpauthUri: string } | undefined> {
      needFresh(actor);
      const [row, user] = await Promise.all([repos.mfa.findTotp(actor.userId), repos.users.findById(actor.userId)]);
      if (!row?.pendingEnc || !user) return undefined;
      const secret = (await deps.crypto()).totpBox.open(row.pendingEnc);
      if (secret === undefined) return undefined;
      return { secret, otpauthUri: await totpUri(secret, deps.issuer, user.email ?? user.username ?? user.id) };
    },

    /** A code from the pending secret makes it the user's TOTP; returns fresh recovery codes. */
    async confirmTotp(actor: MfaActor, code: string, ctx?: ClientContext): Promise<string[]> {
      const row = await repos.mfa.findTotp(actor.userId);
      const secret = row?.pendingEnc ? (await deps.crypto()).totpBox.open(row.pendingEnc) : undefined;
      const step = secret === undefined ? undefined : await totpStep(secret, code, now());
      if (step === undefined) throw new MfaInvalidCode();
      // Everything slow or outside the database first: the codes and their key.
      const codes = newRecoveryCodes();
      const { hashRecoveryCode } = await deps.crypto();
      await transact(async (work) => {
        if (!(await work.repos.mfa.confirmTotp(actor.userId, row!.pendingEnc!, step, now()))) throw new MfaInvalidCode();
        await work.repos.mfa.replaceRecoveryCodes(actor.userId, codes.map(hashRecoveryCode), now());
        // The TOTP just confirmed is a second factor: on, whatever else the user holds.
        await setFlag(work.repos, actor.userId, true);
        await work.record({ type: 'mfa.enrolled', userId: actor.userId, detail: { method: 'totp' } }, ctx);
      });
      return codes;
    },

    async removeTotp(actor: MfaActor, ctx?: ClientContext): Promise<void> {
      needFresh(actor);
      const passkeys = await passkeyCount(actor.userId);
      await transact(async (work) => {
        const removed = await work.repos.mfa.deleteTotp(actor.userId);
        // The TOTP row is gone (pending or confirmed): only passkeys can keep the flag on.
        await setFlag(work.repos, actor.userId, passkeys > 0);
        if (removed) await work.record({ type: 'mfa.removed', userId: actor.userId, detail: { method: 'totp' } }, ctx);
      });
    },

    /** New recovery codes; the old ones die. Only for a user with a second factor (else they would open nothing). */
    async regenerateRecoveryCodes(actor: MfaActor): Promise<string[]> {
      needFresh(actor);
      // The flag every factor change keeps (setFlag); nothing to recompute for a yes/no.
      if (!(await repos.users.findById(actor.userId))?.mfaEnabled) throw new MfaNotEnabled();
      return issueRecoveryCodes(actor.userId);
    },

    /** An admin removes every factor of a user: TOTP, passkeys, recovery codes. */
    async removeAll(userId: string, ctx?: ClientContext): Promise<void> {
      const user = await repos.users.findById(userId);
      if (!user) throw new UserNotFound();
      await transact(async (work) => {
        const totp = await work.repos.mfa.deleteTotp(userId);
        const passkeys = (await deps.passkeys?.removeAll(userId, work.repos)) ?? 0;
        // No factor is left: the flag goes off, and the recovery codes with it.
        await setFlag(work.repos, userId, false);
        // Nothing to remove is no removal: the event reports a change only.
        if (totp || passkeys > 0 || user.mfaEnabled) await work.record({ type: 'mfa.removed', userId, detail: { method: 'all', by_admin: true } }, ctx);
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
