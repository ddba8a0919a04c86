import { sql, type Kysely } from 'kysely';
import type { Db } from '../create-db.js';
import { dialectOf } from '../dialect.js';
import type { Database } from '../tables.js';
import { inTransaction } from '../transaction.js';

export interface WebhookEndpointRecord {
  id: string;
  url: string;
  /** Event types, or `['*']` for every event. */
  events: string[];
  secretEnc: string;
  createdAt: number;
  disabled: boolean;
}

export interface NewDelivery { id: string; endpointId: string; eventId: string; payload: string; createdAt: number }

export interface WebhookDeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  firstAttemptAt: number | null;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  createdAt: number;
}

/** What an attempt leaves behind: the next due time while pending. */
export interface AttemptOutcome { status: WebhookDeliveryRecord['status']; lastStatus: number | null; nextAttemptAt: number | null; firstAttemptAt: number }

type EndpointRow = Database['webhook_endpoints'];
type DeliveryRow = Database['webhook_deliveries'];

const toEndpoint = (r: EndpointRow): WebhookEndpointRecord => ({
  id: r.id, url: r.url, events: JSON.parse(r.events) as string[], secretEnc: r.secret_enc, createdAt: Number(r.created_at), disabled: Number(r.disabled) === 1,
});
const num = (v: number | null): number | null => (v === null ? null : Number(v));
const toDelivery = (r: DeliveryRow): WebhookDeliveryRecord => ({
  id: r.id, endpointId: r.endpoint_id, eventId: r.event_id, payload: r.payload, status: r.status as WebhookDeliveryRecord['status'],
  attempts: Number(r.attempts), firstAttemptAt: num(r.first_attempt_at), nextAttemptAt: num(r.next_attempt_at),
  lastStatus: num(r.last_status), createdAt: Number(r.created_at),
});

export function createWebhooksRepo(db: Db) {
  const postgres = dialectOf(db) === 'postgres';
  return {
    async insertEndpoint(e: WebhookEndpointRecord): Promise<void> {
      await db.insertInto('webhook_endpoints').values({
        id: e.id, url: e.url, events: JSON.stringify(e.events), secret_enc: e.secretEnc, created_at: e.createdAt, disabled: e.disabled ? 1 : 0,
      }).execute();
    },

    async listEndpoints(): Promise<WebhookEndpointRecord[]> {
      return (await db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute()).map(toEndpoint);
    },

    async findEndpoint(id: string): Promise<WebhookEndpointRecord | undefined> {
      const r = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toEndpoint(r);
    },

    /** Deletes the endpoint and its deliveries; false when there was none. */
    async deleteEndpoint(id: string): Promise<boolean> {
      return inTransaction(db, async (tx) => {
        const res = await tx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
        await tx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        return Number(res.numDeletedRows) > 0;
      });
    },

    /** Gives up one delivery without an attempt (its endpoint is gone or disabled). */
    async drop(id: string, owner: string): Promise<void> {
      await db.updateTable('webhook_deliveries').set({ status: 'failed', next_attempt_at: null, lease_until: null, lease_owner: null })
        .where('id', '=', id).where('lease_owner', '=', owner).execute();
    },

    /** Disables the endpoint and gives up its pending deliveries (the receiver said 410 Gone). */
    async disableEndpoint(id: string): Promise<void> {
      await inTransaction(db, async (tx) => {
        await tx.updateTable('webhook_endpoints').set({ disabled: 1 }).where('id', '=', id).execute();
        await tx.updateTable('webhook_deliveries').set({ status: 'failed', next_attempt_at: null, lease_until: null, lease_owner: null })
          .where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
      });
    },

    /** Queues deliveries through `executor`: the caller's transaction, so they commit (or not) with its change. */
    async insertDeliveries(executor: Kysely<Database>, rows: NewDelivery[]): Promise<void> {
      if (rows.length === 0) return;
      await executor.insertInto('webhook_deliveries').values(rows.map((d) => ({
        id: d.id, endpoint_id: d.endpointId, event_id: d.eventId, payload: d.payload, status: 'pending',
        attempts: 0, next_attempt_at: d.createdAt, created_at: d.createdAt,
      }))).execute();
    },

    /**
     * Claims up to `limit` due deliveries for `owner` until `leaseUntil`, in one statement: a row is
     * claimed by one instance only (PostgreSQL skips rows another instance is claiming; SQLite runs
     * one writer at a time), and stays claimed until the lease runs out or the attempt is recorded.
     */
    async claimDue(owner: string, now: number, leaseUntil: number, limit: number): Promise<WebhookDeliveryRecord[]> {
      const due = db.selectFrom('webhook_deliveries').select('id')
        .where('status', '=', 'pending').where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at').limit(limit)
        .$if(postgres, (q) => q.forUpdate().skipLocked());
      const rows = await db.updateTable('webhook_deliveries').set({ lease_until: leaseUntil, lease_owner: owner })
        .where('id', 'in', due).returningAll().execute();
      return rows.map(toDelivery);
    },

    /** Records an attempt made under `owner`'s lease; false when the lease was lost meanwhile. */
    async recordAttempt(id: string, owner: string, o: AttemptOutcome): Promise<boolean> {
      const res = await db.updateTable('webhook_deliveries').set((eb) => ({
        status: o.status, last_status: o.lastStatus, next_attempt_at: o.nextAttemptAt,
        first_attempt_at: sql<number>`coalesce(${eb.ref('first_attempt_at')}, ${o.firstAttemptAt})`,
        attempts: eb('attempts', '+', 1), lease_until: null, lease_owner: null,
      })).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Hands a claimed delivery back untried (shutdown): due again at once, for any instance. */
    async release(id: string, owner: string): Promise<void> {
      await db.updateTable('webhook_deliveries').set({ lease_until: null, lease_owner: null })
        .where('id', '=', id).where('lease_owner', '=', owner).execute();
    },

    /** Deletes settled (delivered or given-up) deliveries queued before `before`. */
    async deleteSettled(before: number): Promise<number> {
      const res = await db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('created_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /** An endpoint's deliveries, newest first. */
    async listDeliveries(endpointId: string, limit: number, offset: number): Promise<{ items: WebhookDeliveryRecord[]; total: number }> {
      const base = db.selectFrom('webhook_deliveries').where('endpoint_id', '=', endpointId);
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(toDelivery), total: Number(count.n) };
    },
  };
}

export type WebhooksRepo = ReturnType<typeof createWebhooksRepo>;
