import type { AuditEventRecord, AuditExecutor, AuditQuery, AuditRepo, WithinEvent } from '../store/repos/audit-repo.js';
import type { SessionEvent } from '../store/repos/sessions-repo.js';
import { StoreUnavailable } from '../store/store-unavailable.js';
import { createEventIds } from './event-id.js';

/** Every security event the contract names (docs/operations.md lists each with its detail). */
export const AUDIT_EVENT_TYPES = [
  'user.registered', 'user.created', 'user.updated', 'user.deactivated', 'user.deleted',
  'login.succeeded', 'login.failed', 'login.mfa_required', 'mfa.failed', 'mfa.enrolled', 'mfa.removed',
  'logout', 'session.revoked', 'refresh.reuse_detected',
  'password.changed', 'password.reset_requested', 'password.reset',
  'email.verification_requested', 'email.verified', 'email.changed',
  'social.linked', 'social.unlinked', 'rate_limited',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who/where a request came from; faces build it from the request (http/client-context.ts). */
export interface ClientContext { face?: string; ip?: string | null; userAgent?: string | null; actorId?: string | null }
export interface AuditEventInput { type: AuditEventType; userId: string | null; detail?: Record<string, unknown> }
export interface AuditRecorder { record(event: AuditEventInput, ctx?: ClientContext): Promise<void> }

/** An event as the API lists it and webhooks deliver it (the contract's JSON). */
export interface StoredAuditEvent {
  id: string;
  type: string;
  /** ISO 8601 UTC. */
  at: string;
  user_id: string | null;
  actor_id: string | null;
  face: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/**
 * Called with the executor of the event's insert (its transaction) and the event: the webhook
 * outbox queues deliveries there, so an event and its deliveries commit together. `interested`,
 * when present, lets a login skip the transaction when no sink wants that type (the common case).
 */
export type AuditSink = ((executor: AuditExecutor, event: StoredAuditEvent) => Promise<void>) & { interested?: (type: string) => boolean };

/** Longest user agent kept (sessions and events). */
export const MAX_USER_AGENT = 512;
export const truncateUserAgent = (ua: string | null | undefined): string | null => (ua ? ua.slice(0, MAX_USER_AGENT) : null);

/** A safety net under the rule that detail never holds a secret: such keys are dropped whoever passes them. */
const SECRET_KEY = /password|passwd|secret|token|hash|(^|_)codes?$|link/i;

export interface AuditLogDeps {
  repo: AuditRepo;
  sinks?: AuditSink[];
  now?: () => number;
  /** A failed write of an event with no change to report (logged, never failing the request). */
  onError?: (err: unknown, type: string) => void;
}

export const toStoredEvent = (r: AuditEventRecord): StoredAuditEvent => ({
  id: r.id, type: r.type, at: new Date(r.at).toISOString(), user_id: r.userId, actor_id: r.actorId,
  face: r.face, ip: r.ip, user_agent: r.userAgent, detail: r.detail,
});

/**
 * The audit log: core records each security event once, where the behaviour lives, never per
 * face. An event that reports a change is written in the change's own statement or transaction:
 * a login's session insert (prepare()), every other change through its unit of work
 * (unit-of-work.ts, which also uses prepare()). record() is for events that report no change
 * (failed logins, failed second steps, rate limits): one insert of its own.
 */
export function createAuditLog(deps: AuditLogDeps) {
  const { repo } = deps;
  const sinks = deps.sinks ?? [];
  const now = deps.now ?? Date.now;
  const nextId = createEventIds();

  function build(input: AuditEventInput, ctx: ClientContext = {}): AuditEventRecord {
    const detail: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.detail ?? {})) if (!SECRET_KEY.test(k) && v !== undefined) detail[k] = v;
    const at = now();
    return {
      id: nextId(at), type: input.type, at, userId: input.userId, actorId: ctx.actorId ?? null,
      face: ctx.face ?? null, ip: ctx.ip ?? null, userAgent: truncateUserAgent(ctx.userAgent), detail,
    };
  }

  /** What runs in the event's transaction: the sinks that want it; undefined when none does (no transaction needed). */
  function withinFor(record: AuditEventRecord): WithinEvent | undefined {
    const wanting = sinks.filter((s) => !s.interested || s.interested(record.type));
    if (wanting.length === 0) return undefined;
    const event = toStoredEvent(record);
    return async (executor) => {
      try {
        for (const sink of wanting) await sink(executor, event);
      } catch (err) {
        // A sink that cannot queue (the webhook outbox) fails the change as a failing database does (503),
        // on every path that writes events: a unit of work and a login's own session insert alike.
        throw err instanceof StoreUnavailable ? err : new StoreUnavailable(err);
      }
    };
  }

  return {
    async record(input: AuditEventInput, ctx?: ClientContext): Promise<void> {
      const record = build(input, ctx);
      try {
        await repo.insert(record, withinFor(record));
      } catch (err) {
        // There is no change to undo: a lost event is logged, the request (often a refusal) not failed.
        deps.onError?.(err, input.type);
      }
    },

    /** An event to write inside another statement or transaction (a login's session insert, sessions-repo.ts; a unit of work). */
    prepare(input: AuditEventInput, ctx?: ClientContext): SessionEvent {
      const record = build(input, ctx);
      const within = withinFor(record);
      return within ? { record, within } : { record };
    },

    async list(q: AuditQuery): Promise<{ items: StoredAuditEvent[]; total: number }> {
      const { items, total } = await repo.list(q);
      return { items: items.map(toStoredEvent), total };
    },

    /** Drops events older than `retentionDays` (the container's hourly purge). */
    purge: (retentionDays: number): Promise<number> => repo.deleteBefore(now() - retentionDays * 86_400_000),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
