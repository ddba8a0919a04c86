import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../support/harness.js';
import { PASSWORD, coreUser, jwtLogin } from '../support/users-fixtures.js';
import { alertOf, pagesClient } from '../support/pages-client.js';
import { setUpTotp } from '../support/mfa-client.js';

describe.each(DIALECTS)('the admin console: audit log, webhooks, a user\'s sessions and second factors (%s)', (dialect) => {
  let s: TestServer;
  let admin: ReturnType<typeof pagesClient>;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_COOKIE_SECURE: 'false', TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' });
    await coreUser(s, 'merlin@camelot.bt', { isVerified: true, isSuperuser: true });
    await coreUser(s, 'arthur@camelot.bt', { isVerified: true });
    admin = pagesClient(s);
    expect((await admin.submit('/login', { username: 'merlin@camelot.bt', password: PASSWORD })).statusCode).toBe(303);
  });
  afterAll(async () => { await s.close(); });

  it('the audit log lists events newest first and filters by type and user; it is for admins only', async () => {
    await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: 'username=arthur@camelot.bt&password=wrong', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const all = await admin.get('/admin/audit');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('<h1>Audit log</h1>');
    const types = [...all.body.matchAll(/<span class="event-type">([a-z_.]+)<\/span><\/td>/g)].map((m) => m[1]);
    expect(types[0]).toBe('login.failed');
    expect(types).toContain('login.succeeded');

    const failed = await admin.get('/admin/audit?type=login.failed');
    const only = [...failed.body.matchAll(/<span class="event-type">([a-z_.]+)<\/span><\/td>/g)].map((m) => m[1]);
    expect(only.length).toBeGreaterThan(0);
    expect(new Set(only)).toEqual(new Set(['login.failed']));
    expect(failed.body).toContain('<option value="login.failed" selected>');

    const arthur = (await s.container.users.findByEmail('arthur@camelot.bt'))!;
    const byUser = await admin.get('/admin/audit?user=arthur%40camelot.bt');
    const rows = [...byUser.body.matchAll(/<td><a href="\/admin\/users\/([0-9a-f-]+)">/g)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows)).toEqual(new Set([arthur.id]));
    expect((await admin.get('/admin/audit?user=nobody%40camelot.bt')).body).toContain('0 events');

    const anonymous = await pagesClient(s).get('/admin/audit');
    expect(anonymous.statusCode).toBe(303);
    const user = pagesClient(s);
    await user.submit('/login', { username: 'arthur@camelot.bt', password: PASSWORD });
    expect((await user.get('/admin/audit')).statusCode).toBe(403);
    expect((await user.get('/admin/webhooks')).statusCode).toBe(403);
  });

  it('creates a webhook (the secret shown once), lists it, shows its deliveries and deletes it', async () => {
    const empty = await admin.get('/admin/webhooks');
    expect(empty.body).toContain('No webhook endpoints yet.');
    const created = await admin.submit('/admin/webhooks', { url: 'http://127.0.0.1:9/hooks', events: 'user.registered' });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = /id="webhook-secret">(whsec_[^<]+)</.exec(created.body)![1]!;
    expect(secret.length).toBeGreaterThan(20);
    const [endpoint] = await s.container.webhooks.list();
    expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/hooks', events: ['user.registered'] });

    const list = await admin.get('/admin/webhooks');
    expect(list.body).toContain('http://127.0.0.1:9/hooks');
    expect(list.body).not.toContain(secret);

    await s.container.users.register({ email: 'gaheris@camelot.bt', password: PASSWORD });
    const one = await admin.get(`/admin/webhooks/${endpoint!.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('<h2 id="deliveries-heading">Deliveries</h2>');
    expect(one.body).not.toContain('No deliveries yet.');
    expect(one.body).not.toContain(secret);

    const deleted = await admin.submit(`/admin/webhooks/${endpoint!.id}`, {}, `/admin/webhooks/${endpoint!.id}/delete`);
    expect(deleted.headers.location).toBe('/admin/webhooks?notice=webhook-deleted');
    expect(await s.container.webhooks.list()).toEqual([]);
    expect((await admin.get(`/admin/webhooks/${endpoint!.id}`)).statusCode).toBe(404);
    expect((await admin.get('/admin/webhooks/not-an-id')).statusCode).toBe(404);
  });

  it('several ticked events subscribe to each; none ticked is every event; a bad URL or unknown type is an alert', async () => {
    const c = admin;
    const page = await c.get('/admin/webhooks');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new URLSearchParams([['_csrf', csrf], ['url', 'http://127.0.0.1:9/a'], ['events', 'logout'], ['events', 'login.failed']]).toString();
    const res = await s.app.inject({ method: 'POST', url: '/admin/webhooks', payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(res.statusCode).toBe(200);
    expect((await s.container.webhooks.list()).find((e) => e.url === 'http://127.0.0.1:9/a')!.events).toEqual(['logout', 'login.failed']);
    expect((await c.submit('/admin/webhooks', { url: 'http://127.0.0.1:9/b' })).statusCode).toBe(200);
    expect((await s.container.webhooks.list()).find((e) => e.url === 'http://127.0.0.1:9/b')!.events).toEqual(['*']);

    const bad = await c.submit('/admin/webhooks', { url: 'ftp://example.test/x' });
    expect(bad.statusCode).toBe(400);
    expect(alertOf(bad.body)).toMatch(/absolute http or https URL/);
    expect(bad.body).toContain('value="ftp://example.test/x"');
    const unknown = await c.submit('/admin/webhooks', { url: 'http://127.0.0.1:9/c', events: 'user.teleported' });
    expect(unknown.statusCode).toBe(400);
    expect(alertOf(unknown.body)).toMatch(/no event type “user.teleported”/);
  });

  it('the user page shows the user\'s sessions; "Remove second factors" removes them all, audited', async () => {
    const percival = await coreUser(s, 'percival@camelot.bt', { isVerified: true });
    await setUpTotp(s, (await jwtLogin(s, 'percival@camelot.bt')).access_token, Date.now());
    const page = await admin.get(`/admin/users/${percival.id}`);
    expect(page.body).toContain('<h2 id="user-sessions-heading">Sessions</h2>');
    expect(page.body).toContain('lightMyRequest');
    expect(page.body).toContain('Enrolled: authenticator app, 10 recovery codes left.');
    expect(page.body).toContain('>Remove second factors</button>');

    const res = await admin.submit(`/admin/users/${percival.id}`, {}, `/admin/users/${percival.id}/mfa/remove`);
    expect(res.headers.location).toBe(`/admin/users/${percival.id}?notice=mfa-removed`);
    expect(await s.container.mfa.status(percival.id)).toEqual({ totp: false, webauthn: 0, recoveryCodesLeft: 0 });
    const after = await admin.get(`/admin/users/${percival.id}?notice=mfa-removed`);
    expect(after.body).toContain('No second factor.');
    const { items } = await s.container.audit.list({ userId: percival.id, type: 'mfa.removed', limit: 5, offset: 0 });
    expect(items[0]).toMatchObject({ face: 'pages', detail: { method: 'all', by_admin: true } });
    expect(items[0]!.actor_id).not.toBe(percival.id);
  });
});
