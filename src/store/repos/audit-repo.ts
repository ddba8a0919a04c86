import type { Kysely } from 'kysely';
import type { Db } from '../create-db.js';
import type { Database } from '../tables.js';
import { inTransaction } from '../transaction.js';
import { precompile } from './precompiled.js';

/** What writes alongside an event: the database, or the transaction the event is written in. */
export type AuditExecutor = Kysely<Database>;

/** Runs in the event's own transaction, after its insert (webhook outbox: core/audit.ts sinks). */
export type WithinEvent = (executor: AuditExecutor) => Promise<void>;

export interface AuditEventRecord {
  id: string;
  type: string;
  at: number;
  userId: string | null;
  actorId: string | null;
  face: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  userId?: string;
  type?: string;
  /** Events at or after this time (epoch ms). */
  since?: number;
  limit: number;
  offset: number;
}

/** An event's fields in column order, as the precompiled inserts take them. */
export type AuditArgs = [id: string, type: string, at: number, userId: string | null, actorId: string | null,
  face: string | null, ip: string | null, userAgent: string | null, detail: string];

export const auditArgs = (e: AuditEventRecord): AuditArgs =>
  [e.id, e.type, e.at, e.userId, e.actorId, e.face, e.ip, e.userAgent, JSON.stringify(e.detail)];

export const auditRow = (...[id, type, at, userId, actorId, face, ip, userAgent, detail]: AuditArgs) =>
  ({ id, type, at, user_id: userId, actor_id: actorId, face, ip, user_agent: userAgent, detail });

export const AUDIT_COLUMNS = ['id', 'type', 'at', 'user_id', 'actor_id', 'face', 'ip', 'user_agent', 'detail'] as const;

type Row = ReturnType<typeof auditRow>;

function parseDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const fromRow = (r: Row): AuditEventRecord => ({
  id: r.id, type: r.type, at: Number(r.at), userId: r.user_id, actorId: r.actor_id, face: r.face, ip: r.ip,
  userAgent: r.user_agent, detail: parseDetail(r.detail),
});

/** Inserts one event on `executor` (a transaction's, or the database). */
export const insertAuditEvent = (executor: AuditExecutor, e: AuditEventRecord) =>
  executor.insertInto('audit_events').values(auditRow(...auditArgs(e))).execute();

/** One event and what it feeds, on `trx` (the transaction they commit in together). */
export async function insertAuditEventWithin(trx: AuditExecutor, e: AuditEventRecord, within: WithinEvent): Promise<void> {
  await insertAuditEvent(trx, e);
  await within(trx);
}

/** The compiled-once insert of one event (this repository's, and a login's on SQLite). */
export const precompileAuditInsert = (db: Db) =>
  precompile(db, 9, (...a: AuditArgs) => db.insertInto('audit_events').values(auditRow(...a)));

export function createAuditRepo(db: Db) {
  // Failed logins write one each: compiled once.
  const insertRow = precompileAuditInsert(db);

  const filtered = (q: Omit<AuditQuery, 'limit' | 'offset'>) => db.selectFrom('audit_events')
    .$if(q.userId !== undefined, (s) => s.where('user_id', '=', q.userId!))
    .$if(q.type !== undefined, (s) => s.where('type', '=', q.type!))
    .$if(q.since !== undefined, (s) => s.where('at', '>=', q.since!));

  return {
    /**
     * One event; with `within`, in a transaction that also runs it (the event and what it feeds commit
     * together). On a repository bound to a unit of work, both join that transaction.
     */
    async insert(e: AuditEventRecord, within?: WithinEvent): Promise<void> {
      if (!within) {
        await insertRow(...auditArgs(e));
        return;
      }
      await inTransaction(db, (trx) => insertAuditEventWithin(trx, e, within));
    },

    /** Newest first (ties by id, so pages never overlap), and how many match in all. */
    async list(q: AuditQuery): Promise<{ items: AuditEventRecord[]; total: number }> {
      const [rows, count] = await Promise.all([
        filtered(q).selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
        filtered(q).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
      ]);
      return { items: rows.map(fromRow), total: Number(count?.n ?? 0) };
    },

    /** Drops events older than `before` (retention); how many went. */
    async deleteBefore(before: number): Promise<number> {
      const res = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
