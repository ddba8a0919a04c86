import type { StoredAuditEvent } from '../core/audit.js';

/** Webhooks carry the audit log's stored event (core/audit.ts) as `data`, exactly as GET /audit shows it. */
export type { StoredAuditEvent };

/** The body POSTed to receivers (Standard Webhooks' `{type, timestamp, data}`). */
export const webhookPayload = (event: StoredAuditEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.at, data: event });
