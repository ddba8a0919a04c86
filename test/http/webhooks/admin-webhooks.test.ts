import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { FORBIDDEN, NOT_FOUND, UNAUTHORIZED, auth, coreUser, jwtLogin, sb, superuser } from '../../support/users-fixtures.js';
import { auditEvent } from '../../support/webhook-receiver.js';

const NON_UUIDS = ['abc', '1', 'a'.repeat(300), '0b8e0b7e-0000-0000-0000', "'%20OR%201=1--", '00000000-0000-0000-0000-00000000000g'];
const UNKNOWN_UUID = '0b8e0b7e-1111-4222-8333-444455556666';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(DIALECTS)('admin /webhooks routes (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  let plain: string;
  beforeAll(async () => {
    // Private addresses allowed: these tests aim at loopback; the refusal has its own suite.
    s = await startServer(dialect, { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' }, { webhooks: { autoStart: false } });
    admin = (await superuser(s)).token;
    await coreUser(s, 'peasant@camelot.bt');
    plain = (await jwtLogin(s, 'peasant@camelot.bt')).access_token;
  });
  afterAll(async () => { await s.close(); });

  const call = (token: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    s.app.inject({ method, url, ...(token ? { headers: auth(token) } : {}), ...(payload ? { payload } : {}) });
  const create = (body: object) => call(admin, 'POST', '/webhooks', body);

  it('POST /webhooks answers 201 with the secret, shown only there', async () => {
    const res = await create({ url: 'http://127.0.0.1:9/hook', events: ['login.succeeded', 'logout'] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['created_at', 'events', 'id', 'secret', 'url']);
    expect(body).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['login.succeeded', 'logout'] });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.created_at).toMatch(ISO);
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const list = (await call(admin, 'GET', '/webhooks')).json() as Record<string, unknown>[];
    const listed = list.find((e) => e.id === body.id)!;
    expect(listed).toEqual({ id: body.id, url: body.url, events: body.events, created_at: body.created_at, disabled: false });
    expect(JSON.stringify(list)).not.toContain(body.secret.slice(6));
  });

  it('keeps the secret sealed at rest', async () => {
    const { secret, id } = (await create({ url: 'http://127.0.0.1:9/x', events: ['*'] })).json();
    const row = await s.container.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_enc).not.toContain(secret.slice(6));
    expect(row.secret_enc).toMatch(/^v1\./);
  });

  it('"*" subscribes to everything; duplicates are dropped', async () => {
    expect((await create({ url: 'http://127.0.0.1:9/a', events: ['logout', '*'] })).json().events).toEqual(['*']);
    expect((await create({ url: 'http://127.0.0.1:9/b', events: ['logout', 'logout'] })).json().events).toEqual(['logout']);
  });

  it('an unknown event type is 422 naming the entry', async () => {
    expect(sb(await create({ url: 'http://127.0.0.1:9/', events: ['logout', 'login.exploded'] }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'events', 1], msg: 'Unknown event type', type: 'enum' }] },
    });
  });

  it('malformed bodies are 422', async () => {
    for (const body of [{}, { url: 'http://127.0.0.1:9/' }, { events: ['*'] }, { url: 'http://127.0.0.1:9/', events: [] },
      { url: 'http://127.0.0.1:9/', events: '*' }, { url: 5, events: ['*'] }, { url: 'http://127.0.0.1:9/', events: [''] }]) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(Array.isArray(res.json().detail)).toBe(true);
    }
  });

  it('URLs other than absolute http(s) are 400', async () => {
    for (const url of ['ftp://example.com/', 'javascript:alert(1)', 'not a url', '/relative', 'file:///etc/passwd']) {
      expect(sb(await create({ url, events: ['*'] })), url).toEqual({
        status: 400, body: { detail: { code: 'WEBHOOK_INVALID_URL', reason: 'The URL must be an absolute http or https URL.' } },
      });
    }
  });

  it('DELETE /webhooks/{id} is 204, then 404; non-UUID ids are 404', async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/d', events: ['*'] })).json();
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent());
    expect(sb(await call(admin, 'DELETE', `/webhooks/${id}`))).toEqual({ status: 204, body: undefined });
    expect((await call(admin, 'GET', '/webhooks')).json().some((e: { id: string }) => e.id === id)).toBe(false);
    const left = await s.container.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id).execute();
    expect(left).toEqual([]);
    expect(sb(await call(admin, 'DELETE', `/webhooks/${id}`))).toEqual(NOT_FOUND);
    expect(sb(await call(admin, 'DELETE', `/webhooks/${UNKNOWN_UUID}`))).toEqual(NOT_FOUND);
    for (const bad of NON_UUIDS) {
      expect(sb(await call(admin, 'DELETE', `/webhooks/${bad}`)), bad).toEqual(NOT_FOUND);
      expect(sb(await call(admin, 'GET', `/webhooks/${bad}/deliveries`)), bad).toEqual(NOT_FOUND);
    }
  });

  it('GET /webhooks/{id}/deliveries lists queued deliveries, newest first', async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/l', events: ['logout'] })).json();
    const first = auditEvent('logout');
    await s.container.webhookOutbox.enqueue(s.container.db, first);
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent('login.succeeded')); // not subscribed
    const second = auditEvent('logout');
    await new Promise((r) => setTimeout(r, 5));
    await s.container.webhookOutbox.enqueue(s.container.db, second);
    const res = await call(admin, 'GET', `/webhooks/${id}/deliveries`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-total-count']).toBe('2');
    const list = res.json() as Record<string, unknown>[];
    expect(list.map((d) => d.event_id)).toEqual([second.id, first.id]);
    expect(Object.keys(list[0]!).sort()).toEqual(['attempts', 'event_id', 'id', 'last_status', 'next_attempt_at', 'status']);
    expect(list[0]).toMatchObject({ status: 'pending', attempts: 0, last_status: null });
    expect(list[0]!.next_attempt_at).toMatch(ISO);
    expect((await call(admin, 'GET', `/webhooks/${id}/deliveries?limit=1&offset=1`)).json().map((d: { event_id: string }) => d.event_id)).toEqual([first.id]);
    expect((await call(admin, 'GET', `/webhooks/${id}/deliveries?limit=0`)).statusCode).toBe(422);
    expect(sb(await call(admin, 'GET', `/webhooks/${UNKNOWN_UUID}/deliveries`))).toEqual(NOT_FOUND);
  });

  it('settled deliveries are purged after their time; pending ones never', async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/p', events: ['*'] })).json();
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent());
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent());
    const [settled] = (await call(admin, 'GET', `/webhooks/${id}/deliveries`)).json() as { id: string }[];
    await s.container.db.updateTable('webhook_deliveries').set({ status: 'delivered', next_attempt_at: null }).where('id', '=', settled!.id).execute();
    await s.container.repos.webhooks.deleteSettled(Date.now() - 60_000);
    expect((await call(admin, 'GET', `/webhooks/${id}/deliveries`)).json()).toHaveLength(2);
    await s.container.repos.webhooks.deleteSettled(Date.now() + 1);
    const left = (await call(admin, 'GET', `/webhooks/${id}/deliveries`)).json() as { id: string; status: string }[];
    expect(left.map((d) => d.status)).toEqual(['pending']);
  });

  describe('access', () => {
    const ROUTES = [
      ['POST', '/webhooks', { url: 'http://127.0.0.1:9/', events: ['*'] }], ['GET', '/webhooks', undefined],
      ['DELETE', `/webhooks/${UNKNOWN_UUID}`, undefined], ['GET', `/webhooks/${UNKNOWN_UUID}/deliveries`, undefined],
    ] as const;

    it('every route is 401 without a valid token, before validating the body', async () => {
      for (const [method, url, body] of ROUTES) {
        for (const token of [undefined, 'garbage']) {
          const res = await call(token, method, url, body ?? undefined);
          expect(sb(res), `${method} ${url}`).toEqual(UNAUTHORIZED);
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      }
      expect(sb(await call(undefined, 'POST', '/webhooks', { nonsense: true }))).toEqual(UNAUTHORIZED);
    });

    it('every route is 403 for a non-superuser, and for a superuser token without the admin scope', async () => {
      const su = (await s.container.repos.users.findByLogin('merlin@camelot.bt'))!;
      const meOnly = (await s.container.sessions.startSession(su, { scope: ['me'] })).accessToken;
      for (const token of [plain, meOnly]) {
        for (const [method, url, body] of ROUTES) expect(sb(await call(token, method, url, body ?? undefined)), `${method} ${url}`).toEqual(FORBIDDEN);
      }
    });
  });

  it('the routes exist with the wisdom admin API too', async () => {
    const w = await startServer(dialect, { TESSERA_USERS_ADMIN_API: 'wisdom' }, { webhooks: { autoStart: false } });
    try {
      expect(sb(await w.app.inject({ method: 'GET', url: '/webhooks' }))).toEqual(UNAUTHORIZED);
    } finally { await w.close(); }
  });
});
