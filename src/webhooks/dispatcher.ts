import { randomUUID } from 'node:crypto';
import type { WebhookDeliveryRecord, WebhooksRepo } from '../store/repos/webhooks-repo.js';
import type { RetrySchedule } from './schedule.js';
import { postWebhook, type PostOptions } from './post.js';
import { signedHeaders } from './signing.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dropped';

export interface DispatcherOptions {
  repo: WebhooksRepo;
  /** The endpoint's `whsec_…` secret from its sealed form; undefined when it no longer opens (key changed). */
  openSecret: (sealed: string) => Promise<string | undefined>;
  /** False while no endpoint exists: then no delivery can be due and the poll skips the database. */
  hasEndpoints: () => boolean;
  /** The receiver answered 410 Gone: the endpoint has just been disabled. */
  onDisabled: (endpointId: string) => void;
  count: (outcome: DeliveryOutcome) => void;
  schedule: RetrySchedule;
  now: () => number;
  pollMs: number;
  concurrency: number;
  timeoutMs: number;
  allowPrivate: boolean;
  onError: (err: unknown) => void;
  post?: (url: string, body: string, headers: Record<string, string>, opts: PostOptions) => Promise<number | null>;
}

export interface WebhookDispatcher {
  start(): void;
  /** Stops polling, abandons attempts in flight (handed back untried) and waits for them to settle. */
  stop(): Promise<void>;
  /** One poll now (tests). */
  tick(): Promise<void>;
}

/**
 * Polls due deliveries, claims them (a lease in the row, so each attempt is made by one instance),
 * POSTs them with at most `concurrency` in flight, and records the outcome and the next attempt.
 * Runs beside the request path: a slow receiver never holds up a login.
 */
export function createWebhookDispatcher(o: DispatcherOptions): WebhookDispatcher {
  const owner = randomUUID();
  const post = o.post ?? postWebhook;
  // Long enough to cover one attempt (its timeout and two queries) with room to spare.
  const leaseMs = 2 * o.timeoutMs + 30_000;
  const active = new Set<Promise<void>>();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let backlog = false;
  // A wake-up asked for while a poll runs: that poll claimed before the slot freed, so poll again after it.
  let again = false;

  async function attempt(d: WebhookDeliveryRecord): Promise<void> {
    const endpoint = await o.repo.findEndpoint(d.endpointId);
    const secret = endpoint && !endpoint.disabled ? await o.openSecret(endpoint.secretEnc) : undefined;
    if (!endpoint || !secret) {
      if (endpoint && !endpoint.disabled) o.onError(new Error(`webhook endpoint ${endpoint.id}: its secret does not open under the current key`));
      await o.repo.drop(d.id, owner);
      return o.count('dropped');
    }
    const sentAt = o.now();
    // webhook-id is the event id: the same on every retry, so receivers can drop duplicates.
    const headers = await signedHeaders(secret, d.eventId, new Date(sentAt), d.payload);
    const status = await post(endpoint.url, d.payload, headers, { timeoutMs: o.timeoutMs, allowPrivate: o.allowPrivate, signal: abort.signal });
    if (abort.signal.aborted) return o.repo.release(d.id, owner);
    const firstAttemptAt = d.firstAttemptAt ?? sentAt;
    if (status !== null && status >= 200 && status < 300) {
      await o.repo.recordAttempt(d.id, owner, { status: 'delivered', lastStatus: status, nextAttemptAt: null, firstAttemptAt });
      return o.count('delivered');
    }
    const next = status === 410 ? undefined : o.schedule.next(d.attempts + 1, firstAttemptAt, o.now());
    await o.repo.recordAttempt(d.id, owner, { status: next === undefined ? 'failed' : 'pending', lastStatus: status, nextAttemptAt: next ?? null, firstAttemptAt });
    if (status === 410) {
      await o.repo.disableEndpoint(endpoint.id);
      o.onDisabled(endpoint.id);
    }
    o.count(next === undefined ? 'dropped' : 'failed');
  }

  function run(d: WebhookDeliveryRecord): void {
    const p = attempt(d).catch(o.onError).finally(() => {
      active.delete(p);
      // A full batch may have left more due rows behind: claim again as soon as a slot frees (every
      // slot: the flag stays up until a poll finds fewer due rows than free slots).
      if (backlog && !abort.signal.aborted) wake();
    });
    active.add(p);
  }

  async function poll(): Promise<void> {
    const free = o.concurrency - active.size;
    if (free <= 0 || abort.signal.aborted || !o.hasEndpoints()) return;
    const now = o.now();
    const claimed = await o.repo.claimDue(owner, now, now + leaseMs, free);
    backlog = claimed.length === free;
    for (const d of claimed) run(d);
  }

  function tick(): Promise<void> {
    // One poll at a time per instance; a tick during a poll waits for it.
    polling ??= poll().catch(o.onError).finally(() => {
      polling = undefined;
      if (again) { again = false; void tick(); }
    });
    return polling;
  }

  /** Claims more now, or right after the poll in progress (which may have run before a slot freed). */
  function wake(): void {
    if (polling) again = true;
    else void tick();
  }

  return {
    start() {
      timer = setInterval(() => { void tick(); }, o.pollMs);
      timer.unref();
      void tick();
    },
    async stop() {
      clearInterval(timer);
      abort.abort();
      await polling;
      await Promise.allSettled([...active]);
    },
    tick,
  };
}
