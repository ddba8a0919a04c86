import type { FastifyRequest } from 'fastify';
import type { AuditRecorder } from '../../core/audit.js';
import { createIntervalGate } from '../../core/interval-gate.js';
import { clientKey } from '../client-address.js';
import { isUuid } from '../id-params.js';
import { clientOf } from '../client-context.js';

/** Which limit refused the request: the address's, the account's, or the account's back-off after failed passwords. */
export type LimitKind = 'address' | 'account' | 'backoff';

/**
 * rate_limited events, at most one per policy, limit and address or account per interval: a flood
 * of refused requests must not become a flood of writes. The event names the policy, never the
 * login or token that was limited (account keys are digests, and only a user id is kept).
 */
export function rateLimitEvents(audit: AuditRecorder, opts: { now?: () => number; intervalMs?: number; maxEntries?: number } = {}) {
  const gate = createIntervalGate({ intervalMs: opts.intervalMs ?? 60_000, maxEntries: opts.maxEntries ?? 10_000, ...(opts.now ? { now: opts.now } : {}) });

  return (req: FastifyRequest, policy: string, limit: LimitKind, accountKey?: string): void => {
    if (gate.pass(`${policy}:${limit}:${accountKey ?? clientKey(req.ip)}`) === undefined) return;
    const id = accountKey?.startsWith('u:') ? accountKey.slice(2) : '';
    // Not awaited: the refusal goes out at once; record() logs a failed write itself.
    void audit.record({ type: 'rate_limited', userId: isUuid(id) ? id : null, detail: { policy, limit } }, clientOf(req));
  };
}
