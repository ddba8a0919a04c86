import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { PASSWORD, auth, coreUser, form, superuser } from '../../support/users-fixtures.js';
import { eventsOf, rawEventRows } from '../../support/audit.js';
import { claimsOf } from '../../support/faces-client.js';
import { eventually } from '../../support/eventually.js';

const NEW_PASSWORD = 'a brand new passphrase';
const RESET_PASSWORD = 'reset to this passphrase';
const UA = 'audit-test-agent/1.0';
const IP = '192.0.2.44';

describe.each(DIALECTS)('audit events (%s)', (dialect) => {
  let s: TestServer;
  let admin: { token: string; id: string };
  /** Every secret a test handed over or received: none may appear in any stored event. */
  const secrets: string[] = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD];
  beforeAll(async () => {
    s = await startServer(dialect);
    const su = await superuser(s);
    admin = { token: su.token, id: su.user.id };
    secrets.push(su.token);
  });
  afterAll(async () => { await s.close(); });

  const from = { remoteAddress: IP, headers: { 'user-agent': UA } };
  const post = (url: string, payload: object, token?: string) =>
    s.app.inject({ method: 'POST', url, payload, remoteAddress: IP, headers: { 'user-agent': UA, ...(token ? auth(token) : {}) } });
  const patch = (url: string, payload: object, token: string) => s.app.inject({ method: 'PATCH', url, payload, remoteAddress: IP, headers: { 'user-agent': UA, ...auth(token) } });
  /** A user's events after the user.created of its making through the core. */
  const since = async (userId: string) => {
    const events = await eventsOf(s, userId);
    expect(events[0]!.type).toBe('user.created');
    return events.slice(1);
  };
  async function login(username: string, password = PASSWORD) {
    const res = await post('/auth/jwt/login', { username, password });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { access_token: string; refresh_token: string };
    secrets.push(body.access_token, body.refresh_token);
    return body;
  }

  it('registration, login, logout: user.registered, login.succeeded, logout, with face, address and user agent', async () => {
    const res = await post('/auth/register', { email: 'reg@camelot.bt', password: PASSWORD });
    const id = res.json().id as string;
    const t = await login('reg@camelot.bt');
    expect((await post('/auth/jwt/logout', {}, t.access_token)).statusCode).toBe(204);
    const events = await eventsOf(s, id);
    expect(events.map((e) => e.type)).toEqual(['user.registered', 'login.succeeded', 'logout']);
    const sid = claimsOf(t.access_token).sid;
    expect(events[0]).toMatchObject({ user_id: id, actor_id: null, face: 'users', ip: IP, user_agent: UA, detail: {} });
    expect(events[1]).toMatchObject({ face: 'users', ip: IP, user_agent: UA, detail: { session_id: sid, method: 'password' } });
    expect(events[2]).toMatchObject({ actor_id: id, detail: { session_id: sid } });
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['actor_id', 'at', 'detail', 'face', 'id', 'ip', 'type', 'user_agent', 'user_id']);
      expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('a sign-up on the simple face is user.registered too, and its login is login.succeeded under its face', async () => {
    expect((await s.app.inject({ method: 'POST', url: `/user?user=simpleton&pass=${encodeURIComponent(PASSWORD)}`, ...from })).statusCode).toBe(201);
    expect((await s.app.inject({ url: `/token?user=simpleton&pass=${encodeURIComponent(PASSWORD)}`, ...from })).statusCode).toBe(200);
    const u = (await s.container.users.findByLogin('simpleton'))!;
    const events = await eventsOf(s, u.id);
    expect(events.map((e) => [e.type, e.face])).toEqual([['user.registered', 'simple'], ['login.succeeded', 'simple']]);
  });

  it('failed logins: login.failed with a fixed reason, the user when the login names one, never what was typed', async () => {
    const u = await coreUser(s, 'failing@camelot.bt');
    expect((await post('/auth/jwt/login', { username: 'failing@camelot.bt', password: 'wrong guess 1' })).statusCode).toBe(400);
    expect((await post('/auth/jwt/login', { username: 'nobody-here@camelot.bt', password: 'wrong guess 2' })).statusCode).toBe(400);
    secrets.push('wrong guess 1', 'wrong guess 2');
    const [failed] = await since(u.id);
    expect(failed).toMatchObject({ type: 'login.failed', user_id: u.id, face: 'users', ip: IP, detail: { reason: 'bad_password' } });
    const anonymous = (await s.container.audit.list({ type: 'login.failed', limit: 10, offset: 0 })).items.filter((e) => e.user_id === null);
    expect(anonymous[0]!.detail).toEqual({ reason: 'unknown_user' });
    expect(await rawEventRows(s)).not.toContain('nobody-here');
    await s.container.users.update(u.id, { isActive: false }, { actor: { userId: admin.id } as never, asAdmin: true });
    expect((await post('/auth/jwt/login', { username: 'failing@camelot.bt', password: PASSWORD })).statusCode).toBe(400);
    expect((await eventsOf(s, u.id)).at(-1)!.detail).toEqual({ reason: 'inactive' });
  });

  it('admin creation, update, deactivation and deletion: user.created, user.updated, user.deactivated, user.deleted, the admin as actor', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/users', payload: { email: 'made@camelot.bt', password: PASSWORD, scopes: ['reports'] }, headers: auth(admin.token) });
    const id = res.json().id as string;
    await login('made@camelot.bt');
    expect((await patch(`/users/${id}`, { username: 'made', is_superuser: true }, admin.token)).statusCode).toBe(200);
    expect((await patch(`/users/${id}`, { is_active: false }, admin.token)).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `/users/${id}`, headers: auth(admin.token) })).statusCode).toBe(204);
    const events = await eventsOf(s, id);
    expect(events.map((e) => e.type)).toEqual(['user.created', 'login.succeeded', 'user.updated', 'user.deactivated', 'user.deleted']);
    expect(events[0]).toMatchObject({ actor_id: admin.id, detail: { is_active: true, is_superuser: false, is_verified: false, scopes: ['reports'] } });
    expect(events[2]).toMatchObject({ actor_id: admin.id, detail: { fields: ['username', 'is_superuser'], values: { username: 'made', is_superuser: true } } });
    expect(events[3]).toMatchObject({ actor_id: admin.id, detail: { sessions_ended: 1 } });
    expect(events[4]).toMatchObject({ actor_id: admin.id, detail: { sessions_ended: 0 } });
  });

  it('own changes: password.changed and email.changed (old and new address), the user as actor', async () => {
    const u = await coreUser(s, 'changer@camelot.bt');
    const t = await login('changer@camelot.bt');
    await login('changer@camelot.bt');
    expect((await patch('/users/me', { old_password: PASSWORD, new_password: NEW_PASSWORD }, t.access_token)).statusCode).toBe(200);
    expect((await patch('/users/me', { email: 'changed@camelot.bt' }, t.access_token)).statusCode).toBe(200);
    const events = (await since(u.id)).filter((e) => !e.type.startsWith('login.'));
    expect(events.map((e) => e.type)).toEqual(['password.changed', 'email.changed']);
    expect(events[0]).toMatchObject({ actor_id: u.id, face: 'users', detail: { sessions_ended: 1 } });
    expect(events[1]!.detail).toEqual({ from: 'changer@camelot.bt', to: 'changed@camelot.bt' });
  });

  it('mailed tokens: password.reset_requested, password.reset, email.verification_requested, email.verified, social.unlinked', async () => {
    const u = await coreUser(s, 'mailed@camelot.bt');
    // A provider identity linked while the provider called the email unverified goes once the email is proven.
    await s.container.repos.oauthAccounts.insert({
      id: randomUUID(), userId: u.id, provider: 'someidp', accountId: 'sub-1', accountEmail: 'mailed@camelot.bt', emailVerified: false,
      accessTokenEnc: 'sealed', refreshTokenEnc: null, expiresAt: null, createdAt: Date.now(), updatedAt: Date.now(),
    });
    expect((await post('/auth/request-verify-token', { email: 'mailed@camelot.bt' })).statusCode).toBe(202);
    const [verify] = await readOutbox(s.outbox, 1);
    secrets.push(verify!.token);
    expect((await post('/auth/verify', { token: verify!.token })).statusCode).toBe(200);
    expect((await post('/auth/forgot-password', { email: 'mailed@camelot.bt' })).statusCode).toBe(202);
    const reset = (await readOutbox(s.outbox, 2)).find((m) => m.kind === 'reset')!;
    secrets.push(reset.token);
    expect((await post('/auth/reset-password', { token: reset.token, password: RESET_PASSWORD })).statusCode).toBe(200);
    const events = await since(u.id);
    expect(events.map((e) => e.type)).toEqual(['email.verification_requested', 'social.unlinked', 'email.verified', 'password.reset_requested', 'password.reset']);
    expect(events.every((e) => e.face === 'users' && e.ip === IP && e.user_agent === UA)).toBe(true);
    expect(events[1]!.detail).toEqual({ count: 1, reason: 'email_proven' });
    expect(events[2]!.detail).toEqual({ email: 'mailed@camelot.bt' });
    // An unknown address records nothing (and costs the request nothing more).
    const before = (await s.container.audit.list({ type: 'password.reset_requested', limit: 100, offset: 0 })).total;
    await post('/auth/forgot-password', { email: 'nobody@camelot.bt' });
    await s.container.accountTokens.drain();
    expect((await s.container.audit.list({ type: 'password.reset_requested', limit: 100, offset: 0 })).total).toBe(before);
  });

  it('refresh.reuse_detected when a rotated refresh token comes back; session.revoked by token revocation', async () => {
    const u = await coreUser(s, 'reuser@camelot.bt');
    const t = await login('reuser@camelot.bt');
    const refresh = () => s.app.inject({ method: 'POST', url: '/oauth/token', ...from, ...form({ grant_type: 'refresh_token', refresh_token: t.refresh_token }) });
    const first = await refresh();
    expect(first.statusCode).toBe(200);
    secrets.push(first.json().access_token, first.json().refresh_token);
    expect((await refresh()).statusCode).toBe(400);
    const second = await login('reuser@camelot.bt');
    const f = form({ token: second.refresh_token });
    const revoke = await s.app.inject({ method: 'POST', url: '/oauth/revoke', payload: f.payload, headers: { ...f.headers, ...auth(second.access_token) } });
    expect(revoke.statusCode).toBe(200);
    const events = (await since(u.id)).filter((e) => !e.type.startsWith('login.'));
    expect(events.map((e) => [e.type, e.face])).toEqual([['refresh.reuse_detected', 'oauth2'], ['session.revoked', 'oauth2']]);
    expect(events[1]!.detail).toMatchObject({ reason: 'token_revocation' });
  });

  it('no stored event holds a password, hash or token used in these tests', async () => {
    const rows = await rawEventRows(s);
    expect(rows.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(rows, 'a secret in the audit log').not.toContain(secret);
    expect(rows).not.toContain('$argon2');
  });

  it('GET /users/me/events: only the caller\'s own, newest first, paged, counted', async () => {
    const u = await coreUser(s, 'reader@camelot.bt');
    const t = await login('reader@camelot.bt');
    await login('reader@camelot.bt');
    await post('/auth/jwt/login', { username: 'reader@camelot.bt', password: 'nope nope nope' });
    const res = await s.app.inject({ url: '/users/me/events', headers: auth(t.access_token) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-total-count']).toBe('4');
    expect(res.json().map((e: { type: string }) => e.type)).toEqual(['login.failed', 'login.succeeded', 'login.succeeded', 'user.created']);
    expect(res.json().every((e: { user_id: string }) => e.user_id === u.id)).toBe(true);
    // The wire form is the stored event exactly (nested detail included).
    expect(res.json()).toEqual((await s.container.audit.list({ userId: u.id, limit: 100, offset: 0 })).items);
    const page = await s.app.inject({ url: '/users/me/events?limit=1&offset=1', headers: auth(t.access_token) });
    expect(page.json()).toHaveLength(1);
    expect(page.json()[0].id).toBe(res.json()[1].id);
    expect(page.headers['x-total-count']).toBe('4');
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'offset=-1', 'offset=x', 'limit=1&limit=2']) {
      const bad = await s.app.inject({ url: `/users/me/events?${q}`, headers: auth(t.access_token) });
      expect(bad.statusCode, q).toBe(422);
      expect(Array.isArray(bad.json().detail), q).toBe(true);
    }
  });

  it('GET /audit filters by user, type and time, pages newest first and counts; bad filters are 422', async () => {
    const u = await coreUser(s, 'filtered@camelot.bt');
    const since = new Date(Date.now() - 1).toISOString();
    await login('filtered@camelot.bt');
    await login('filtered@camelot.bt');
    const get = (q: string) => s.app.inject({ url: `/audit?${q}`, headers: auth(admin.token) });
    const all = await get('limit=1000');
    expect(all.statusCode).toBe(200);
    const ats = all.json().map((e: { at: string }) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
    expect(Number(all.headers['x-total-count'])).toBe(all.json().length);
    const revoked = await get('type=session.revoked&limit=1');
    expect(revoked.json()[0].detail.session_ids).toEqual(expect.any(Array));
    const byUser = await get(`user_id=${u.id.toUpperCase()}`);
    expect(byUser.json().map((e: { type: string }) => e.type)).toEqual(['login.succeeded', 'login.succeeded', 'user.created']);
    const byType = await get(`type=login.succeeded&user_id=${u.id}&limit=1&offset=1`);
    expect(byType.json()).toHaveLength(1);
    expect(byType.headers['x-total-count']).toBe('2');
    expect(byType.json()[0].id).toBe(byUser.json()[1].id);
    const recent = await get(`since=${encodeURIComponent(since)}`);
    expect(recent.json().every((e: { at: string }) => e.at >= since)).toBe(true);
    expect(recent.json().length).toBeGreaterThanOrEqual(2);
    expect((await get('since=2000-01-01')).headers['x-total-count']).toBe(all.headers['x-total-count']);
    expect((await get('since=2999-01-01T00:00:00Z')).json()).toEqual([]);
    for (const q of ['user_id=abc', 'type=nope', 'type=', 'since=yesterday', 'since=2026-11-30T23:59:60Z', 'since=2024-13-01', 'limit=0', 'limit=1001', 'offset=-1', 'limit=x']) {
      const res = await get(q);
      expect(res.statusCode, q).toBe(422);
      expect(Array.isArray(res.json().detail), q).toBe(true);
    }
  });

  it('old events go at the purge (TESSERA_AUDIT_RETENTION_DAYS, default 90); newer stay', async () => {
    const old = { id: randomUUID(), type: 'logout', at: Date.now() - 91 * 86_400_000, userId: null, actorId: null, face: null, ip: null, userAgent: null, detail: {} };
    const kept = { ...old, id: randomUUID(), at: Date.now() - 89 * 86_400_000 };
    await s.container.repos.audit.insert(old);
    await s.container.repos.audit.insert(kept);
    await s.container.purgeExpired();
    const ids = (await s.container.audit.list({ type: 'logout', limit: 1000, offset: 0 })).items.map((e) => e.id);
    expect(ids).toContain(kept.id);
    expect(ids).not.toContain(old.id);
  });
});

describe.each(DIALECTS)('rate_limited events (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_RATE_LIMITS: 'on' }); });
  afterAll(async () => { await s.close(); });

  it('a refused request records rate_limited with its policy, once a minute per address, without the login or password', async () => {
    const u = await coreUser(s, 'limited@camelot.bt');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', remoteAddress: '192.0.2.99', ...form({ username: 'limited@camelot.bt', password: `guess number ${i}` }) });
      statuses.push(res.statusCode);
    }
    expect(statuses).toContain(429);
    const events = await eventually(async () => (await s.container.audit.list({ type: 'rate_limited', limit: 10, offset: 0 })).items, { until: (l) => l.length > 0 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ user_id: u.id, face: 'users', ip: '192.0.2.99', detail: { policy: 'login', limit: 'backoff' } });
    const rows = JSON.stringify(events);
    expect(rows).not.toContain('limited@camelot.bt');
    expect(rows).not.toContain('guess number');
    // The backoff slows this address only: the owner, from another address, still logs in.
    const elsewhere = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', remoteAddress: '192.0.2.100', ...form({ username: 'limited@camelot.bt', password: PASSWORD }) });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
  });
});
