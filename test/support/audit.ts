import { sql } from 'kysely';
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

/**
 * Makes every insert into audit_events fail (a trigger that raises) until the returned function
 * is called: the event of a change cannot be written, on either dialect.
 */
export async function failAuditWrites(s: TestServer): Promise<() => Promise<void>> {
  const db = s.container.db;
  if (s.dialect === 'sqlite') {
    await sql`create trigger audit_fails before insert on audit_events begin select raise(abort, 'audit write refused'); end`.execute(db);
    return async () => { await sql`drop trigger audit_fails`.execute(db); };
  }
  await sql`create or replace function audit_fails() returns trigger language plpgsql as $$ begin raise exception 'audit write refused'; end $$`.execute(db);
  await sql`create trigger audit_fails before insert on audit_events for each row execute function audit_fails()`.execute(db);
  return async () => { await sql`drop trigger audit_fails on audit_events`.execute(db); };
}

/** The webhook deliveries queued for an event (any status). */
export async function deliveriesOf(s: TestServer, eventId: string): Promise<number> {
  const r = await s.container.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('event_id', '=', eventId).executeTakeFirstOrThrow();
  return Number(r.n);
}
