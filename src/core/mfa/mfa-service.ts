import type { Repos } from '../../store/repos/index.js';
import { FreshTokenRequired, MfaInvalidCode, MfaNotEnabled, UserNotFound } from '../errors.js';
import type { AuditRecorder as MfaAudit, ClientContext as MfaClientContext } from '../audit.js';
import type { MfaCrypto } from './mfa-crypto.js';
import type { PasskeyFactor } from './passkey-factor.js';
import { newRecoveryCodes } from './recovery-codes.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';

export interface MfaServiceDeps {
  repos: Pick<Repos, 'users' | 'mfa'>;
  /** Seals TOTP secrets and keys recovery-code hashes (resolved on first use). */
  crypto: () => Promise<MfaCrypto>;
  /** The issuer an authenticator app shows next to the account. */
  issuer: string;
  passkeys?: PasskeyFactor;
  audit?: MfaAudit;
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

  async function hasConfirmedTotp(userId: string): Promise<boolean> {
    return (await repos.mfa.findTotp(userId))?.secretEnc != null;
  }

  /**
   * Recomputes the user's second-factor flag (confirmed TOTP, or at least one passkey). With no
   * factor left the recovery codes go too: login stops asking, and they would open nothing.
   */
  async function syncSecondFactor(userId: string): Promise<boolean> {
    const on = (await hasConfirmedTotp(userId)) || (await passkeyCount(userId)) > 0;
    if (!on) await repos.mfa.deleteRecoveryCodes(userId);
    const user = await repos.users.findById(userId);
    if (user && user.mfaEnabled !== on) await repos.users.setMfaEnabled(userId, on);
    return on;
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
      const secret = newTotpSecret();
      await repos.mfa.setPendingTotp(user.id, (await deps.crypto()).totpBox.seal(secret), now());
      return { secret, otpauthUri: totpUri(secret, deps.issuer, user.email ?? user.username ?? user.id) };
    },

    /** The pending secret (enrolled, not yet confirmed), to show again; undefined when none is pending. */
    async pendingTotp(actor: MfaActor): Promise<{ secret: string; otpauthUri: string } | undefined> {
      needFresh(actor);
      const [row, user] = await Promise.all([repos.mfa.findTotp(actor.userId), repos.users.findById(actor.userId)]);
      if (!row?.pendingEnc || !user) return undefined;
      const secret = (await deps.crypto()).totpBox.open(row.pendingEnc);
      if (secret === undefined) return undefined;
      return { secret, otpauthUri: totpUri(secret, deps.issuer, user.email ?? user.username ?? user.id) };
    },

    /** A code from the pending secret makes it the user's TOTP; returns fresh recovery codes. */
    async confirmTotp(actor: MfaActor, code: string, ctx?: MfaClientContext): Promise<string[]> {
      const row = await repos.mfa.findTotp(actor.userId);
      const secret = row?.pendingEnc ? (await deps.crypto()).totpBox.open(row.pendingEnc) : undefined;
      const step = secret === undefined ? undefined : totpStep(secret, code, now());
      if (step === undefined || !(await repos.mfa.confirmTotp(actor.userId, row!.pendingEnc!, step, now()))) throw new MfaInvalidCode();
      const codes = await issueRecoveryCodes(actor.userId);
      await syncSecondFactor(actor.userId);
      await deps.audit?.record({ type: 'mfa.enrolled', userId: actor.userId, detail: { method: 'totp' } }, ctx);
      return codes;
    },

    async removeTotp(actor: MfaActor, ctx?: MfaClientContext): Promise<void> {
      needFresh(actor);
      const removed = await repos.mfa.deleteTotp(actor.userId);
      await syncSecondFactor(actor.userId);
      if (removed) await deps.audit?.record({ type: 'mfa.removed', userId: actor.userId, detail: { method: 'totp' } }, ctx);
    },

    /** New recovery codes; the old ones die. Only for a user with a second factor (else they would open nothing). */
    async regenerateRecoveryCodes(actor: MfaActor): Promise<string[]> {
      needFresh(actor);
      if (!(await syncSecondFactor(actor.userId))) throw new MfaNotEnabled();
      return issueRecoveryCodes(actor.userId);
    },

    /** An admin removes every factor of a user: TOTP, passkeys, recovery codes. */
    async removeAll(userId: string, ctx?: MfaClientContext): Promise<void> {
      if (!(await repos.users.findById(userId))) throw new UserNotFound();
      await repos.mfa.deleteTotp(userId);
      await deps.passkeys?.removeAll(userId);
      await repos.mfa.deleteRecoveryCodes(userId);
      await syncSecondFactor(userId);
      await deps.audit?.record({ type: 'mfa.removed', userId, detail: { method: 'all', by_admin: true } }, ctx);
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
