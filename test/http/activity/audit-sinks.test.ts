import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditSink, StoredAuditEvent } from '../../../src/core/audit.js';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASSWORD, auth, coreUser, form, jwtLogin, superuser } from '../../support/users-fixtures.js';

/**
 * The webhook outbox plugs into the audit log as a sink: it is called with the executor of the
 * event's own transaction, so what it writes commits, or rolls back, with the event.
 */
describe.each(DIALECTS)('audit sinks (%s)', (dialect) => {
  let s: TestServer;
  const seen: { event: StoredAuditEvent; inTransaction: boolean }[] = [];
  let poison: string | undefined;
  const sink: AuditSink = Object.assign(async (executor: Parameters<AuditSink>[0], event: StoredAuditEvent) => {
    seen.push({ event, inTransaction: executor.isTransaction });
    // Queued alongside the event, as the outbox queues a delivery.
    await executor.insertInto('server_secrets').values({ name: `queued:${event.id}`, value: event.type, created_at: Date.now() }).execute();
    if (poison && event.user_id === poison) throw new Error('the outbox failed');
  }, { interested: (type: string) => type !== 'login.failed' });

  beforeAll(async () => { s = await startServer(dialect, {}, { auditSinks: [sink] }); });
  afterAll(async () => { await s.close(); });

  const queued = async (id: string) => s.container.repos.serverSecrets.get(`queued:${id}`);

  it('gets each event as the contract\'s JSON, inside the transaction that writes it, and what it queues commits with it', async () => {
    const u = await coreUser(s, 'sunk@camelot.bt');
    await jwtLogin(s, 'sunk@camelot.bt');
    const mine = seen.filter((x) => x.event.user_id === u.id);
    expect(mine.map((x) => x.event.type)).toEqual(['user.created', 'login.succeeded']);
    expect(mine.every((x) => x.inTransaction)).toBe(true);
    const login = mine[1]!.event;
    expect(Object.keys(login).sort()).toEqual(['actor_id', 'at', 'detail', 'face', 'id', 'ip', 'type', 'user_agent', 'user_id']);
    expect(login.face).toBe('users');
    const stored = (await s.container.audit.list({ userId: u.id, limit: 10, offset: 0 })).items;
    expect(stored.map((e) => e.id)).toEqual([login.id, mine[0]!.event.id]);
    expect(stored[0]).toEqual(login);
    expect(await queued(login.id)).toBeDefined();
  });

  it('is not called for types it does not want', async () => {
    const u = await coreUser(s, 'unwanted@camelot.bt');
    await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'unwanted@camelot.bt', password: 'not the password' }) });
    expect(seen.filter((x) => x.event.user_id === u.id).map((x) => x.event.type)).toEqual(['user.created']);
    expect((await s.container.audit.list({ userId: u.id, type: 'login.failed', limit: 10, offset: 0 })).total).toBe(1);
  });

  it('a failing sink rolls its event back, and the change it reports with it (a login\'s session, an update)', async () => {
    const u = await coreUser(s, 'poisoned@camelot.bt');
    poison = u.id;
    try {
      const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'poisoned@camelot.bt', password: PASSWORD }) });
      // A database failure, as for any other change (below), not an unexplained 500.
      expect(res.statusCode).toBe(503);
      const attempt = seen.filter((x) => x.event.user_id === u.id && x.event.type === 'login.succeeded');
      expect(attempt).toHaveLength(1);
      expect(await queued(attempt[0]!.event.id)).toBeUndefined();
      expect(await s.container.repos.sessions.listLive(u.id, Date.now())).toEqual([]);
      // Any other change goes the same way: it rolls back with its event, and the request is a database failure (503).
      const admin = await superuser(s);
      const patched = await s.app.inject({ method: 'PATCH', url: `/users/${u.id}`, payload: { username: 'renamed' }, headers: auth(admin.token) });
      expect(patched.statusCode).toBe(503);
      expect((await s.container.repos.users.findById(u.id))?.username).toBeNull();
      expect((await s.container.audit.list({ userId: u.id, type: 'user.updated', limit: 10, offset: 0 })).total).toBe(0);
    } finally {
      poison = undefined;
    }
    expect((await s.container.audit.list({ userId: u.id, type: 'login.succeeded', limit: 10, offset: 0 })).total).toBe(0);
  });
});
