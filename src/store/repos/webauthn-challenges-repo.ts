import type { Db } from '../create-db.js';

export type ChallengePurpose = 'register' | 'login' | 'mfa';

export interface ChallengeRecord {
  purpose: ChallengePurpose;
  flowId: string;
  challenge: string;
  userId: string | null;
  sessionId: string | null;
  createdAt: number;
  expiresAt: number;
}

export function createWebAuthnChallengesRepo(db: Db) {
  return {
    /** Stores a challenge; one already kept for the same (purpose, flow) is replaced. */
    async put(c: ChallengeRecord): Promise<void> {
      const row = {
        purpose: c.purpose, flow_id: c.flowId, challenge: c.challenge, user_id: c.userId, session_id: c.sessionId,
        created_at: c.createdAt, expires_at: c.expiresAt,
      };
      await db.insertInto('webauthn_challenges').values(row)
        .onConflict((oc) => oc.columns(['purpose', 'flow_id']).doUpdateSet({
          challenge: row.challenge, user_id: row.user_id, session_id: row.session_id, created_at: row.created_at, expires_at: row.expires_at,
        })).execute();
    },

    /**
     * Spends a live challenge: one delete, so of concurrent uses only one gets it. `bound`
     * narrows it to the user (and session) it was issued to. Undefined when unknown, spent,
     * expired or bound to someone else.
     */
    async take(purpose: ChallengePurpose, flowId: string, now: number, bound: { userId?: string; sessionId?: string } = {}): Promise<ChallengeRecord | undefined> {
      let q = db.deleteFrom('webauthn_challenges').where('purpose', '=', purpose).where('flow_id', '=', flowId).where('expires_at', '>', now);
      if (bound.userId !== undefined) q = q.where('user_id', '=', bound.userId);
      if (bound.sessionId !== undefined) q = q.where('session_id', '=', bound.sessionId);
      const r = await q.returningAll().executeTakeFirst();
      return r && {
        purpose: r.purpose as ChallengePurpose, flowId: r.flow_id, challenge: r.challenge, userId: r.user_id, sessionId: r.session_id,
        createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
      };
    },

    /** Drops challenges that expired before `before`: they can never be spent. */
    async deleteExpired(before: number): Promise<number> {
      const res = await db.deleteFrom('webauthn_challenges').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type WebAuthnChallengesRepo = ReturnType<typeof createWebAuthnChallengesRepo>;
