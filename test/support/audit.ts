import type { StoredAuditEvent } from '../../src/core/audit.js';
import type { TestServer } from './harness.js';

/** A user's events, oldest first (the core list, newest first, reversed). */
export async function eventsOf(s: TestServer, userId: string): Promise<StoredAuditEvent[]> {
  return (await s.container.audit.list({ userId, limit: 1000, offset: 0 })).items.reverse();
}

/** Every stored event row, raw, as the database holds it (for scanning for secrets). */
export async function rawEventRows(s: TestServer): Promise<string> {
  const rows = await s.container.db.selectFrom('audit_events').selectAll().execute();
  return JSON.stringify(rows);
}

/** Waits until `check` holds (background writes: mail jobs, last_used_at). */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}
