import type { Db } from '../create-db.js';
import { precompile } from './precompiled.js';

/** An opaque access token as stored: everything but the token itself. */
export interface OpaqueTokenRecord {
  tokenHash: string;
  id: string;
  sessionId: string;
  userId: string;
  profile: string;
  scope: string[];
  fresh: boolean;
  createdAt: number;
  expiresAt: number;
}

export function createAccessTokensRepo(db: Db) {
  // Each opaque login or refresh inserts one, and each first use on an instance reads one: compiled once.
  const insertRow = precompile(db, 9, (tokenHash: string, id: string, sessionId: string, userId: string, profile: string, scope: string, fresh: number, createdAt: number, expiresAt: number) =>
    db.insertInto('access_tokens').values({
      token_hash: tokenHash, id, session_id: sessionId, user_id: userId, profile, scope, fresh, created_at: createdAt, expires_at: expiresAt,
    }));
  const byHash = precompile(db, 1, (tokenHash: string) => db.selectFrom('access_tokens')
    .select(['token_hash', 'id', 'session_id', 'user_id', 'profile', 'scope', 'fresh', 'created_at', 'expires_at'])
    .where('token_hash', '=', tokenHash));
  return {
    async insert(t: OpaqueTokenRecord): Promise<void> {
      await insertRow(t.tokenHash, t.id, t.sessionId, t.userId, t.profile, t.scope.join(' '), t.fresh ? 1 : 0, t.createdAt, t.expiresAt);
    },

    async findByHash(tokenHash: string): Promise<OpaqueTokenRecord | undefined> {
      const r = (await byHash(tokenHash)).rows[0];
      return r && {
        tokenHash: r.token_hash, id: r.id, sessionId: r.session_id, userId: r.user_id, profile: r.profile,
        scope: r.scope.split(' ').filter(Boolean), fresh: Number(r.fresh) === 1,
        createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
      };
    },

    /** Drops tokens expired before `before`: they can never be accepted again. */
    async deleteExpired(before: number): Promise<number> {
      const res = await db.deleteFrom('access_tokens').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type AccessTokensRepo = ReturnType<typeof createAccessTokensRepo>;
