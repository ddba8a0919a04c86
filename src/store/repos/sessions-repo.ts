import { sql } from 'kysely';
import { dialectOf, type Db } from '../create-db.js';
import { batchedReads } from './batched-reads.js';
import { precompile } from './precompiled.js';
import { precompileTokenInsert, refreshTokenArgs, refreshTokenRow, type RefreshTokenArgs, type RefreshTokenRecord } from './refresh-tokens-repo.js';

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** false for sessions whose refresh token is reused rather than rotated (the aegis face). */
  rotating: boolean;
  /** Scopes granted at login; a refresh may narrow, never widen them. */
  scope: string[];
}

type SessionArgs = [id: string, userId: string, createdAt: number, expiresAt: number, revokedAt: number | null, rotating: number, scope: string];

const sessionArgs = (s: SessionRecord): SessionArgs =>
  [s.id, s.userId, s.createdAt, s.expiresAt, s.revokedAt, s.rotating ? 1 : 0, s.scope.join(' ')];

const sessionRow = (...[id, userId, createdAt, expiresAt, revokedAt, rotating, scope]: SessionArgs) =>
  ({ id, user_id: userId, created_at: createdAt, expires_at: expiresAt, revoked_at: revokedAt, rotating, scope });

export interface SessionStatus {
  userId: string;
  revokedAt: number | null;
}

/**
 * Session statuses read in batches (batched-reads.ts), one compiled statement for any batch size:
 * `id = ANY($1)` with an array on PostgreSQL, `id IN (SELECT value FROM json_each(?))` with a JSON
 * list on SQLite. Even SQLite gains: a read's cost is mostly per call, not per row.
 */
function batchedStatus(db: Db) {
  const select = () => db.selectFrom('sessions').select(['id', 'user_id', 'revoked_at']);
  const byIds = dialectOf(db) === 'postgres'
    ? precompile(db, 1, (ids: string[]) => select().where('id', '=', (eb) => eb.fn.any(eb.val(ids))))
    : jsonList(precompile(db, 1, (json: string) => select().where('id', 'in', sql<string>`(select value from json_each(${json}))`)));
  return batchedReads(async (ids: string[]) => new Map((await byIds(ids)).rows.map((r) =>
    [r.id, { userId: r.user_id, revokedAt: r.revoked_at === null ? null : Number(r.revoked_at) }] as const)));
}

const jsonList = <R>(run: (json: string) => Promise<R>) => (ids: string[]) => run(JSON.stringify(ids));

export function createSessionsRepo(db: Db) {
  // Read by every introspection of an access token: the reads of one turn of the event loop share a query.
  const statusOf = batchedStatus(db);
  // Every login inserts one, with its first refresh token: compiled once too.
  const insertRow = precompile(db, 7, (...s: SessionArgs) => db.insertInto('sessions').values(sessionRow(...s)));
  const insertToken = precompileTokenInsert(db);
  // PostgreSQL takes both rows in one statement: one round trip and one commit per login instead
  // of two. SQLite's CTEs cannot write; its two inserts cost no round trip and no fsync.
  const insertBoth = dialectOf(db) === 'postgres'
    ? precompile(db, 13, (...a: [...SessionArgs, ...RefreshTokenArgs]) => db
      .with('session', (q) => q.insertInto('sessions').values(sessionRow(...(a.slice(0, 7) as SessionArgs))))
      .insertInto('refresh_tokens').values(refreshTokenRow(...(a.slice(7) as RefreshTokenArgs))))
    : undefined;
  return {
    async insert(s: SessionRecord): Promise<void> {
      await insertRow(...sessionArgs(s));
    },

    /** A new session with its first refresh token (a login). */
    async insertWithToken(s: SessionRecord, first: Omit<RefreshTokenRecord, 'sessionId'>): Promise<void> {
      const t = refreshTokenArgs({ ...first, sessionId: s.id });
      if (insertBoth) {
        await insertBoth(...sessionArgs(s), ...t);
        return;
      }
      await insertRow(...sessionArgs(s));
      await insertToken(...t);
    },

    /** Whose session `id` is and whether it was ended, as the database has it now. */
    status: (id: string): Promise<SessionStatus | undefined> => statusOf(id),

    async findById(id: string): Promise<SessionRecord | undefined> {
      const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { id: r.id, userId: r.user_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at), rotating: r.rotating === 1,
        scope: r.scope.split(' ').filter(Boolean) };
    },

    /** Ends one session; true when it was live until now. */
    async revoke(id: string, at: number): Promise<boolean> {
      const res = await db.updateTable('sessions').set({ revoked_at: at })
        .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Ends every live session of a user (but `exceptId`); returns the ids it ended. */
    async revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<string[]> {
      let q = db.updateTable('sessions').set({ revoked_at: at })
        .where('user_id', '=', userId).where('revoked_at', 'is', null);
      if (exceptId) q = q.where('id', '!=', exceptId);
      const rows = await q.returning('id').execute();
      return rows.map((r) => r.id);
    },

    /** Sessions ended at or after `since`: how instances learn of each other's revocations. */
    async revokedSince(since: number): Promise<{ id: string; revokedAt: number }[]> {
      const rows = await db.selectFrom('sessions').select(['id', 'revoked_at'])
        .where('revoked_at', '>=', since).execute();
      return rows.map((r) => ({ id: r.id, revokedAt: Number(r.revoked_at) }));
    },

    /** Drops sessions (and, by cascade, their refresh tokens) expired before `before`. */
    async deleteExpired(before: number): Promise<number> {
      const res = await db.deleteFrom('sessions').where('expires_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
