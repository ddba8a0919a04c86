import type { Db } from '../create-db.js';

export interface PurposeTokenRecord {
  tokenHash: string;
  userId: string;
  kind: string;
  bound: string;
  createdAt: number;
  expiresAt: number;
}

export function createPurposeTokensRepo(db: Db) {
  return {
    async insert(t: PurposeTokenRecord): Promise<void> {
      await db.insertInto('purpose_tokens').values({
        token_hash: t.tokenHash, user_id: t.userId, kind: t.kind, bound: t.bound,
        created_at: t.createdAt, expires_at: t.expiresAt, used_at: null,
      }).execute();
    },

    /** A live (unused, unexpired) token of `kind`, without spending it. */
    async findLive(tokenHash: string, kind: string, now: number): Promise<PurposeTokenRecord | undefined> {
      const r = await db.selectFrom('purpose_tokens').selectAll()
        .where('token_hash', '=', tokenHash).where('kind', '=', kind)
        .where('used_at', 'is', null).where('expires_at', '>', now)
        .executeTakeFirst();
      return r && { tokenHash: r.token_hash, userId: r.user_id, kind: r.kind, bound: r.bound,
        createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) };
    },

    /** Spends a live token of `kind` exactly once; undefined when unknown, used or expired. */
    async consume(tokenHash: string, kind: string, now: number): Promise<PurposeTokenRecord | undefined> {
      const res = await db.updateTable('purpose_tokens').set({ used_at: now })
        .where('token_hash', '=', tokenHash).where('kind', '=', kind)
        .where('used_at', 'is', null).where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return undefined;
      const r = await db.selectFrom('purpose_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
      return { tokenHash: r.token_hash, userId: r.user_id, kind: r.kind, bound: r.bound,
        createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) };
    },

    /** Drops tokens (spent or not) that expired before `before`: they can never be used again. */
    async deleteExpired(before: number): Promise<number> {
      const res = await db.deleteFrom('purpose_tokens').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /** Kills every outstanding token of a kind for a user (password or email changed). */
    async deleteForUser(userId: string, kind: string): Promise<void> {
      await db.deleteFrom('purpose_tokens').where('user_id', '=', userId).where('kind', '=', kind).execute();
    },
  };
}

export type PurposeTokensRepo = ReturnType<typeof createPurposeTokensRepo>;
