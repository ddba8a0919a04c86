import type { Db } from '../create-db.js';
import { precompile } from './precompiled.js';

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface RefreshTokenWithSession extends RefreshTokenRecord {
  userId: string;
  sessionRevokedAt: number | null;
  sessionRotating: boolean;
  sessionScope: string[];
  /** The credentials version the session was opened with. */
  sessionCredentialsVersion: number;
}

/** A token's fields in column order, as precompiled inserts take them. */
export type RefreshTokenArgs = [id: string, sessionId: string, tokenHash: string, createdAt: number, expiresAt: number, usedAt: number | null];

export const refreshTokenArgs = (t: RefreshTokenRecord): RefreshTokenArgs =>
  [t.id, t.sessionId, t.tokenHash, t.createdAt, t.expiresAt, t.usedAt];

export const refreshTokenRow = (...[id, sessionId, tokenHash, createdAt, expiresAt, usedAt]: RefreshTokenArgs) =>
  ({ id, session_id: sessionId, token_hash: tokenHash, created_at: createdAt, expires_at: expiresAt, used_at: usedAt });

/** The compiled-once insert of one refresh token (this repository's, and a session's first, on SQLite). */
export const precompileTokenInsert = (db: Db) =>
  precompile(db, 6, (...t: RefreshTokenArgs) => db.insertInto('refresh_tokens').values(refreshTokenRow(...t)));

export function createRefreshTokensRepo(db: Db) {
  // Every refresh and refresh-token introspection starts here: compiled once.
  const byHash = precompile(db, 1, (tokenHash: string) => db.selectFrom('refresh_tokens as t')
    .innerJoin('sessions as s', 's.id', 't.session_id')
    .select(['t.id', 't.session_id', 't.token_hash', 't.created_at', 't.expires_at', 't.used_at',
      's.user_id', 's.revoked_at', 's.rotating', 's.scope', 's.credentials_version'])
    .where('t.token_hash', '=', tokenHash));
  // Each login and each rotation inserts one token and spends one: compiled once too.
  const insertRow = precompileTokenInsert(db);
  const markUsedById = precompile(db, 2, (id: string, at: number) => db.updateTable('refresh_tokens').set({ used_at: at })
    .where('id', '=', id).where('used_at', 'is', null));
  return {
    async insert(t: RefreshTokenRecord): Promise<void> {
      await insertRow(...refreshTokenArgs(t));
    },

    async findByHash(tokenHash: string): Promise<RefreshTokenWithSession | undefined> {
      const r = (await byHash(tokenHash)).rows[0];
      return r && {
        id: r.id, sessionId: r.session_id, tokenHash: r.token_hash, createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at), usedAt: r.used_at === null ? null : Number(r.used_at),
        userId: r.user_id, sessionRevokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
        sessionRotating: r.rotating === 1, sessionScope: r.scope.split(' ').filter(Boolean),
        sessionCredentialsVersion: Number(r.credentials_version),
      };
    },

    /**
     * Marks a token used. The `used_at IS NULL` guard makes this the single
     * atomic step of rotation: of concurrent callers exactly one gets true.
     */
    async markUsed(id: string, at: number): Promise<boolean> {
      return Number((await markUsedById(id, at)).numAffectedRows) > 0;
    },

    /** Drops one refresh token (disallowed by its owner); false when it was already gone. */
    async deleteById(id: string): Promise<boolean> {
      return Number((await db.deleteFrom('refresh_tokens').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },

    /** Drops a session's refresh tokens (logout of a non-rotating session). */
    async deleteForSession(sessionId: string): Promise<void> {
      await db.deleteFrom('refresh_tokens').where('session_id', '=', sessionId).execute();
    },
  };
}

export type RefreshTokensRepo = ReturnType<typeof createRefreshTokensRepo>;
