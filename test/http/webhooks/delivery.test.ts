import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS, freshDb, startServer, type TestDb, type TestServer } from '../../support/harness.js';
import { auth, superuser } from '../../support/users-fixtures.js';
import { scrape, valueOf } from '../../support/metrics.js';
import { auditEvent, startReceiver, type Received } from '../../support/webhook-receiver.js';
import { eventually } from '../../support/eventually.js';

const ALLOW = { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true' };
// Fast polls and a schedule 100 times shorter: 50 ms, 300 ms, 1.2 s, …
const FAST = { webhooks: { pollMs: 20, scheduleScale: 0.01, endpointPollMs: 100 } };
const DELIVERIES = 'tessera_webhook_deliveries_total';

type Delivery = { id: string; event_id: string; status: string; attempts: number; next_attempt_at: string | null; last_status: number | null };

/** Verifies one received request as a receiver would, with the standardwebhooks package. */
function verified(secret: string, r: Received): unknown {
  return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
}

describe.each(DIALECTS)('webhook delivery (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    s = await startServer(dialect, ALLOW, FAST);
    admin = (await superuser(s)).token;
  });
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
  afterAll(async () => { await s.close(); });

  async function receiver(answer?: (n: number) => number | Promise<number>) {
    const r = await startReceiver(answer);
    cleanups.push(r.close);
    return r;
  }
  async function endpoint(server: TestServer, token: string, url: string, events: string[] = ['*']) {
    const res = await server.app.inject({ method: 'POST', url: '/webhooks', headers: auth(token), payload: { url, events } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { id: string; secret: string };
    // This instance only ever sends to its own endpoints: delete them so later tests start clean.
    cleanups.push(async () => { await server.app.inject({ method: 'DELETE', url: `/webhooks/${body.id}`, headers: auth(token) }); });
    return body;
  }
  const deliveries = async (server: TestServer, token: string, id: string): Promise<Delivery[]> =>
    (await server.app.inject({ url: `/webhooks/${id}/deliveries`, headers: auth(token) })).json();

  it('POSTs {type, timestamp, data} signed per Standard Webhooks, once, and records it', async () => {
    const before = valueOf(await scrape(s.app), DELIVERIES, { outcome: 'delivered' });
    const r = await receiver();
    const { id, secret } = await endpoint(s, admin, r.url, ['login.succeeded']);
    const event = auditEvent('login.succeeded', { detail: { method: 'password' } });
    await s.container.webhookOutbox.enqueue(s.container.db, event);
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent('logout')); // not subscribed
    await eventually(async () => (await deliveries(s, admin, id))[0]?.status === 'delivered');
    expect(r.received).toHaveLength(1);
    const req = r.received[0]!;
    expect(verified(secret, req)).toEqual({ type: 'login.succeeded', timestamp: event.at, data: event });
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(req.headers['content-type']).toBe('application/json');
    // Any other secret refuses it: the signature is real.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(req.body, req.headers as Record<string, string>)).toThrow();
    expect(await deliveries(s, admin, id)).toEqual([{ id: expect.any(String), event_id: event.id, status: 'delivered', attempts: 1, next_attempt_at: null, last_status: 204 }]);
    expect(valueOf(await scrape(s.app), DELIVERIES, { outcome: 'delivered' })).toBe(before + 1);
  });

  it('retries a failing receiver on the schedule until it recovers, with the same webhook-id', async () => {
    const failedBefore = valueOf(await scrape(s.app), DELIVERIES, { outcome: 'failed' });
    const r = await receiver((n) => (n === 0 ? 500 : n === 1 ? 429 : 200));
    const { id, secret } = await endpoint(s, admin, r.url);
    const event = auditEvent('user.created');
    await s.container.webhookOutbox.enqueue(s.container.db, event);
    await eventually(async () => (await deliveries(s, admin, id))[0]?.attempts === 1);
    const [afterFirst] = await deliveries(s, admin, id);
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, last_status: 500 });
    expect(afterFirst!.next_attempt_at).not.toBeNull();
    await eventually(async () => (await deliveries(s, admin, id))[0]?.status === 'delivered');
    expect(await deliveries(s, admin, id)).toMatchObject([{ status: 'delivered', attempts: 3, last_status: 200, next_attempt_at: null }]);
    expect(r.received).toHaveLength(3);
    for (const req of r.received) {
      expect(req.headers['webhook-id']).toBe(event.id);
      expect(verified(secret, req)).toMatchObject({ data: { id: event.id } });
    }
    // About 5 s and 30 s at this scale (50 ms, 300 ms), each ±20%.
    const gaps = [r.received[1]!.at - r.received[0]!.at, r.received[2]!.at - r.received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(40);
    expect(gaps[1]).toBeGreaterThanOrEqual(240);
    expect(valueOf(await scrape(s.app), DELIVERIES, { outcome: 'failed' })).toBe(failedBefore + 2);
  });

  it('a receiver that does not answer in time counts as a failure with no status', async () => {
    const t = await startServer(dialect, ALLOW, { webhooks: { pollMs: 20, scheduleScale: 10, timeoutMs: 200 } });
    cleanups.push(t.close);
    const token = (await superuser(t)).token;
    // A receiver that takes the request and never answers.
    const hang = await receiver(() => new Promise<number>(() => {}));
    const { id } = await endpoint(t, token, hang.url);
    await t.container.webhookOutbox.enqueue(t.container.db, auditEvent());
    await eventually(async () => (await deliveries(t, token, id))[0]?.attempts === 1, { timeoutMs: 3000 });
    expect((await deliveries(t, token, id))[0]).toMatchObject({ status: 'pending', last_status: null });
    // It did reach the receiver: the failure is the missing answer, not a missing request.
    expect(hang.received).toHaveLength(1);
  });

  it('a backlog drains at full concurrency without waiting for the next poll', async () => {
    // One poll a minute: after the first claim only freed slots can claim more.
    const t = await startServer(dialect, ALLOW, { webhooks: { pollMs: 60_000, scheduleScale: 0.01, endpointPollMs: 100, concurrency: 3 } });
    cleanups.push(t.close);
    const token = (await superuser(t)).token;
    // The receiver answers in threes: a request waits until three are in flight, so the backlog
    // only drains if every freed slot is filled again at once.
    let held: (() => void)[] = [];
    const slow = await receiver(async () => {
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length === 3) { for (const r of held) r(); held = []; }
      });
      return 204;
    });
    const { id } = await endpoint(t, token, slow.url);
    for (let i = 0; i < 30; i++) await t.container.webhookOutbox.enqueue(t.container.db, auditEvent());
    await t.container.webhookDispatcher.tick();
    await eventually(async () => (await deliveries(t, token, id)).every((d) => d.status === 'delivered'), { timeoutMs: 5000 });
    expect(slow.received).toHaveLength(30);
  });

  it('410 Gone disables the endpoint and gives up its deliveries', async () => {
    const droppedBefore = valueOf(await scrape(s.app), DELIVERIES, { outcome: 'dropped' });
    const r = await receiver(() => 410);
    const { id } = await endpoint(s, admin, r.url);
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent());
    await eventually(async () => ((await s.app.inject({ url: '/webhooks', headers: auth(admin) })).json() as { id: string; disabled: boolean }[])
      .some((e) => e.id === id && e.disabled));
    await eventually(async () => (await deliveries(s, admin, id))[0]?.status === 'failed');
    expect(await deliveries(s, admin, id)).toMatchObject([{ status: 'failed', attempts: 1, last_status: 410, next_attempt_at: null }]);
    // Nothing more is queued for it, and nothing more is sent.
    await s.container.webhookOutbox.enqueue(s.container.db, auditEvent());
    await new Promise((res) => setTimeout(res, 200));
    expect(await deliveries(s, admin, id)).toHaveLength(1);
    expect(r.received).toHaveLength(1);
    expect(valueOf(await scrape(s.app), DELIVERIES, { outcome: 'dropped' })).toBe(droppedBefore + 1);
  });

  it('a delivery whose endpoint was deleted meanwhile (another instance\'s stale list) is dropped, never sent', async () => {
    const droppedBefore = valueOf(await scrape(s.app), DELIVERIES, { outcome: 'dropped' });
    const r = await receiver();
    await endpoint(s, admin, r.url, ['logout']);
    const orphan = { id: crypto.randomUUID(), endpointId: crypto.randomUUID(), eventId: crypto.randomUUID(), payload: '{}', createdAt: Date.now() };
    await s.container.repos.webhooks.insertDeliveries(s.container.db, [orphan]);
    await eventually(async () => (await s.container.db.selectFrom('webhook_deliveries').select('status').where('id', '=', orphan.id).executeTakeFirstOrThrow()).status === 'failed');
    expect(r.received).toHaveLength(0);
    expect(valueOf(await scrape(s.app), DELIVERIES, { outcome: 'dropped' })).toBe(droppedBefore + 1);
  });

  it('queues nothing when the caller\'s transaction rolls back', async () => {
    const r = await receiver();
    const { id } = await endpoint(s, admin, r.url);
    await expect(s.container.db.transaction().execute(async (tx) => {
      await s.container.webhookOutbox.enqueue(tx, auditEvent());
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await deliveries(s, admin, id)).toEqual([]);
  });

  it('with no endpoint subscribed, enqueue does not touch the database', async () => {
    const untouchable = new Proxy({}, { get() { throw new Error('database used'); } }) as never;
    await expect(s.container.webhookOutbox.enqueue(untouchable, auditEvent('logout'))).resolves.toBeUndefined();
    const r = await receiver();
    await endpoint(s, admin, r.url, ['login.failed']);
    await expect(s.container.webhookOutbox.enqueue(untouchable, auditEvent('logout'))).resolves.toBeUndefined();
    await expect(s.container.webhookOutbox.enqueue(untouchable, auditEvent('login.failed'))).rejects.toThrow('database used');
  });
});

describe.each(DIALECTS)('webhook delivery across restarts and instances (%s)', (dialect) => {
  let db: TestDb;
  const servers: TestServer[] = [];
  const closers: (() => Promise<void>)[] = [];
  beforeAll(() => { db = freshDb(dialect); });
  afterEach(async () => {
    for (const srv of servers.splice(0)) await srv.close();
    for (const c of closers.splice(0)) await c();
  });
  afterAll(async () => { await db.drop(); });

  const start = async (env: Record<string, string>, webhooks: object) => {
    const srv = await startServer(dialect, env, { db, webhooks });
    servers.push(srv);
    return srv;
  };
  const adminToken = async (srv: TestServer) => {
    const found = await srv.container.repos.users.findByLogin('merlin@camelot.bt');
    if (!found) return (await superuser(srv)).token;
    return (await srv.container.sessions.startSession(found, { scope: ['me', 'admin'] })).accessToken;
  };
  const deliveriesOf = async (srv: TestServer, token: string, id: string): Promise<Delivery[]> =>
    (await srv.app.inject({ url: `/webhooks/${id}/deliveries?limit=1000`, headers: auth(token) })).json();

  it('a pending retry survives a restart and is made by the next instance', async () => {
    let healthy = false;
    const r = await startReceiver(() => (healthy ? 200 : 500));
    closers.push(r.close);
    // 5 s at a fifth: the retry is due about a second after the first attempt.
    const a = await start(ALLOW, { pollMs: 20, scheduleScale: 0.2 });
    const tokenA = await adminToken(a);
    const { id, secret } = (await a.app.inject({ method: 'POST', url: '/webhooks', headers: auth(tokenA), payload: { url: r.url, events: ['password.changed'] } })).json();
    const event = auditEvent('password.changed');
    await a.container.webhookOutbox.enqueue(a.container.db, event);
    await eventually(async () => (await deliveriesOf(a, tokenA, id))[0]?.attempts === 1);
    await servers.splice(0)[0]!.close();
    expect(r.received).toHaveLength(1);

    healthy = true;
    const b = await start(ALLOW, { pollMs: 20, scheduleScale: 0.2 });
    const tokenB = await adminToken(b);
    await eventually(async () => (await deliveriesOf(b, tokenB, id))[0]?.status === 'delivered', { timeoutMs: 8000 });
    expect(await deliveriesOf(b, tokenB, id)).toMatchObject([{ event_id: event.id, status: 'delivered', attempts: 2, last_status: 200 }]);
    expect(r.received).toHaveLength(2);
    // The new instance opened the sealed secret and signed the same message.
    expect(verified(secret, r.received[1]!)).toEqual({ type: 'password.changed', timestamp: event.at, data: event });
    expect(r.received[1]!.headers['webhook-id']).toBe(event.id);
  });

  it('an attempt cut short by a shutdown is handed back untried and made after the restart', async () => {
    let hold = true;
    const held: import('node:http').ServerResponse[] = [];
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers['webhook-id']));
      req.resume();
      if (hold) held.push(res); else res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => { server.closeAllConnections(); await new Promise((res) => server.close(res)); });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const a = await start(ALLOW, { pollMs: 20 });
    const tokenA = await adminToken(a);
    const { id } = (await a.app.inject({ method: 'POST', url: '/webhooks', headers: auth(tokenA), payload: { url, events: ['password.changed'] } })).json();
    const event = auditEvent('password.changed');
    await a.container.webhookOutbox.enqueue(a.container.db, event);
    await eventually(() => held.length === 1);
    await servers.splice(0)[0]!.close();
    const row = await (async () => {
      const b = await start(ALLOW, { autoStart: false });
      return b.container.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', id).executeTakeFirstOrThrow();
    })();
    expect(row).toMatchObject({ status: 'pending', attempts: 0, lease_until: null, lease_owner: null });
    hold = false;
    const b = servers[0]!;
    b.container.webhookDispatcher.start();
    const tokenB = await adminToken(b);
    await eventually(async () => (await deliveriesOf(b, tokenB, id))[0]?.status === 'delivered');
    expect(await deliveriesOf(b, tokenB, id)).toMatchObject([{ attempts: 1, last_status: 200 }]);
    expect(seen).toEqual([event.id, event.id]);
  });

  it('gives up 24 hours after the first attempt', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const r = await startReceiver(() => 503);
    closers.push(r.close);
    const srv = await start(ALLOW, { autoStart: false, now: () => clock });
    const token = await adminToken(srv);
    const { id } = (await srv.app.inject({ method: 'POST', url: '/webhooks', headers: auth(token), payload: { url: r.url, events: ['*'] } })).json();
    await srv.container.webhookOutbox.enqueue(srv.container.db, auditEvent());
    // One attempt: claimed by the tick, then sent and recorded.
    const step = async () => {
      const n = r.received.length;
      await srv.container.webhookDispatcher.tick();
      await eventually(async () => r.received.length === n + 1 && (await deliveriesOf(srv, token, id))[0]!.attempts === n + 1);
    };
    await step();
    const waits: number[] = [];
    for (let i = 0; i < 60; i++) {
      const [d] = await deliveriesOf(srv, token, id);
      if (d!.status !== 'pending') break;
      const due = Date.parse(d!.next_attempt_at!);
      waits.push(due - clock);
      clock = due;
      await step();
    }
    // 5 s, 30 s, 2 min, 10 min, 1 h (±20%), then hourly: about 27 attempts in 24 h.
    const expected = [5_000, 30_000, 120_000, 600_000, 3_600_000, 3_600_000];
    expected.forEach((base, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(waits[i]).toBeLessThanOrEqual(base * 1.2);
    });
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(24 * 3_600_000);
    expect(total).toBeGreaterThan(22 * 3_600_000);
    const [last] = await deliveriesOf(srv, token, id);
    expect(last).toMatchObject({ status: 'failed', last_status: 503, next_attempt_at: null, attempts: r.received.length });
    // Nothing is claimed any more.
    clock += 10 * 3_600_000;
    await srv.container.webhookDispatcher.tick();
    await new Promise((res) => setTimeout(res, 100));
    expect((await deliveriesOf(srv, token, id))[0]!.attempts).toBe(r.received.length);
  });

  it('private addresses are refused without the flag, at creation and again at delivery', async () => {
    const r = await startReceiver();
    closers.push(r.close);
    // Created while allowed; then the instance restarts with the default policy.
    const open = await start(ALLOW, { pollMs: 20 });
    const token = await adminToken(open);
    const create = (srv: TestServer, url: string) => srv.app.inject({ method: 'POST', url: '/webhooks', headers: auth(token), payload: { url, events: ['*'] } });
    const byName = (await create(open, `http://localhost:${r.port}/hook`)).json();
    const byAddress = (await create(open, r.url)).json();
    await servers.splice(0)[0]!.close();

    const strict = await start({}, { pollMs: 20, scheduleScale: 100 });
    for (const url of ['http://127.0.0.1/', 'http://localhost/', 'http://[::1]/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data', 'http://0.0.0.0/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[fe80::1]/',
      'http://[fd00::1]/', 'http://[::]/', 'https://2130706433/', 'http://0x7f.1/']) {
      const res = await create(strict, url);
      expect({ status: res.statusCode, body: res.json() }, url).toEqual({
        status: 400, body: { detail: { code: 'WEBHOOK_INVALID_URL', reason: 'The URL points to a loopback, private or link-local address.' } },
      });
    }
    const event = auditEvent();
    await strict.container.webhookOutbox.enqueue(strict.container.db, event);
    for (const id of [byName.id, byAddress.id]) {
      await eventually(async () => (await deliveriesOf(strict, token, id))[0]?.attempts === 1);
      expect((await deliveriesOf(strict, token, id))[0]).toMatchObject({ status: 'pending', last_status: null });
    }
    expect(r.received).toHaveLength(0);
  });

  it('two instances on one database make each attempt once', async () => {
    const seen = new Map<string, number>();
    // Each event fails once, then succeeds: first attempts and retries both shared out.
    const counting = await import('node:http');
    const server = counting.createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      req.resume();
      res.statusCode = n === 0 ? 500 : 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => { server.closeAllConnections(); await new Promise((res) => server.close(res)); });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

    const timing = { pollMs: 10, scheduleScale: 0.01, endpointPollMs: 50, concurrency: 4 };
    const a = await start(ALLOW, timing);
    const b = await start(ALLOW, timing);
    const token = await adminToken(a);
    const { id } = (await a.app.inject({ method: 'POST', url: '/webhooks', headers: auth(token), payload: { url, events: ['*'] } })).json();
    // B learns of the endpoint now rather than at its next poll (earlier tests' endpoints share this database).
    await b.container.webhookOutbox.refresh();
    const events = Array.from({ length: 30 }, (_, i) => auditEvent('login.succeeded', { detail: { n: i } }));
    await Promise.all(events.map((e, i) => (i % 2 ? a : b).container.webhookOutbox.enqueue((i % 2 ? a : b).container.db, e)));
    await eventually(async () => (await deliveriesOf(a, token, id)).filter((d) => d.status === 'delivered').length === events.length, { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 200));
    expect(seen.size).toBe(events.length);
    for (const e of events) expect(seen.get(e.id), e.id).toBe(2);
    expect((await deliveriesOf(a, token, id)).every((d) => d.attempts === 2)).toBe(true);
    const sent = async (srv: TestServer) => valueOf(await scrape(srv.app), DELIVERIES, { outcome: 'delivered' });
    expect((await sent(a)) + (await sent(b))).toBe(events.length);
  });
});
