import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { adminToken, bearer, login, register } from '../../support/users-client.js';
import { aegisLogin, claimsOf, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';

describe.each(DIALECTS)('one user table, one token model across the users, simple and aegis faces (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await adminToken(s.app, s.container.users);
  });
  afterAll(async () => { await s.close(); });

  it('a user registered through the users face logs in through simple and aegis', async () => {
    const user = await register(s.app, 'elaine@astolat.bt', 'correct horse battery', { username: 'elaine' });
    for (const loginName of ['elaine@astolat.bt', 'ELAINE']) {
      expect(claimsOf(await simpleToken(s.app, loginName)).sub).toBe(user.id);
      const { access_token } = await aegisLogin(s.app, loginName);
      expect(claimsOf(access_token).sub).toBe(user.id);
    }
  });

  it('a user created with a plain username on the simple face shows in the users face with email null', async () => {
    await simpleSignup(s.app, 'galahad');
    const id = claimsOf(await simpleToken(s.app, 'galahad')).sub as string;
    const res = await s.app.inject({ url: `/users/${id}`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id, email: null, username: 'galahad', is_active: true, is_superuser: false, is_verified: false, scopes: [] });
    // ...and can log in on the users face by username.
    expect(claimsOf((await login(s.app, 'galahad')).access_token).sub).toBe(id);
  });

  it('logout on the users face with an aegis access token ends the aegis refresh token', async () => {
    await simpleSignup(s.app, 'gareth');
    const { access_token, refresh_token } = await aegisLogin(s.app, 'gareth');
    const out = await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) });
    expect(out.statusCode).toBe(204);
    const res = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'http://tessera.test/problems#InvalidRefreshTokenException', status: '401' });
    expect((await s.app.inject({ url: '/me', headers: bearer(access_token) })).statusCode).toBe(401);
  });

  it('a token from one face is accepted by the others', async () => {
    await register(s.app, 'lynette@camelot.bt');
    const fromUsers = (await login(s.app, 'lynette@camelot.bt')).access_token;
    const fromAegis = (await aegisLogin(s.app, 'lynette@camelot.bt')).access_token;
    const fromSimple = await simpleToken(s.app, 'lynette@camelot.bt');
    for (const token of [fromUsers, fromAegis, fromSimple]) {
      const me = await s.app.inject({ url: '/users/me', headers: bearer(token) });
      expect(me.statusCode).toBe(200);
      expect(me.json().email).toBe('lynette@camelot.bt');
      expect((await s.app.inject({ url: '/check', headers: bearer(token) })).statusCode).toBe(200);
      const aegisMe = await s.app.inject({ url: '/me', headers: bearer(token) });
      expect(aegisMe.statusCode).toBe(200);
      expect(aegisMe.json().id).toBe(me.json().id);
    }
  });

  it('a refresh token from the simple face refreshes on aegis, and an aegis one on the simple face', async () => {
    await simpleSignup(s.app, 'gaheris');
    const { refresh } = await simpleSession(s.app, 'gaheris');
    const viaAegis = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: refresh } });
    expect(viaAegis.statusCode).toBe(200);
    const { refresh_token } = await aegisLogin(s.app, 'gaheris');
    const viaSimple = await s.app.inject({ url: `/token?${qs({ user: refresh_token })}` });
    expect(viaSimple.statusCode).toBe(200);
    expect(claimsOf(viaSimple.body).fresh).toBe(false);
  });

  it('a refresh token of a rotating users-face session keeps working on aegis and simple (never spent there); once rotated on its own face, its reuse ends the session', async () => {
    await register(s.app, 'enid@camelot.bt');
    const { access_token, refresh_token } = await login(s.app, 'enid@camelot.bt');
    for (let i = 0; i < 2; i++) {
      const viaAegis = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token } });
      expect(viaAegis.statusCode).toBe(200);
      expect(Object.keys(viaAegis.json())).toEqual(['access_token']);
      expect((await s.app.inject({ url: `/token?${qs({ user: refresh_token })}` })).statusCode).toBe(200);
    }
    const rotated = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token } });
    expect(rotated.statusCode).toBe(200);
    const again = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token } });
    expect(again.statusCode).toBe(401);
    expect(again.json().type).toMatch(/#InvalidRefreshTokenException$/);
    expect((await s.app.inject({ url: '/users/me', headers: bearer(access_token) })).statusCode).toBe(401);
  });

  it('a password changed on the simple face ends sessions opened on the other faces', async () => {
    await simpleSignup(s.app, 'dinadan');
    const aegis = await aegisLogin(s.app, 'dinadan');
    const users = await login(s.app, 'dinadan');
    const fresh = await simpleToken(s.app, 'dinadan');
    expect((await s.app.inject({ method: 'PATCH', url: '/user', headers: bearer(fresh), payload: { pass: 'dinadan new secret' } })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: aegis.refresh_token } })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/users/me', headers: bearer(users.access_token) })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'dinadan', password: 'dinadan new secret' } })).statusCode).toBe(200);
  });
});
