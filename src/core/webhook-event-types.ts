/**
 * The audit event types a webhook can subscribe to (the contract's list). When the audit log
 * defines its own list, this one should become a re-export of it.
 */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  'user.registered', 'user.created', 'user.updated', 'user.deactivated', 'user.deleted',
  'login.succeeded', 'login.failed', 'login.mfa_required', 'mfa.failed', 'mfa.enrolled', 'mfa.removed',
  'logout', 'session.revoked', 'refresh.reuse_detected', 'password.changed', 'password.reset_requested',
  'password.reset', 'email.verification_requested', 'email.verified', 'email.changed',
  'social.linked', 'social.unlinked', 'rate_limited',
];

/** Subscribes to every event type. */
export const ALL_EVENTS = '*';
