import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { FORBIDDEN, NOT_FOUND, PASSWORD, UNAUTHORIZED, auth, coreUser, form, sb, superuser } from '../../support/users-fixtures.js';
import { eventsOf } from '../../support/audit.js';
import { aegisLogin, claimsOf, qs, simpleSession } from '../../support/faces-client.js';
import { eventually } from '../../support/eventually.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0';
const UNKNOWN_UUID = '0b8e0b7e-1111-4222-8333-444455556666';

describe.each(DIALECTS)('sessions API (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = (await superuser(s)).token;
  });
  afterAll(async () => { await s.close(); });

  /** A users-face login from an address and browser of our choosing. */
  async function usersLogin(email: string, ip = '203.0.113.7', ua = UA) {
    const f = form({ username: email, password: PASSWORD });
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', remoteAddress: ip, payload: f.payload, headers: { ...f.headers, 'user-agent': ua } });
    expect(res.statusCode).toBe(200);
    return res.json() as { access_token: string; refresh_token: string };
  }
  async function oauth2Login(email: string) {
    const f = form({ grant_type: 'password', username: email, password: PASSWORD });
    const res = await s.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: '198.51.100.9', payload: f.payload, headers: { ...f.headers, 'user-agent': 'python-requests/2.32' } });
    expect(res.statusCode).toBe(200);
    return res.json() as { access_token: string; refresh_token: string };
  }
  const get = (url: string, token: string) => s.app.inject({ url, headers: auth(token) });
  const del = (url: string, token: string) => s.app.inject({ method: 'DELETE', url, headers: auth(token) });
  const sessionsOf = async (token: string) => (await get('/users/me/sessions', token)).json() as Record<string, unknown>[];
  /** Sessions list newest first by creation time: logins in one millisecond would tie. */
  const tick = () => new Promise((r) => setTimeout(r, 3));
  const sidOf = (token: string) => claimsOf(token).sid as string;

  it('lists live sessions newest first with where each was opened, and marks the caller\'s', async () => {
    await coreUser(s, 'lancelot@camelot.bt');
    const older = await oauth2Login('lancelot@camelot.bt');
    await tick();
    const mine = await usersLogin('lancelot@camelot.bt');
    const res = await get('/users/me/sessions', mine.access_token);
    expect(res.statusCode).toBe(200);
    const list = res.json();
    expect(list).toHaveLength(2);
    expect(Object.keys(list[0]).sort()).toEqual(['created_at', 'current', 'expires_at', 'face', 'id', 'ip', 'last_used_at', 'user_agent']);
    expect(list[0]).toMatchObject({ id: sidOf(mine.access_token), ip: '203.0.113.7', user_agent: UA, face: 'users', current: true });
    expect(list[1]).toMatchObject({ id: sidOf(older.access_token), ip: '198.51.100.9', user_agent: 'python-requests/2.32', face: 'oauth2', current: false, last_used_at: null });
    for (const k of ['created_at', 'expires_at']) expect(list[0][k]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(list[0].expires_at) - Date.parse(list[0].created_at)).toBe(2_592_000_000);
    // Ended sessions are not listed.
    await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: auth(older.access_token) });
    expect((await sessionsOf(mine.access_token)).map((x) => x.id)).toEqual([sidOf(mine.access_token)]);
  });

  it('records a session\'s last use once its token is used', async () => {
    await coreUser(s, 'bors@camelot.bt');
    const t = await usersLogin('bors@camelot.bt');
    expect((await s.container.repos.sessions.listLive((await s.container.users.findByLogin('bors@camelot.bt'))!.id, Date.now()))[0]!.lastUsedAt).toBeNull();
    const list = await eventually(() => sessionsOf(t.access_token), { until: (l) => l[0]?.last_used_at !== null });
    expect(Date.parse(list[0]!.last_used_at as string)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('keeps at most 512 characters of a user agent', async () => {
    await coreUser(s, 'long-ua@camelot.bt');
    const t = await usersLogin('long-ua@camelot.bt', '203.0.113.8', 'x'.repeat(5000));
    expect((await sessionsOf(t.access_token))[0]!.user_agent).toBe('x'.repeat(512));
  });

  it('DELETE /users/me/sessions/{id} ends that session on every face at once', async () => {
    const u = await coreUser(s, 'gawain@camelot.bt');
    const phone = await oauth2Login('gawain@camelot.bt');
    const laptop = await usersLogin('gawain@camelot.bt');
    expect((await s.app.inject({ url: '/me', headers: auth(phone.access_token) })).statusCode).toBe(200);
    const res = await del(`/users/me/sessions/${sidOf(phone.access_token)}`, laptop.access_token);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(sb(await get('/users/me', phone.access_token))).toEqual(UNAUTHORIZED);
    expect((await s.app.inject({ url: '/me', headers: auth(phone.access_token) })).statusCode).toBe(401);
    const refresh = await s.app.inject({ method: 'POST', url: '/oauth/token', ...form({ grant_type: 'refresh_token', refresh_token: phone.refresh_token }) });
    expect(refresh.statusCode).toBe(400);
    expect((await get('/users/me', laptop.access_token)).statusCode).toBe(200);
    const revoked = (await eventsOf(s, u.id)).filter((e) => e.type === 'session.revoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actor_id: u.id, face: 'users', detail: { session_ids: [sidOf(phone.access_token)], reason: 'user' } });
  });

  it('sessions of every face are listed with that face, and ending each refuses its tokens on every face', async () => {
    await coreUser(s, 'pelleas@camelot.bt');
    const simple = await simpleSession(s.app, 'pelleas@camelot.bt', PASSWORD);
    await tick();
    const aegis = await aegisLogin(s.app, 'pelleas@camelot.bt', PASSWORD);
    await tick();
    const cookieLogin = await s.app.inject({ method: 'POST', url: '/auth/cookie/login', ...form({ username: 'pelleas@camelot.bt', password: PASSWORD }) });
    expect(cookieLogin.statusCode).toBe(204);
    const cookie = cookieLogin.cookies.find((c) => c.name === 'tessera_auth')!.value;
    await tick();
    const mine = await usersLogin('pelleas@camelot.bt');
    const listed = await sessionsOf(mine.access_token);
    expect(listed.map((x) => x.face)).toEqual(['users', 'users', 'aegis', 'simple']);
    expect(listed.map((x) => x.id)).toEqual([sidOf(mine.access_token), sidOf(cookie), sidOf(aegis.access_token), sidOf(simple.access)]);

    for (const sid of [sidOf(simple.access), sidOf(aegis.access_token), sidOf(cookie)]) {
      expect((await del(`/users/me/sessions/${sid}`, mine.access_token)).statusCode).toBe(204);
    }
    for (const token of [simple.access, aegis.access_token, cookie]) {
      expect(sb(await get('/users/me', token))).toEqual(UNAUTHORIZED);
      expect((await s.app.inject({ url: '/me', headers: auth(token) })).statusCode).toBe(401);
      expect((await s.app.inject({ url: `/check?${qs({ access_token: token })}` })).statusCode).toBe(400);
      const introspected = await s.app.inject({ method: 'POST', url: '/oauth/introspect', headers: auth(admin), payload: { token } });
      expect(introspected.json()).toEqual({ active: false });
    }
    expect((await s.app.inject({ url: '/users/me', cookies: { tessera_auth: cookie } })).statusCode).toBe(401);
    expect((await s.app.inject({ url: `/token?${qs({ user: simple.refresh })}` })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: aegis.refresh_token } })).statusCode).toBe(401);
    expect((await sessionsOf(mine.access_token)).map((x) => x.id)).toEqual([sidOf(mine.access_token)]);
  });

  it('DELETE /users/me/sessions/{id} is 404 for another user\'s, an ended, an unknown or a non-UUID session', async () => {
    await coreUser(s, 'kay@camelot.bt');
    await coreUser(s, 'tristan@camelot.bt');
    const kay = await usersLogin('kay@camelot.bt');
    const tristan = await usersLogin('tristan@camelot.bt');
    expect(sb(await del(`/users/me/sessions/${sidOf(tristan.access_token)}`, kay.access_token))).toEqual(NOT_FOUND);
    expect((await get('/users/me', tristan.access_token)).statusCode).toBe(200);
    const other = await usersLogin('kay@camelot.bt');
    expect((await del(`/users/me/sessions/${sidOf(other.access_token)}`, kay.access_token)).statusCode).toBe(204);
    expect(sb(await del(`/users/me/sessions/${sidOf(other.access_token)}`, kay.access_token))).toEqual(NOT_FOUND);
    for (const id of [UNKNOWN_UUID, 'abc', '1', 'a'.repeat(300), "'%20OR%201=1--", '%00', '%FF']) {
      expect(sb(await del(`/users/me/sessions/${id}`, kay.access_token)), id).toEqual(NOT_FOUND);
    }
    // Its own session may be ended too: a logout by another name.
    expect((await del(`/users/me/sessions/${sidOf(kay.access_token).toUpperCase()}`, kay.access_token)).statusCode).toBe(204);
    expect(sb(await get('/users/me', kay.access_token))).toEqual(UNAUTHORIZED);
  });

  it('DELETE /users/me/sessions ends every session but the caller\'s', async () => {
    await coreUser(s, 'percival@camelot.bt');
    const a = await oauth2Login('percival@camelot.bt');
    const b = await usersLogin('percival@camelot.bt');
    const keep = await usersLogin('percival@camelot.bt');
    const res = await del('/users/me/sessions', keep.access_token);
    expect(res.statusCode).toBe(204);
    for (const t of [a, b]) expect((await get('/users/me', t.access_token)).statusCode).toBe(401);
    expect((await sessionsOf(keep.access_token)).map((x) => x.id)).toEqual([sidOf(keep.access_token)]);
    // The kept session still refreshes.
    const r = await s.app.inject({ method: 'POST', url: '/oauth/token', ...form({ grant_type: 'refresh_token', refresh_token: keep.refresh_token }) });
    expect(r.statusCode).toBe(200);
  });

  it('every route needs a valid token; the admin routes an admin', async () => {
    await coreUser(s, 'dagonet@camelot.bt');
    const plain = (await usersLogin('dagonet@camelot.bt')).access_token;
    const user = (await s.container.users.findByLogin('dagonet@camelot.bt'))!;
    const routes: [string, string][] = [['GET', '/users/me/sessions'], ['DELETE', '/users/me/sessions'], ['DELETE', `/users/me/sessions/${UNKNOWN_UUID}`],
      ['GET', '/users/me/events'], ['GET', `/users/${user.id}/sessions`], ['DELETE', `/users/${user.id}/sessions`], ['GET', '/audit']];
    for (const [method, url] of routes) {
      for (const headers of [{}, auth('garbage')]) {
        const res = await s.app.inject({ method: method as 'GET', url, headers });
        expect(sb(res), `${method} ${url}`).toEqual(UNAUTHORIZED);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    }
    for (const [method, url] of routes.slice(4)) expect(sb(await s.app.inject({ method: method as 'GET', url, headers: auth(plain) })), url).toEqual(FORBIDDEN);
    // A superuser's token narrowed to `me` does not carry admin.
    await coreUser(s, 'keeper@camelot.bt', { isSuperuser: true });
    const narrowed = await s.app.inject({ method: 'POST', url: '/oauth/token', ...form({ grant_type: 'password', username: 'keeper@camelot.bt', password: PASSWORD, scope: 'me' }) });
    expect(narrowed.json().scope).toBe('me');
    for (const [method, url] of routes.slice(4)) expect(sb(await s.app.inject({ method: method as 'GET', url, headers: auth(narrowed.json().access_token) })), url).toEqual(FORBIDDEN);
  });

  it('an admin lists and ends any user\'s sessions; unknown and non-UUID users are 404', async () => {
    const u = await coreUser(s, 'galahad@camelot.bt');
    const a = await usersLogin('galahad@camelot.bt');
    await tick();
    const b = await oauth2Login('galahad@camelot.bt');
    const list = await get(`/users/${u.id}/sessions`, admin);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((x: { id: string }) => x.id)).toEqual([sidOf(b.access_token), sidOf(a.access_token)]);
    expect(list.json().every((x: { current: boolean }) => !x.current)).toBe(true);
    expect((await get(`/users/${u.accountNumber}/sessions`, admin)).json()).toHaveLength(2);
    const res = await del(`/users/${u.id.toUpperCase()}/sessions`, admin);
    expect(res.statusCode).toBe(204);
    for (const t of [a, b]) expect((await get('/users/me', t.access_token)).statusCode).toBe(401);
    expect((await get(`/users/${u.id}/sessions`, admin)).json()).toEqual([]);
    const revoked = (await eventsOf(s, u.id)).filter((e) => e.type === 'session.revoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.detail).toEqual({ session_ids: expect.arrayContaining([sidOf(a.access_token), sidOf(b.access_token)]), reason: 'admin' });
    expect(revoked[0]!.actor_id).not.toBe(u.id);
    for (const id of [UNKNOWN_UUID, 'abc', '99999999', '%00', '%FF']) {
      expect(sb(await get(`/users/${id}/sessions`, admin)), id).toEqual(NOT_FOUND);
      expect(sb(await del(`/users/${id}/sessions`, admin)), id).toEqual(NOT_FOUND);
    }
  });
});

describe.each(DIALECTS)('sessions API in wisdom mode (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_USERS_ADMIN_API: 'wisdom' }); });
  afterAll(async () => { await s.close(); });

  it('has the sessions routes, the events and /audit beside wisdom\'s /users', async () => {
    const su = await superuser(s);
    const u = await coreUser(s, 'wisdom-user@camelot.bt');
    const t = (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'wisdom-user@camelot.bt', password: PASSWORD }) })).json().access_token;
    const mine = await s.app.inject({ url: '/users/me/sessions', headers: auth(t) });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toHaveLength(1);
    expect((await s.app.inject({ url: '/users/me/events', headers: auth(t) })).json().map((e: { type: string }) => e.type)).toContain('login.succeeded');
    expect((await s.app.inject({ url: `/users/${u.accountNumber}/sessions`, headers: auth(su.token) })).json()).toHaveLength(1);
    expect((await s.app.inject({ url: '/audit', headers: auth(su.token) })).statusCode).toBe(200);
    // wisdom's own /users routes are still wisdom's.
    expect((await s.app.inject({ url: `/users/${u.accountNumber}`, headers: auth(su.token) })).json()).toHaveProperty('username');
    expect((await s.app.inject({ method: 'DELETE', url: '/users/me/sessions', headers: auth(t) })).statusCode).toBe(204);
  });

  it('wisdom\'s admin update, which logs the user out, records session.revoked by the admin', async () => {
    const su = await superuser(s, 'wisdom-admin@camelot.bt');
    const u = await coreUser(s, 'logged-out@camelot.bt');
    const t = (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'logged-out@camelot.bt', password: PASSWORD }) })).json().access_token;
    const res = await s.app.inject({ method: 'PATCH', url: `/users/${u.accountNumber}`, payload: { first_name: 'Renamed' }, headers: auth(su.token) });
    expect(res.statusCode).toBe(200);
    expect((await s.app.inject({ url: '/users/me/sessions', headers: auth(t) })).statusCode).toBe(401);
    const events = await eventsOf(s, u.id);
    expect(events.map((e) => e.type)).toEqual(['user.created', 'login.succeeded', 'user.updated', 'session.revoked']);
    expect(events[2]!.detail).toEqual({ fields: ['first_name'], values: { first_name: 'Renamed' } });
    expect(events[3]).toMatchObject({ actor_id: su.user.id, detail: { reason: 'admin' } });
  });
});
