import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf } from '../../support/faces-client.js';
import { FORBIDDEN, NOT_FOUND, PASSWORD, UNAUTHORIZED, auth, coreUser, form, jwtLogin, nonFreshToken, sb, superuser } from '../../support/users-fixtures.js';

const NON_UUIDS = ['abc', '1', 'a'.repeat(300), '0b8e0b7e-0000-0000-0000', "'%20OR%201=1--", '%20', 'a%2Fb', '00000000-0000-0000-0000-00000000000g'];
const UNKNOWN_UUID = '0b8e0b7e-1111-4222-8333-444455556666';

describe.each(DIALECTS)('admin /users routes (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  let plainToken: string;
  let adminId: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    const su = await superuser(s);
    admin = su.token;
    adminId = su.user.id;
    await coreUser(s, 'peasant@camelot.bt');
    plainToken = (await jwtLogin(s, 'peasant@camelot.bt')).access_token;
  });
  afterAll(async () => { await s.close(); });

  const as = (token: string) => ({
    get: (url: string) => s.app.inject({ url, headers: auth(token) }),
    send: (method: 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      s.app.inject({ method, url, headers: auth(token), ...(payload === undefined ? {} : { payload: payload as object }) }),
  });
  const canLogin = async (username: string, password: string) =>
    (await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username, password }) })).statusCode === 200;

  /** The admin routes, each with a body acceptable to it, for the auth checks. */
  const ROUTES = () => [
    ['GET', '/users', undefined], ['PUT', '/users', { email: 'new@x.bt', password: PASSWORD }], ['POST', '/users', { email: 'new@x.bt', password: PASSWORD }],
    ['GET', `/users/${adminId}`, undefined], ['PATCH', `/users/${adminId}`, { username: 'x' }], ['DELETE', `/users/${adminId}`, undefined],
  ] as const;
  const call = (token: string | undefined, [method, url, payload]: ReturnType<typeof ROUTES>[number]) =>
    s.app.inject({ method, url, ...(token ? { headers: auth(token) } : {}), ...(payload ? { payload } : {}) });

  describe('access', () => {
    it('every admin route is 401 without a valid token', async () => {
      for (const r of ROUTES()) {
        for (const token of [undefined, 'garbage']) {
          const res = await call(token, r);
          expect(sb(res), `${r[0]} ${r[1]}`).toEqual(UNAUTHORIZED);
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      }
    });

    it('every admin route is 403 Forbidden for a non-superuser', async () => {
      for (const r of ROUTES()) expect(sb(await call(plainToken, r)), `${r[0]} ${r[1]}`).toEqual(FORBIDDEN);
    });

    it('every admin route is 403 for a superuser whose token lacks the admin scope', async () => {
      const su = (await s.container.repos.users.findById(adminId))!;
      const meOnly = (await s.container.sessions.startSession(su, { scope: ['me'] })).accessToken;
      for (const r of ROUTES()) expect(sb(await call(meOnly, r)), `${r[0]} ${r[1]}`).toEqual(FORBIDDEN);
    });

    it('a token with the admin scope is 403 once its user is no longer a superuser', async () => {
      const ex = await coreUser(s, 'ex-admin@camelot.bt', { isSuperuser: true });
      const t = (await jwtLogin(s, 'ex-admin@camelot.bt')).access_token;
      expect((await as(t).get('/users')).statusCode).toBe(200);
      expect((await as(admin).send('PATCH', `/users/${ex.id}`, { is_superuser: false })).statusCode).toBe(200);
      expect(sb(await as(t).get('/users'))).toEqual(FORBIDDEN);
    });
  });

  describe('GET /users', () => {
    it('lists in creation order, pages with limit/offset and always counts the total in X-Total-Count', async () => {
      const made = [];
      for (const n of ['alpha', 'bravo', 'charlie', 'delta']) made.push(await coreUser(s, `${n}@list.bt`, { username: `list_${n}` }));
      const all = await as(admin).get('/users?limit=1000');
      expect(all.statusCode).toBe(200);
      const emails: string[] = all.json().map((u: { email: string }) => u.email);
      expect(emails.filter((e) => e.endsWith('@list.bt'))).toEqual(['alpha@list.bt', 'bravo@list.bt', 'charlie@list.bt', 'delta@list.bt']);
      expect(emails[0]).toBe('merlin@camelot.bt');
      expect(all.headers['x-total-count']).toBe(String(emails.length));

      const page = await as(admin).get(`/users?limit=2&offset=${emails.indexOf('bravo@list.bt')}`);
      expect(page.json().map((u: { email: string }) => u.email)).toEqual(['bravo@list.bt', 'charlie@list.bt']);
      expect(page.headers['x-total-count']).toBe(String(emails.length));
      expect(page.json()[0]).toEqual({ id: made[1]!.id, email: 'bravo@list.bt', username: 'list_bravo', is_active: true, is_superuser: false, is_verified: false, scopes: [] });

      const past = await as(admin).get('/users?offset=10000');
      expect(sb(past)).toEqual({ status: 200, body: [] });
      expect(past.headers['x-total-count']).toBe(String(emails.length));
    });

    it('q filters by email or username substring, case-insensitively, and the count follows', async () => {
      const byEmail = await as(admin).get('/users?q=LIST.BT');
      expect(byEmail.json()).toHaveLength(4);
      expect(byEmail.headers['x-total-count']).toBe('4');
      const byName = await as(admin).get('/users?q=t_CHAR');
      expect(byName.json().map((u: { email: string }) => u.email)).toEqual(['charlie@list.bt']);
      expect(byName.headers['x-total-count']).toBe('1');
      const paged = await as(admin).get('/users?q=list&limit=1&offset=3');
      expect(paged.json().map((u: { email: string }) => u.email)).toEqual(['delta@list.bt']);
      expect(paged.headers['x-total-count']).toBe('4');
      const none = await as(admin).get('/users?q=nobody-matches-this');
      expect(sb(none)).toEqual({ status: 200, body: [] });
      expect(none.headers['x-total-count']).toBe('0');
    });

    it('q matches % and _ literally', async () => {
      await coreUser(s, 'percent%sign@wild.bt');
      await coreUser(s, 'under_score@wild.bt');
      await coreUser(s, 'underXscore@wild.bt');
      const pct = await as(admin).get(`/users?q=${encodeURIComponent('%')}`);
      expect(pct.json().map((u: { email: string }) => u.email)).toEqual(['percent%sign@wild.bt']);
      const und = await as(admin).get('/users?q=under_');
      expect(und.json().map((u: { email: string }) => u.email)).toEqual(['under_score@wild.bt']);
      const bs = await as(admin).get(`/users?q=${encodeURIComponent('\\')}`);
      expect(sb(bs)).toEqual({ status: 200, body: [] });
    });

    it('answers 422 for bad paging parameters', async () => {
      for (const q of ['limit=0', 'limit=abc', 'offset=-1', 'limit=1.5', 'limit=100000']) {
        const res = await as(admin).get(`/users?${q}`);
        expect(res.statusCode, q).toBe(422);
        expect(res.json().detail[0].loc[0]).toBe('query');
      }
    });
  });

  describe('PUT and POST /users', () => {
    it.each(['PUT', 'POST'] as const)('%s creates a user with the given flags: 201', async (method) => {
      const email = `${method.toLowerCase()}-made@camelot.bt`;
      const res = await as(admin).send(method, '/users', { email, password: PASSWORD, username: `${method}_made`, is_superuser: true, is_verified: true, scopes: ['read:grail', 'write:grail'] });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({ id: body.id, email, username: `${method}_made`, is_active: true, is_superuser: true, is_verified: true, scopes: ['read:grail', 'write:grail'] });
      // The new superuser can use the admin API, and its token carries the granted scopes.
      const t = await jwtLogin(s, email);
      expect((await as(t.access_token).get('/users')).statusCode).toBe(200);
      expect(claimsOf(t.access_token).scope).toBe('me admin read:grail write:grail');
    });

    it('creates an inactive user who cannot log in', async () => {
      const res = await as(admin).send('PUT', '/users', { email: 'sleeper@camelot.bt', password: PASSWORD, is_active: false });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ is_active: false, is_superuser: false, is_verified: false, scopes: [] });
      expect(await canLogin('sleeper@camelot.bt', PASSWORD)).toBe(false);
    });

    it('refuses an existing email (any case) and an invalid password', async () => {
      expect(sb(await as(admin).send('POST', '/users', { email: 'PEASANT@camelot.bt', password: PASSWORD }))).toEqual({ status: 400, body: { detail: 'REGISTER_USER_ALREADY_EXISTS' } });
      expect(sb(await as(admin).send('PUT', '/users', { email: 'weak@camelot.bt', password: 'weak' }))).toEqual({
        status: 400, body: { detail: { code: 'REGISTER_INVALID_PASSWORD', reason: 'Password should be at least 8 characters' } },
      });
    });

    it('answers 422 for missing fields and wrong types', async () => {
      expect(sb(await as(admin).send('PUT', '/users', { password: PASSWORD }))).toEqual({
        status: 422, body: { detail: [{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }] },
      });
      for (const bad of [{ is_superuser: 'yes' }, { scopes: 'admin' }, { scopes: ['has space'] }, { scopes: [1] }, { is_active: 1 }]) {
        const res = await as(admin).send('POST', '/users', { email: 'typed@camelot.bt', password: PASSWORD, ...bad });
        expect(res.statusCode, JSON.stringify(bad)).toBe(422);
      }
      expect(await s.container.repos.users.findByEmail('typed@camelot.bt')).toBeUndefined();
    });
  });

  describe('GET /users/{id}', () => {
    it('returns the user', async () => {
      const u = await coreUser(s, 'kay@camelot.bt', { username: 'kay', isVerified: true });
      expect(sb(await as(admin).get(`/users/${u.id}`))).toEqual({ status: 200, body: { id: u.id, email: 'kay@camelot.bt', username: 'kay', is_active: true, is_superuser: false, is_verified: true, scopes: [] } });
      expect((await as(admin).get(`/users/${u.id.toUpperCase()}`)).json().id).toBe(u.id);
    });

    it('is 404 Not Found for an unknown id and for anything that is not a UUID, never 500', async () => {
      expect(sb(await as(admin).get(`/users/${UNKNOWN_UUID}`))).toEqual(NOT_FOUND);
      for (const id of NON_UUIDS) expect(sb(await as(admin).get(`/users/${id}`)), id).toEqual(NOT_FOUND);
      // A NUL names no resource (the input guard answers before the face looks); an undecodable path neither.
      for (const id of ['%00', 'a%00b', '%FF', '%E0%A4%A']) expect(sb(await as(admin).get(`/users/${id}`)), id).toEqual(NOT_FOUND);
    });
  });

  describe('PATCH /users/{id}', () => {
    it('sets flags, scopes, username and email; a new email unverifies unless is_verified is given', async () => {
      const u = await coreUser(s, 'gawain@camelot.bt', { isVerified: true });
      const res = await as(admin).send('PATCH', `/users/${u.id}`, { is_superuser: true, scopes: ['quest'], username: 'gawain' });
      expect(sb(res)).toEqual({ status: 200, body: { id: u.id, email: 'gawain@camelot.bt', username: 'gawain', is_active: true, is_superuser: true, is_verified: true, scopes: ['quest'] } });
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { email: 'gawain@orkney.bt' })).json()).toMatchObject({ email: 'gawain@orkney.bt', is_verified: false });
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { email: 'gawain@lothian.bt', is_verified: true })).json()).toMatchObject({ email: 'gawain@lothian.bt', is_verified: true });
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { scopes: [] })).json().scopes).toEqual([]);
    });

    it('null fields are left unchanged; removing the last identifier is UPDATE_USER_INVALID_IDENTIFIER', async () => {
      const u = await coreUser(s, 'ector@camelot.bt', { username: 'ector', isVerified: true, scopes: ['keep'] });
      const nulls = { email: null, username: null, password: null, is_active: null, is_superuser: null, is_verified: null, scopes: null };
      expect(sb(await as(admin).send('PATCH', `/users/${u.id}`, nulls))).toEqual({
        status: 200, body: { id: u.id, email: 'ector@camelot.bt', username: 'ector', is_active: true, is_superuser: false, is_verified: true, scopes: ['keep'] },
      });
      expect(await canLogin('ector', PASSWORD)).toBe(true);
      const bare = await s.container.users.create({ email: null, username: 'brastias', password: PASSWORD });
      expect(sb(await as(admin).send('PATCH', `/users/${bare.id}`, { username: '' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_IDENTIFIER', reason: 'A user needs an email or a username to log in with.' } },
      });
      // With an email given in the same change, the username may go.
      expect((await as(admin).send('PATCH', `/users/${bare.id}`, { username: '', email: 'brastias@camelot.bt' })).json()).toMatchObject({ username: null, email: 'brastias@camelot.bt' });
    });

    it('deactivating a user ends its sessions at once; reactivating does not revive them', async () => {
      const u = await coreUser(s, 'mordred@camelot.bt');
      const t = await jwtLogin(s, 'mordred@camelot.bt');
      expect((await as(t.access_token).get('/users/me')).statusCode).toBe(200);
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { is_active: false })).json().is_active).toBe(false);
      expect(sb(await as(t.access_token).get('/users/me'))).toEqual(UNAUTHORIZED);
      await expect(s.container.sessions.refresh(t.refresh_token)).rejects.toThrow();
      expect(await canLogin('mordred@camelot.bt', PASSWORD)).toBe(false);
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { is_active: true })).json().is_active).toBe(true);
      expect(sb(await as(t.access_token).get('/users/me'))).toEqual(UNAUTHORIZED);
      expect(await canLogin('mordred@camelot.bt', PASSWORD)).toBe(true);
    });

    it('an admin password change ends every session of the user, and needs no fresh token', async () => {
      const u = await coreUser(s, 'bedivere@camelot.bt');
      const t1 = await jwtLogin(s, 'bedivere@camelot.bt');
      const t2 = await jwtLogin(s, 'bedivere@camelot.bt');
      const staleAdmin = await nonFreshToken(s, (await jwtLogin(s, 'merlin@camelot.bt')).refresh_token);
      expect((await as(staleAdmin).send('PATCH', `/users/${u.id}`, { password: 'set by merlin himself' })).statusCode).toBe(200);
      for (const t of [t1, t2]) expect(sb(await as(t.access_token).get('/users/me'))).toEqual(UNAUTHORIZED);
      expect(await canLogin('bedivere@camelot.bt', PASSWORD)).toBe(false);
      expect(await canLogin('bedivere@camelot.bt', 'set by merlin himself')).toBe(true);
    });

    it('refuses a taken email or username and an invalid password, with the update codes', async () => {
      const u = await coreUser(s, 'lamorak@camelot.bt');
      await coreUser(s, 'taken@camelot.bt', { username: 'taken' });
      const exists = { status: 400, body: { detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' } };
      expect(sb(await as(admin).send('PATCH', `/users/${u.id}`, { email: 'Taken@Camelot.bt' }))).toEqual(exists);
      expect(sb(await as(admin).send('PATCH', `/users/${u.id}`, { username: 'TAKEN' }))).toEqual(exists);
      expect(sb(await as(admin).send('PATCH', `/users/${u.id}`, { password: 'short' }))).toEqual({
        status: 400, body: { detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'Password should be at least 8 characters' } },
      });
    });

    it('is 404 for an unknown or non-UUID id, and 422 for wrong types', async () => {
      expect(sb(await as(admin).send('PATCH', `/users/${UNKNOWN_UUID}`, { is_active: false }))).toEqual(NOT_FOUND);
      for (const id of NON_UUIDS) expect(sb(await as(admin).send('PATCH', `/users/${id}`, { is_active: false })), id).toEqual(NOT_FOUND);
      const u = await coreUser(s, 'pelles@camelot.bt');
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { is_active: 'no' })).statusCode).toBe(422);
      expect((await as(admin).send('PATCH', `/users/${u.id}`, { email: 'bad' })).statusCode).toBe(422);
    });
  });

  describe('DELETE /users/{id}', () => {
    it('deletes: 204, its token gets 401 at once, it is gone', async () => {
      const u = await coreUser(s, 'agravain@camelot.bt');
      const t = await jwtLogin(s, 'agravain@camelot.bt');
      const res = await as(admin).send('DELETE', `/users/${u.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(sb(await as(t.access_token).get('/users/me'))).toEqual(UNAUTHORIZED);
      await expect(s.container.sessions.refresh(t.refresh_token)).rejects.toThrow();
      expect(sb(await as(admin).get(`/users/${u.id}`))).toEqual(NOT_FOUND);
      expect(sb(await as(admin).send('DELETE', `/users/${u.id}`))).toEqual(NOT_FOUND);
      expect(await canLogin('agravain@camelot.bt', PASSWORD)).toBe(false);
      // The email is free again.
      expect((await s.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'agravain@camelot.bt', password: PASSWORD } })).statusCode).toBe(201);
    });

    it('is 404 for an unknown or non-UUID id', async () => {
      expect(sb(await as(admin).send('DELETE', `/users/${UNKNOWN_UUID}`))).toEqual(NOT_FOUND);
      for (const id of NON_UUIDS) expect(sb(await as(admin).send('DELETE', `/users/${id}`)), id).toEqual(NOT_FOUND);
    });
  });
});
