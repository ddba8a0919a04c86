import type { UserRecord } from '../store/repos/index.js';
import type { AuditRecorder, ClientContext } from './audit.js';

/** Fields user.updated names, with the record field each one is: never the password or the email (their own events). */
const UPDATED_FIELDS = [
  ['username', 'username'], ['is_active', 'isActive'], ['is_superuser', 'isSuperuser'], ['is_verified', 'isVerified'],
  ['scopes', 'scopes'], ['first_name', 'firstName'], ['last_name', 'lastName'],
] as const;

export interface UpdateFacts { emailChanged: boolean; passwordChanged: boolean; ended: number }

/**
 * One event per fact of an update: email.changed (old and new address), password.changed,
 * user.deactivated, and user.updated naming the other fields that changed, with their new values.
 * `audit` is the update's unit of work (unit-of-work.ts): the events commit with the update.
 */
export async function recordUserUpdate(audit: AuditRecorder, before: UserRecord, after: UserRecord, what: UpdateFacts, client: ClientContext): Promise<void> {
  const userId = after.id;
  if (what.emailChanged) await audit.record({ type: 'email.changed', userId, detail: { from: before.email, to: after.email } }, client);
  if (what.passwordChanged) await audit.record({ type: 'password.changed', userId, detail: { sessions_ended: what.ended } }, client);
  const deactivated = before.isActive && !after.isActive;
  if (deactivated) await audit.record({ type: 'user.deactivated', userId, detail: { sessions_ended: what.ended } }, client);
  const values: Record<string, unknown> = {};
  for (const [name, key] of UPDATED_FIELDS) {
    // Deactivation has its own event; an email change unverifies as part of email.changed.
    if ((key === 'isActive' && deactivated) || (key === 'isVerified' && what.emailChanged && !after.isVerified)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) values[name] = after[key];
  }
  if (Object.keys(values).length > 0) await audit.record({ type: 'user.updated', userId, detail: { fields: Object.keys(values), values } }, client);
}
