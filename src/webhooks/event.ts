import type { StoredAuditEvent } from '../core/audit.js';

/** The body POSTed to receivers (Standard Webhooks' `{type, timestamp, data}`): the stored event, as GET /audit shows it, is `data`. */
export const webhookPayload = (event: StoredAuditEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.at, data: event });
