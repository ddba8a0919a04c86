import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { auth, superuser } from '../../support/users-fixtures.js';
import { login, register } from '../../support/users-client.js';
import { startReceiver } from '../../support/webhook-receiver.js';
import { eventually } from '../../support/eventually.js';

/** The whole path: a real request's audit event, queued in its own transaction, delivered signed. */
describe.each(DIALECTS)('audit events reach webhooks (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' }, { webhooks: { pollMs: 20, scheduleScale: 0.01, endpointPollMs: 100 } });
    admin = (await superuser(s)).token;
  });
  afterAll(async () => { await s.close(); });

  it('a registration and a login are POSTed as the events GET /audit shows, signed, to subscribed endpoints only', async () => {
    const r = await startReceiver();
    try {
      const res = await s.app.inject({ method: 'POST', url: '/webhooks', headers: auth(admin), payload: { url: r.url, events: ['user.registered', 'login.succeeded'] } });
      expect(res.statusCode).toBe(201);
      const { secret } = res.json() as { secret: string };
      const user = await register(s.app, 'gareth@camelot.bt');
      await login(s.app, 'gareth@camelot.bt');
      await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'gareth@camelot.bt', password: 'wrong password!' } });
      await eventually(async () => r.received.length >= 2);
      const bodies = r.received.map((req) => new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as { type: string; data: { id: string; user_id: string } });
      expect(bodies.map((b) => b.type).sort()).toEqual(['login.succeeded', 'user.registered']);
      const audit = (await s.app.inject({ url: `/audit?user_id=${user.id}`, headers: auth(admin) })).json() as { id: string; type: string }[];
      for (const b of bodies) expect(audit).toContainEqual(b.data);
      // login.failed was recorded but nobody subscribed to it.
      expect(audit.map((e) => e.type)).toContain('login.failed');
      await new Promise((done) => setTimeout(done, 300));
      expect(r.received).toHaveLength(2);
    } finally {
      await r.close();
    }
  });
});
