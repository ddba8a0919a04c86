import { sql } from 'kysely';
import type { Db } from '../create-db.js';
import { inTransaction } from '../transaction.js';

export interface TotpRecord {
  userId: string;
  /** The confirmed secret, sealed; null while only a pending enrolment exists. */
  secretEnc: string | null;
  confirmedAt: number | null;
  pendingEnc: string | null;
  pendingAt: number | null;
  lastStep: number | null;
}

export interface MfaChallengeRecord {
  id: string;
  tokenHash: string;
  userId: string;
  backend: string;
  scope: string[] | null;
  credentialsVersion: number;
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

/** TOTP enrolments, recovery codes and login challenges. Every "once only" rule is one conditional statement. */
export function createMfaRepo(db: Db) {
  return {
    async findTotp(userId: string): Promise<TotpRecord | undefined> {
      const r = await db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return r && {
        userId: r.user_id, secretEnc: r.secret_enc, confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
        pendingEnc: r.pending_enc, pendingAt: r.pending_at === null ? null : Number(r.pending_at),
        lastStep: r.last_step === null ? null : Number(r.last_step),
      };
    },

    /** Stores a pending secret, replacing any earlier pending one; a confirmed secret stays in force. */
    async setPendingTotp(userId: string, pendingEnc: string, at: number): Promise<void> {
      await db.insertInto('mfa_totp')
        .values({ user_id: userId, secret_enc: null, confirmed_at: null, pending_enc: pendingEnc, pending_at: at, last_step: null })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ pending_enc: pendingEnc, pending_at: at }))
        .execute();
    },

    /**
     * The pending secret becomes the confirmed one, with the confirming code's step as the last used,
     * only if that pending secret is still the one stored (a concurrent enrol did not replace it).
     */
    async confirmTotp(userId: string, pendingEnc: string, step: number, at: number): Promise<boolean> {
      const res = await db.updateTable('mfa_totp')
        .set({ secret_enc: pendingEnc, confirmed_at: at, pending_enc: null, pending_at: null, last_step: step })
        .where('user_id', '=', userId).where('pending_enc', '=', pendingEnc).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Records `step` as used, only if it is later than every step used before: a code is accepted once. */
    async claimTotpStep(userId: string, step: number): Promise<boolean> {
      const res = await db.updateTable('mfa_totp').set({ last_step: step })
        .where('user_id', '=', userId).where('secret_enc', 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Removes TOTP (confirmed and pending). True when there was a confirmed secret. */
    async deleteTotp(userId: string): Promise<boolean> {
      const res = await db.deleteFrom('mfa_totp').where('user_id', '=', userId).where('secret_enc', 'is not', null).executeTakeFirst();
      await db.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
      return Number(res.numDeletedRows) > 0;
    },

    /** Replaces every recovery code of the user by these hashes, in one transaction. */
    async replaceRecoveryCodes(userId: string, hashes: string[], at: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        await trx.insertInto('mfa_recovery_codes').values(hashes.map((h) => ({ code_hash: h, user_id: userId, created_at: at }))).execute();
      });
    },

    /** Spends one recovery code: true for exactly one caller. */
    async useRecoveryCode(userId: string, hash: string): Promise<boolean> {
      const res = await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).where('code_hash', '=', hash).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async countRecoveryCodes(userId: string): Promise<number> {
      const r = await db.selectFrom('mfa_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async deleteRecoveryCodes(userId: string): Promise<void> {
      await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    },

    async insertChallenge(c: Omit<MfaChallengeRecord, 'attempts'>): Promise<void> {
      await db.insertInto('mfa_challenges').values({
        token_hash: c.tokenHash, id: c.id, user_id: c.userId, backend: c.backend, scope: c.scope === null ? null : JSON.stringify(c.scope),
        credentials_version: c.credentialsVersion, created_at: c.createdAt, expires_at: c.expiresAt,
      }).execute();
    },

    /** A challenge that is unexpired and has wrong attempts left. */
    async findLiveChallenge(tokenHash: string, now: number, maxAttempts: number): Promise<MfaChallengeRecord | undefined> {
      const r = await db.selectFrom('mfa_challenges').selectAll()
        .where('token_hash', '=', tokenHash).where('expires_at', '>', now).where('attempts', '<', maxAttempts)
        .executeTakeFirst();
      return r && {
        id: r.id, tokenHash: r.token_hash, userId: r.user_id, backend: r.backend, scope: r.scope === null ? null : JSON.parse(r.scope) as string[],
        credentialsVersion: Number(r.credentials_version), attempts: Number(r.attempts), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
      };
    },

    /** Counts one wrong answer; false when the challenge was already dead (spent, expired, out of attempts). */
    async failChallenge(tokenHash: string, now: number, maxAttempts: number): Promise<boolean> {
      const res = await db.updateTable('mfa_challenges').set({ attempts: sql<number>`attempts + 1` })
        .where('token_hash', '=', tokenHash).where('expires_at', '>', now).where('attempts', '<', maxAttempts)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Spends a live challenge: true for exactly one caller. */
    async spendChallenge(tokenHash: string, now: number, maxAttempts: number): Promise<boolean> {
      const res = await db.deleteFrom('mfa_challenges')
        .where('token_hash', '=', tokenHash).where('expires_at', '>', now).where('attempts', '<', maxAttempts)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    /** Ends every pending second step of a user (no factor is left to answer them). */
    async deleteChallengesOf(userId: string): Promise<void> {
      await db.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute();
    },

    async deleteExpiredChallenges(before: number): Promise<number> {
      const res = await db.deleteFrom('mfa_challenges').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type MfaRepo = ReturnType<typeof createMfaRepo>;
