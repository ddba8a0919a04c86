import { sql } from 'kysely';
import { dialectOf, type Db } from '../create-db.js';
import { batchedReads } from './batched-reads.js';
import { precompile } from './precompiled.js';
import { AUDIT_COLUMNS, auditArgs, insertAuditEventWithin, precompileAuditInsert, type AuditArgs, type AuditEventRecord, type WithinEvent } from './audit-repo.js';
import { inTransaction } from '../transaction.js';
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
  /** The user's credentials version the session was opened with (users-repo.ts). */
  credentialsVersion: number;
  /** Where it was opened: client address, user agent (truncated), face or `pages`. */
  ip?: string | null;
  userAgent?: string | null;
  face?: string | null;
}

/** A live session as the sessions API shows it. */
export interface SessionView {
  id: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  ip: string | null;
  userAgent: string | null;
  face: string | null;
}

/** The login event written with a new session, and what runs in its transaction (audit-repo.ts). */
export interface SessionEvent {
  record: AuditEventRecord;
  within?: WithinEvent;
}

type SessionArgs = [id: string, userId: string, createdAt: number, expiresAt: number, revokedAt: number | null, rotating: number, scope: string, credentialsVersion: number,
  ip: string | null, userAgent: string | null, face: string | null];

const sessionArgs = (s: SessionRecord): SessionArgs =>
  [s.id, s.userId, s.createdAt, s.expiresAt, s.revokedAt, s.rotating ? 1 : 0, s.scope.join(' '), s.credentialsVersion, s.ip ?? null, s.userAgent ?? null, s.face ?? null];

const sessionRow = (...[id, userId, createdAt, expiresAt, revokedAt, rotating, scope, credentialsVersion, ip, userAgent, face]: SessionArgs) =>
  ({ id, user_id: userId, created_at: createdAt, expires_at: expiresAt, revoked_at: revokedAt, rotating, scope, credentials_version: credentialsVersion, ip, user_agent: userAgent, face });

const SESSION_COLUMNS = ['id', 'user_id', 'created_at', 'expires_at', 'revoked_at', 'rotating', 'scope', 'credentials_version', 'ip', 'user_agent', 'face'] as const;
const SESSION_ARITY = 11;

/**
 * The new session's row, selected from its user's row only while that user is active and still at
 * the credentials version the login read at its password check: a password change, reset,
 * deactivation or deletion that committed since then leaves nothing to insert. On PostgreSQL the
 * user's row is also locked (FOR SHARE) until the insert commits, so a change that starts meanwhile
 * waits for it, and the sessions it then ends include this one. SQLite has one writer at a time.
 */
function sessionIfCurrent(db: Db, ...[id, userId, createdAt, expiresAt, revokedAt, rotating, scope, version, ip, userAgent, face]: SessionArgs) {
  return db.selectFrom('users')
    .select((eb) => [
      eb.cast<string>(eb.val(id), 'text').as('id'), eb.cast<string>(eb.val(userId), 'text').as('user_id'),
      eb.cast<number>(eb.val(createdAt), 'bigint').as('created_at'), eb.cast<number>(eb.val(expiresAt), 'bigint').as('expires_at'),
      eb.cast<number | null>(eb.val(revokedAt), 'bigint').as('revoked_at'), eb.cast<number>(eb.val(rotating), 'integer').as('rotating'),
      eb.cast<string>(eb.val(scope), 'text').as('scope'), eb.cast<number>(eb.val(version), 'integer').as('credentials_version'),
      eb.cast<string | null>(eb.val(ip), 'text').as('ip'), eb.cast<string | null>(eb.val(userAgent), 'text').as('user_agent'),
      eb.cast<string | null>(eb.val(face), 'text').as('face'),
    ])
    .where('users.id', '=', userId).where('users.credentials_version', '=', version).where('users.is_active', '=', sql.lit(1))
    .$if(dialectOf(db) === 'postgres', (q) => q.forShare());
}

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
  /** A login with webhook subscribers: session, token, event and what the event feeds in one transaction. */
  async function openInTransaction(s: SessionRecord, t: RefreshTokenArgs, e: AuditEventRecord, within: WithinEvent): Promise<boolean> {
    return inTransaction(db, async (trx) => {
      const opened = await trx.insertInto('sessions').columns(SESSION_COLUMNS).expression(sessionIfCurrent(trx, ...sessionArgs(s))).executeTakeFirst();
      if (Number(opened.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await trx.insertInto('refresh_tokens').values(refreshTokenRow(...t)).execute();
      await insertAuditEventWithin(trx, e, within);
      return true;
    });
  }

  // Read by every introspection of an access token: the reads of one turn of the event loop share a query.
  const statusOf = batchedStatus(db);
  // Every login inserts one, with its first refresh token: compiled once too.
  const insertRow = precompile(db, SESSION_ARITY, (...s: SessionArgs) => db.insertInto('sessions').values(sessionRow(...s)));
  const openRow = precompile(db, SESSION_ARITY, (...s: SessionArgs) => db.insertInto('sessions').columns(SESSION_COLUMNS).expression(sessionIfCurrent(db, ...s)));
  const insertToken = precompileTokenInsert(db);
  const insertEvent = precompileAuditInsert(db);
  // Token use: at most once a minute per session and instance (core/session-activity.ts), never moving back.
  const touchRow = precompile(db, 2, (id: string, at: number) => db.updateTable('sessions').set({ last_used_at: at })
    .where('id', '=', id).where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)])));
  // PostgreSQL takes all three rows (session, first refresh token, login event) in one statement:
  // one round trip and one commit per login; the token and the event are selected from the
  // inserted session, so no session means neither. SQLite's CTEs cannot write; its inserts cost
  // no round trip and no fsync.
  const openBoth = dialectOf(db) === 'postgres'
    ? precompile(db, 26 /* session, token, event */, (...a: [...SessionArgs, ...RefreshTokenArgs, ...AuditArgs]) => {
      const [id, sessionId, tokenHash, createdAt, expiresAt, usedAt] = a.slice(SESSION_ARITY, SESSION_ARITY + 6) as RefreshTokenArgs;
      const e = a.slice(SESSION_ARITY + 6) as AuditArgs;
      return db
        .with('session', (q) => q.insertInto('sessions').columns(SESSION_COLUMNS)
          .expression(sessionIfCurrent(db, ...(a.slice(0, SESSION_ARITY) as SessionArgs))).returning('id'))
        .with('event', (q) => q.insertInto('audit_events').columns(AUDIT_COLUMNS).expression((eb) => eb.selectFrom('session').select((s) => [
          s.cast<string>(s.val(e[0]), 'text').as('id'), s.cast<string>(s.val(e[1]), 'text').as('type'), s.cast<number>(s.val(e[2]), 'bigint').as('at'),
          s.cast<string | null>(s.val(e[3]), 'text').as('user_id'), s.cast<string | null>(s.val(e[4]), 'text').as('actor_id'),
          s.cast<string | null>(s.val(e[5]), 'text').as('face'), s.cast<string | null>(s.val(e[6]), 'text').as('ip'),
          s.cast<string | null>(s.val(e[7]), 'text').as('user_agent'), s.cast<string>(s.val(e[8]), 'text').as('detail'),
        ])))
        .insertInto('refresh_tokens').columns(['id', 'session_id', 'token_hash', 'created_at', 'expires_at', 'used_at'])
        .expression((eb) => eb.selectFrom('session').select((s) => [
          s.cast<string>(s.val(id), 'text').as('id'), s.cast<string>(s.val(sessionId), 'text').as('session_id'), s.cast<string>(s.val(tokenHash), 'text').as('token_hash'),
          s.cast<number>(s.val(createdAt), 'bigint').as('created_at'), s.cast<number>(s.val(expiresAt), 'bigint').as('expires_at'),
          s.cast<number | null>(s.val(usedAt), 'bigint').as('used_at'),
        ]));
    })
    : undefined;
  return {
    async insert(s: SessionRecord): Promise<void> {
      await insertRow(...sessionArgs(s));
    },

    /**
     * A new session with its first refresh token (a login), written only while the user is active
     * and at `s.credentialsVersion` (sessionIfCurrent); false when it was not written.
     */
    async insertWithToken(s: SessionRecord, first: Omit<RefreshTokenRecord, 'sessionId'>, event: SessionEvent): Promise<boolean> {
      const t = refreshTokenArgs({ ...first, sessionId: s.id });
      if (event.within) return openInTransaction(s, t, event.record, event.within);
      if (openBoth) return Number((await openBoth(...sessionArgs(s), ...t, ...auditArgs(event.record))).numAffectedRows) > 0;
      if (Number((await openRow(...sessionArgs(s))).numAffectedRows) === 0) return false;
      await insertToken(...t);
      await insertEvent(...auditArgs(event.record));
      return true;
    },

    /** The user's live sessions (not ended, not expired at `now`), newest first. */
    async listLive(userId: string, now: number): Promise<SessionView[]> {
      const rows = await db.selectFrom('sessions').select(['id', 'created_at', 'expires_at', 'last_used_at', 'ip', 'user_agent', 'face'])
        .where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map((r) => ({
        id: r.id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
        lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), ip: r.ip, userAgent: r.user_agent, face: r.face,
      }));
    },

    /** Records a use of the session (never moving last_used_at back). */
    async touch(id: string, at: number): Promise<void> {
      await touchRow(id, at);
    },

    /** Whose session `id` is and whether it was ended, as the database has it now. */
    status: (id: string): Promise<SessionStatus | undefined> => statusOf(id),

    async findById(id: string): Promise<SessionRecord | undefined> {
      const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { id: r.id, userId: r.user_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at), rotating: r.rotating === 1,
        scope: r.scope.split(' ').filter(Boolean), credentialsVersion: Number(r.credentials_version) };
    },

    /** Ends one session of `userId` that is live (not ended, not expired); false when there is none. */
    async revokeOwned(id: string, userId: string, at: number): Promise<boolean> {
      const res = await db.updateTable('sessions').set({ revoked_at: at })
        .where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', at).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
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

    /** Moves a live session to its user's current credentials version (the session that changed the password keeps going). */
    async adoptCredentialsVersion(id: string, userId: string): Promise<void> {
      await db.updateTable('sessions')
        .set((eb) => ({ credentials_version: eb.selectFrom('users').select('credentials_version').where('users.id', '=', userId) }))
        .where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    },

    /**
     * Sessions ended after revocation number `seq`, in order, at most `limit`: how instances learn of
     * each other's revocations. The database numbers them (migration 0005), so no clock is involved.
     */
    async revokedAfter(seq: number, limit: number): Promise<{ id: string; seq: number }[]> {
      const rows = await db.selectFrom('sessions').select(['id', 'revoked_seq'])
        .where('revoked_seq', '>', seq).orderBy('revoked_seq').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, seq: Number(r.revoked_seq) }));
    },

    /** The highest revocation number written so far (0 before any). */
    async lastRevocationSeq(): Promise<number> {
      const r = await db.selectFrom('sessions').select((eb) => eb.fn.max('revoked_seq').as('seq')).executeTakeFirst();
      return Number(r?.seq ?? 0);
    },

    /** Sessions ended at or after `since` (by the revoking instance's clock): what an instance loads at start. */
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
