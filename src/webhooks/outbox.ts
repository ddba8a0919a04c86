import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/tables.js';
import type { WebhookEndpointRecord, WebhooksRepo } from '../store/repos/webhooks-repo.js';
import type { StoredAuditEvent } from '../core/audit.js';
import { ALL_EVENTS } from '../core/webhook-event-types.js';
import { webhookPayload } from './event.js';

/** Webhooks carry the audit log's stored event (core/audit.ts) as `data`, exactly as GET /audit shows it. */
export type { StoredAuditEvent } from '../core/audit.js';

export interface OutboxOptions {
  repo: WebhooksRepo;
  now: () => number;
  /** How often the endpoint list is re-read, for endpoints other instances added or removed. */
  pollMs: number;
  onError: (err: unknown) => void;
}

export interface WebhookOutbox {
  /**
   * Queues one delivery per enabled endpoint subscribed to the event's type, through `executor`
   * (the caller's transaction, so the deliveries commit or roll back with the change they report).
   * No endpoint subscribed: returns without touching the database.
   */
  enqueue(executor: Kysely<Database>, event: StoredAuditEvent): Promise<void>;
  /** Re-reads the endpoint list now (after a change on this instance). */
  refresh(): Promise<void>;
  /** Whether any enabled endpoint subscribes to `type` (asked on every login: no allocation). */
  wants(type: string): boolean;
  /** True when some endpoint exists (enabled or not): only then can deliveries be waiting. */
  hasEndpoints(): boolean;
  start(): Promise<void>;
  stop(): void;
}

const subscribes = (e: WebhookEndpointRecord, type: string) => !e.disabled && (e.events.includes(ALL_EVENTS) || e.events.includes(type));

/** The webhook sink of the audit log: endpoints cached in memory, deliveries written with the event. */
export function createWebhookOutbox(opts: OutboxOptions): WebhookOutbox {
  let endpoints: WebhookEndpointRecord[] = [];
  let timer: NodeJS.Timeout | undefined;

  const refresh = async () => { endpoints = await opts.repo.listEndpoints(); };

  return {
    async enqueue(executor, event) {
      const targets = endpoints.filter((e) => subscribes(e, event.type));
      if (targets.length === 0) return;
      const payload = webhookPayload(event);
      const createdAt = opts.now();
      await opts.repo.insertDeliveries(executor, targets.map((e) => ({ id: randomUUID(), endpointId: e.id, eventId: event.id, payload, createdAt })));
    },
    refresh,
    wants: (type) => endpoints.some((e) => subscribes(e, type)),
    hasEndpoints: () => endpoints.length > 0,
    async start() {
      await refresh();
      timer = setInterval(() => { refresh().catch(opts.onError); }, opts.pollMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
