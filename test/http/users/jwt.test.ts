import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { FORBIDDEN, PASSWORD, UNAUTHORIZED, auth, coreUser, form, jwtLogin, sb } from '../../support/users-fixtures.js';

const BAD_CREDENTIALS = { status: 400, body: { detail: 'LOGIN_BAD_CREDENTIALS' } };

describe.each(DIALECTS)('POST /auth/jwt/login and /auth/jwt/logout (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
    await coreUser(s, 'king.arthur@camelot.bt', { username: 'Arthur' });
    await coreUser(s, 'mordred@camelot.bt', { isActive: false });
  });
  afterAll(async () => { await s.close(); });

  const login = (payload: object | string, headers: Record<string, string> = {}) =>
    s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload, headers });

  it('logs in with a form body by email and returns the bearer response', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'king.arthur@camelot.bt', password: PASSWORD }) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(900);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const claims = decodeJwt(body.access_token);
    // The users profile: FastAPI Users' audience, as a list.
    expect(claims).toMatchObject({ scope: 'me', fresh: true, aud: ['fastapi-users:auth'], iss: 'http://tessera.test' });
    const me = await s.app.inject({ url: '/users/me', headers: auth(body.access_token) });
    expect(me.json().email).toBe('king.arthur@camelot.bt');
  });

  it('accepts the unencoded form curl -d sends (README quickstart)', async () => {
    const res = await login(`username=king.arthur@camelot.bt&password=${PASSWORD}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
  });

  it('accepts JSON with the same keys', async () => {
    const res = await login({ username: 'king.arthur@camelot.bt', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json().token_type).toBe('bearer');
  });

  it('compares the email case-insensitively', async () => {
    expect((await login({ username: 'KING.Arthur@CAMELOT.bt', password: PASSWORD })).statusCode).toBe(200);
  });

  it('logs in by username, case-insensitively', async () => {
    const { access_token } = await jwtLogin(s, 'arthur');
    const me = await s.app.inject({ url: '/users/me', headers: auth(access_token) });
    expect(me.json()).toMatchObject({ email: 'king.arthur@camelot.bt', username: 'Arthur' });
  });

  it('accepts the OAuth2PasswordRequestForm extras (grant_type, scope, client_id, client_secret)', async () => {
    const res = await login(new URLSearchParams({ grant_type: 'password', username: 'arthur', password: PASSWORD, scope: 'me admin', client_id: 'x', client_secret: 'y' }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    // As FastAPI's form: grant_type, when given, must be "password".
    const other = await login({ grant_type: 'client_credentials', username: 'arthur', password: PASSWORD });
    expect(other.statusCode).toBe(422);
    expect(other.json().detail[0].loc).toEqual(['body', 'grant_type']);
  });

  it('refuses an unknown user, a wrong password and an inactive user alike', async () => {
    expect(sb(await login({ username: 'nobody@camelot.bt', password: PASSWORD }))).toEqual(BAD_CREDENTIALS);
    expect(sb(await login({ username: 'king.arthur@camelot.bt', password: 'wrong password!' }))).toEqual(BAD_CREDENTIALS);
    expect(sb(await login({ username: 'mordred@camelot.bt', password: PASSWORD }))).toEqual(BAD_CREDENTIALS);
    expect(sb(await login({ username: 'king.arthur@camelot.bt', password: '' }))).toEqual(BAD_CREDENTIALS);
  });

  it('answers 422 in the pydantic shape for missing or mistyped fields', async () => {
    expect(sb(await login({ username: 'king.arthur@camelot.bt' }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] },
    });
    expect(sb(await login('password=x', { 'content-type': 'application/x-www-form-urlencoded' }))).toEqual({
      status: 422, body: { detail: [{ loc: ['body', 'username'], msg: 'Field required', type: 'missing' }] },
    });
    const typed = await login({ username: 'king.arthur@camelot.bt', password: 12345678 });
    expect(typed.statusCode).toBe(422);
    expect(typed.json().detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'type_error' });
    const empty = await login({});
    expect(empty.statusCode).toBe(422);
    for (const d of empty.json().detail) expect(Object.keys(d).sort()).toEqual(['loc', 'msg', 'type']);
  });

  it('logout ends the session: 204 with an empty body, the token then gets 401, the refresh token is dead', async () => {
    const t = await jwtLogin(s, 'king.arthur@camelot.bt');
    const other = await jwtLogin(s, 'king.arthur@camelot.bt');
    const out = await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: auth(t.access_token) });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    const me = await s.app.inject({ url: '/users/me', headers: auth(t.access_token) });
    expect(sb(me)).toEqual(UNAUTHORIZED);
    expect(me.headers['www-authenticate']).toBe('Bearer');
    await expect(s.container.sessions.refresh(t.refresh_token)).rejects.toThrow();
    // Only that session: another login of the same user is untouched.
    expect((await s.app.inject({ url: '/users/me', headers: auth(other.access_token) })).statusCode).toBe(200);
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: auth(t.access_token) }))).toEqual(UNAUTHORIZED);
  });

  it('logout without a valid token is 401 with WWW-Authenticate', async () => {
    for (const headers of [{}, auth('not-a-jwt'), { authorization: 'Basic abc' }]) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers });
      expect(sb(res)).toEqual(UNAUTHORIZED);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

describe.each(DIALECTS)('POST /auth/jwt/login with TESSERA_REQUIRE_VERIFIED=true (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true' });
    await coreUser(s, 'percival@camelot.bt');
    await coreUser(s, 'galahad@camelot.bt', { isVerified: true });
  });
  afterAll(async () => { await s.close(); });

  it('refuses an unverified user with LOGIN_USER_NOT_VERIFIED, but only with the right password', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'percival@camelot.bt', password: PASSWORD }) });
    expect(sb(res)).toEqual({ status: 400, body: { detail: 'LOGIN_USER_NOT_VERIFIED' } });
    const wrong = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', ...form({ username: 'percival@camelot.bt', password: 'not the password' }) });
    expect(sb(wrong)).toEqual(BAD_CREDENTIALS);
  });

  it('the cookie backend refuses alike, and sets no cookie', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth/cookie/login', ...form({ username: 'percival@camelot.bt', password: PASSWORD }) });
    expect(sb(res)).toEqual({ status: 400, body: { detail: 'LOGIN_USER_NOT_VERIFIED' } });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a user verified since logs in', async () => {
    const u = (await s.container.repos.users.findByEmail('percival@camelot.bt'))!;
    await s.container.repos.users.update(u.id, { isVerified: true });
    expect((await jwtLogin(s, 'percival@camelot.bt')).token_type).toBe('bearer');
  });

  it('lets a verified user in', async () => {
    expect((await jwtLogin(s, 'galahad@camelot.bt')).token_type).toBe('bearer');
  });

  it('an unverified user\'s live token gets 403 Forbidden on every authenticated route, logout included', async () => {
    // Tokens issued before verification was required (or by core), as FastAPI Users' current_user(verified=True) meets them.
    const plain = await coreUser(s, 'dagonet@camelot.bt');
    const admin = await coreUser(s, 'kay@camelot.bt', { isSuperuser: true });
    const token = (await s.container.sessions.startSession(plain)).accessToken;
    const adminToken = (await s.container.sessions.startSession(admin)).accessToken;
    for (const [method, url, t] of [
      ['GET', '/users/me', token], ['PATCH', '/users/me', token], ['POST', '/auth/jwt/logout', token], ['POST', '/auth/cookie/logout', token],
      ['GET', '/users', adminToken], ['GET', `/users/${plain.id}`, adminToken], ['DELETE', `/users/${plain.id}`, adminToken],
    ] as const) {
      expect(sb(await s.app.inject({ method, url, headers: auth(t), payload: method === 'PATCH' ? { username: 'fool' } : undefined })), `${method} ${url}`).toEqual(FORBIDDEN);
    }
    // Nothing was done: the session lives on and the user is unchanged.
    expect(await s.container.repos.users.findById(plain.id)).toMatchObject({ username: null, isActive: true });
    await s.container.repos.users.update(plain.id, { isVerified: true });
    expect((await s.app.inject({ url: '/users/me', headers: auth(token) })).statusCode).toBe(200);
  });
});
