import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDb, type TestServer } from '../../support/harness.js';
import { insertUsersBefore0003, openMigratedTo } from '../../support/store.js';
import {
  ADMIN_SCOPE, DUPLICATE, INSUFFICIENT_SCOPE, INVALID_TOKEN, ME_SCOPE, NOT_FOUND, NO_TOKEN, PASSWORD,
  as, oauthToken, sbw, startWisdomServer, wisdomAdmin,
} from '../../support/wisdom-client.js';

const NON_INTEGERS = ['abc', '1.5', '-1', '1e3', '0x10', 'a'.repeat(300), '%20', '9'.repeat(30), '0b8e0b7e-1111-4222-8333-444455556666'];

describe.each(DIALECTS)('wisdom /users API (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  let adminNumber: number;
  let plainToken: string;
  beforeAll(async () => {
    s = await startWisdomServer(dialect);
    const a = await wisdomAdmin(s);
    admin = a.token;
    adminNumber = a.user.accountNumber;
    await s.container.users.create({ username: 'peasant', password: PASSWORD });
    plainToken = (await oauthToken(s, 'peasant')).access_token;
  });
  afterAll(async () => { await s.close(); });

  const put = (body: object, token = admin) => as(s, token).send('PUT', '/users', body);
  const newUser = (username: string, extra: object = {}) => ({ first_name: 'Percival', last_name: 'of Wales', username, password: PASSWORD, ...extra });
  const ADMIN_ROUTES = () => [
    ['GET', '/users', undefined], ['PUT', '/users', newUser('route-check')],
    ['GET', `/users/${adminNumber}`, undefined], ['PATCH', `/users/${adminNumber}`, { first_name: 'X' }], ['DELETE', `/users/${adminNumber}`, undefined],
  ] as const;
  const call = (token: string | undefined, [method, url, payload]: readonly [string, string, object | undefined]) =>
    s.app.inject({ method: method as 'GET', url, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }), ...(payload ? { payload } : {}) });

  describe('access', () => {
    it('no token (or the string "undefined" wisdom\'s frontend sends) is 401 with wisdom\'s invalid_request body', async () => {
      for (const r of [...ADMIN_ROUTES(), ['GET', '/users/me', undefined] as const, ['PATCH', '/users/me', { old_password: 'a', new_password: 'b' }] as const]) {
        for (const token of [undefined, 'undefined']) {
          expect(sbw(await call(token, r)), `${r[0]} ${r[1]}`).toEqual({ status: 401, body: NO_TOKEN, challenge: 'Bearer' });
        }
      }
    });

    it('an invalid token is 401 {"error": "invalid_token"}, as is the token of a deactivated user', async () => {
      for (const r of ADMIN_ROUTES()) expect(sbw(await call('garbage', r))).toEqual({ status: 401, body: INVALID_TOKEN, challenge: 'Bearer' });
      const u = await s.container.users.create({ username: 'sleeper', password: PASSWORD });
      const t = (await oauthToken(s, 'sleeper')).access_token;
      await s.container.repos.users.update(u.id, { isActive: false });
      expect(sbw(await as(s, t).get('/users/me'))).toEqual({ status: 401, body: INVALID_TOKEN, challenge: 'Bearer' });
    });

    it('admin routes are 403 insufficient_scope for a non-superuser and for a superuser token without admin', async () => {
      const meOnly = (await oauthToken(s, 'merlin', PASSWORD, 'me')).access_token;
      for (const token of [plainToken, meOnly]) {
        for (const r of ADMIN_ROUTES()) {
          expect(sbw(await call(token, r)), `${r[0]} ${r[1]}`).toEqual({ status: 403, body: INSUFFICIENT_SCOPE, challenge: 'Bearer scope=admin' });
        }
      }
    });

    it('/users/me needs the me scope', async () => {
      const adminOnly = (await oauthToken(s, 'merlin', PASSWORD, 'admin')).access_token;
      expect(sbw(await as(s, adminOnly).get('/users/me'))).toEqual({ status: 403, body: INSUFFICIENT_SCOPE, challenge: 'Bearer scope=me' });
    });
  });

  describe('GET /users/me', () => {
    it('is the caller as wisdom\'s UserAccount, by alias, with an integer id', async () => {
      expect(sbw(await as(s, admin).get('/users/me'))).toEqual({
        status: 200, challenge: undefined,
        body: { id: adminNumber, firstName: 'Merlin', lastName: 'Ambrosius', username: 'merlin', is_active: true, scopes: [ADMIN_SCOPE, ME_SCOPE], roles: [] },
      });
      expect(Number.isInteger(adminNumber)).toBe(true);
    });

    it('a user made elsewhere without names or username shows null names and its email as username', async () => {
      const u = await s.container.users.create({ email: 'galahad@camelot.bt', password: PASSWORD });
      const t = (await oauthToken(s, 'galahad@camelot.bt')).access_token;
      expect((await as(s, t).get('/users/me')).json()).toEqual({
        id: u.accountNumber, firstName: null, lastName: null, username: 'galahad@camelot.bt', is_active: true, scopes: [ME_SCOPE], roles: [],
      });
    });
  });

  describe('PUT /users', () => {
    it('creates an account from NewUserAccount: 201, the next account number, scope `me` by default', async () => {
      const res = await put(newUser('percival'));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({ id: body.id, firstName: 'Percival', lastName: 'of Wales', username: 'percival', is_active: true, scopes: [ME_SCOPE], roles: [] });
      expect(Number.isInteger(body.id) && body.id > adminNumber).toBe(true);
      expect((await oauthToken(s, 'percival')).scope).toBe('me');
    });

    it('the admin scope makes a superuser; scopes and roles nobody defined are skipped, as wisdom does', async () => {
      const res = await put(newUser('bedivere', { scopes: 'me admin no:such-scope', roles: ['no-such-role'] }));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ username: 'bedivere', scopes: [ADMIN_SCOPE, ME_SCOPE], roles: [] });
      const user = (await s.container.repos.users.findByLogin('bedivere'))!;
      expect(user).toMatchObject({ isSuperuser: true, scopes: [] });
      expect((await as(s, (await oauthToken(s, 'bedivere')).access_token).get('/users')).statusCode).toBe(200);
    });

    it('a duplicate username is 409 DUPLICATE_ENTRY (case-insensitively)', async () => {
      expect(sbw(await put(newUser('PERCIVAL')))).toEqual({ status: 409, body: DUPLICATE, challenge: undefined });
    });

    it('bad bodies are FastAPI\'s 422; a password or username Tessera refuses is 400 invalid_request', async () => {
      const { password: _, ...noPassword } = newUser('nopass');
      const missing = await put(noPassword);
      expect(missing.statusCode).toBe(422);
      expect(missing.json().detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'missing' });
      expect((await put(newUser('noname', { first_name: '' }))).statusCode).toBe(422);
      expect((await put(newUser('badroles', { roles: 'admins' }))).statusCode).toBe(422);
      expect((await s.app.inject({ method: 'PUT', url: '/users', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: '{"first_name":' })).statusCode).toBe(422);
      const weak = sbw(await put(newUser('weakling', { password: 'short' })));
      expect(weak).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.any(String) } });
      expect(sbw(await put(newUser('two words')))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await s.container.repos.users.findByLogin('weakling')).toBeUndefined();
    });
  });

  describe('GET /users and /users/{id}', () => {
    it('lists every account as UserAccount, in creation order, with integer ids', async () => {
      const res = await as(s, admin).get('/users');
      expect(res.statusCode).toBe(200);
      const list = res.json() as { id: number; username: string }[];
      expect(list[0]).toMatchObject({ id: adminNumber, username: 'merlin' });
      expect(list.every((u) => Number.isInteger(u.id))).toBe(true);
      expect(list.map((u) => u.id)).toEqual([...list.map((u) => u.id)].sort((a, b) => a - b));
      expect(list.map((u) => u.username)).toContain('percival');
    });

    it('gets one account by its number; an unknown number or a non-integer id is wisdom\'s 404, never a 500', async () => {
      const percival = (await s.container.repos.users.findByLogin('percival'))!;
      expect(sbw(await as(s, admin).get(`/users/${percival.accountNumber}`))).toMatchObject({ status: 200, body: { id: percival.accountNumber, username: 'percival' } });
      for (const id of ['999999', ...NON_INTEGERS, percival.id]) {
        expect(sbw(await as(s, admin).get(`/users/${id}`)), id).toEqual({ status: 404, body: NOT_FOUND, challenge: undefined });
        expect((await as(s, admin).send('PATCH', `/users/${id}`, { first_name: 'X' })).statusCode, id).toBe(404);
        expect((await as(s, admin).send('DELETE', `/users/${id}`)).statusCode, id).toBe(404);
      }
    });
  });

  describe('PATCH /users/{id}', () => {
    it('updates names, username, password, state and scopes; blank fields change nothing; the user is logged out', async () => {
      const made = (await put(newUser('lamorak'))).json();
      const t = (await oauthToken(s, 'lamorak')).access_token;
      const res = await as(s, admin).send('PATCH', `/users/${made.id}`, { firstName: 'Lamorak', last_name: '  ', username: 'lamorak2', scopes: 'me admin', password: 'a new long password' });
      expect(sbw(res)).toEqual({
        status: 200, challenge: undefined,
        body: { id: made.id, firstName: 'Lamorak', lastName: 'of Wales', username: 'lamorak2', is_active: true, scopes: [ADMIN_SCOPE, ME_SCOPE], roles: [] },
      });
      expect((await as(s, t).get('/users/me')).statusCode).toBe(401);
      const t2 = (await oauthToken(s, 'lamorak2', 'a new long password')).access_token;
      expect((await as(s, t2).get('/users')).statusCode).toBe(200);

      // Only a name changes, and wisdom still logs the user out.
      expect((await as(s, admin).send('PATCH', `/users/${made.id}`, { first_name: 'Sir Lamorak', scopes: '' })).json()).toMatchObject({ firstName: 'Sir Lamorak', scopes: [ADMIN_SCOPE, ME_SCOPE] });
      expect((await as(s, t2).get('/users/me')).statusCode).toBe(401);

      const off = await as(s, admin).send('PATCH', `/users/${made.id}`, { active: false, scopes: 'me' });
      expect(off.json()).toMatchObject({ is_active: false, scopes: [ME_SCOPE] });
      expect(await s.app.inject({ method: 'POST', url: '/oauth/token', payload: `grant_type=password&username=lamorak2&password=${encodeURIComponent('a new long password')}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
        .toMatchObject({ statusCode: 400 });
      expect((await as(s, admin).send('PATCH', `/users/${made.id}`, { is_active: true })).json()).toMatchObject({ is_active: true });
    });

    it('a username taken by another account is 409; a wrongly typed field is 422', async () => {
      const made = (await put(newUser('dagonet'))).json();
      expect(sbw(await as(s, admin).send('PATCH', `/users/${made.id}`, { username: 'Percival' }))).toEqual({ status: 409, body: DUPLICATE, challenge: undefined });
      expect((await as(s, admin).send('PATCH', `/users/${made.id}`, { active: 'yes please' })).statusCode).toBe(422);
    });
  });

  describe('DELETE /users/{id}', () => {
    it('deletes: 204 with no body, then 404; the number is never given to another account', async () => {
      const made = (await put(newUser('mordred'))).json();
      const t = (await oauthToken(s, 'mordred')).access_token;
      const res = await as(s, admin).send('DELETE', `/users/${made.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(sbw(await as(s, admin).get(`/users/${made.id}`))).toEqual({ status: 404, body: NOT_FOUND, challenge: undefined });
      expect((await as(s, t).get('/users/me')).statusCode).toBe(401);
      expect((await put(newUser('mordred'))).json().id).toBe(made.id + 1);
    });
  });

  describe('PATCH /users/me', () => {
    it('changes the password with the old one; a wrong old password is 403 invalid_grant', async () => {
      await put(newUser('tristan'));
      const t = (await oauthToken(s, 'tristan')).access_token;
      expect(sbw(await as(s, t).send('PATCH', '/users/me', { old_password: 'not my password', new_password: 'isolde forever and ever' }))).toEqual({
        status: 403, challenge: 'Bearer',
        body: { error: 'invalid_grant', error_description: 'The password confirmation did not match the password on record' },
      });
      const ok = await as(s, t).send('PATCH', '/users/me', { old_password: PASSWORD, new_password: 'isolde forever and ever' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ username: 'tristan', firstName: 'Percival', scopes: [ME_SCOPE] });
      await oauthToken(s, 'tristan', 'isolde forever and ever');
      await expect(oauthToken(s, 'tristan')).rejects.toThrow();
      expect((await as(s, t).send('PATCH', '/users/me', { new_password: 'x' })).statusCode).toBe(422);
    });
  });

  it('the users face\'s auth routes stay FastAPI Users\'', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'merlin', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'bearer' });
  });
});

describe.each(DIALECTS)('wisdom /users API without the users face (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startWisdomServer(dialect, { TESSERA_FACES: 'oauth2' }); });
  afterAll(async () => { await s.close(); });

  it('is mounted with the oauth2 face, as wisdom served it next to its token endpoint', async () => {
    const { token, user } = await wisdomAdmin(s);
    expect(sbw(await as(s, token).get('/users/me'))).toMatchObject({ status: 200, body: { id: user.accountNumber, username: 'merlin' } });
    expect(sbw(await as(s).get('/users'))).toMatchObject({ status: 401, body: NO_TOKEN });
  });
});

describe.each(DIALECTS)('wisdom /users API on a database from before account numbers (%s)', (dialect) => {
  const testDb = freshDb(dialect);
  let s: TestServer;
  const ids = [randomUUID(), randomUUID()];
  beforeAll(async () => {
    const db = await openMigratedTo(testDb, '0002-oauth-accounts');
    await insertUsersBefore0003(db, ids, Date.now());
    await db.destroy();
    s = await startWisdomServer(dialect, {}, { db: testDb });
  });
  afterAll(async () => { await s.close(); await testDb.drop(); });

  it('users created before the migration are numbered 1, 2 in creation order; later ones follow', async () => {
    const { token } = await wisdomAdmin(s);
    const made = (await as(s, token).send('PUT', '/users', { first_name: 'New', last_name: 'Comer', username: 'newcomer', password: PASSWORD })).json();
    expect(made.id).toBe(4);
    const list = (await as(s, token).get('/users')).json() as { id: number; username: string; firstName: string | null }[];
    expect(list.map((u) => [u.id, u.username])).toEqual([[1, '0@old.bt'], [2, '1@old.bt'], [3, 'merlin'], [4, 'newcomer']]);
    expect(list[0]!.firstName).toBeNull();
    expect((await as(s, token).get('/users/2')).json()).toMatchObject({ id: 2, username: '1@old.bt', scopes: [ME_SCOPE] });
  });
});
