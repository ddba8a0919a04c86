/**
 * An audit event as stored and as the contract shows it (`GET /audit`), which webhooks deliver as
 * `data`. Structural: the audit log's own type fits it.
 */
export interface StoredAuditEvent {
  id: string;
  type: string;
  /** ISO 8601, UTC. */
  at: string;
  user_id: string | null;
  actor_id: string | null;
  face: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

/** The body POSTed to receivers (Standard Webhooks' `{type, timestamp, data}`). */
export const webhookPayload = (event: StoredAuditEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.at, data: event });
