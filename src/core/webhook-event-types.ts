import { AUDIT_EVENT_TYPES } from './audit.js';

/** The audit event types a webhook can subscribe to: every type the audit log records. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = AUDIT_EVENT_TYPES;

/** Subscribes to every event type. */
export const ALL_EVENTS = '*';
