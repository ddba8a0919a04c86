import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASSWORD, UNAUTHORIZED, auth, coreUser, form, sb } from '../../support/users-fixtures.js';

const JWT = '[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+';

async function cookieLogin(s: TestServer, username: string, password = PASSWORD) {
  return s.app.inject({ method: 'POST', url: '/auth/cookie/login', ...form({ username, password }) });
}
const cookiePair = (setCookie: unknown) => String(setCookie).split(';')[0]!;

describe.each(DIALECTS)('cookie backend (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
    await coreUser(s, 'guinevere@camelot.bt', { username: 'guinevere' });
    await coreUser(s, 'morgana@camelot.bt', { isActive: false });
  });
  afterAll(async () => { await s.close(); });

  it('login answers 204 with exactly the session cookie attributes, Secure included', async () => {
    const res = await cookieLogin(s, 'Guinevere@camelot.bt');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^tessera_auth=${JWT}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax$`));
  });

  it('the cookie authenticates /users/me', async () => {
    const res = await cookieLogin(s, 'guinevere');
    const me = await s.app.inject({ url: '/users/me', headers: { cookie: cookiePair(res.headers['set-cookie']) } });
    expect(me.statusCode).toBe(200);
    expect(me.json().email).toBe('guinevere@camelot.bt');
  });

  it('login failures are those of the jwt backend and set no cookie', async () => {
    for (const [username, password, code] of [
      ['nobody@camelot.bt', PASSWORD, 'LOGIN_BAD_CREDENTIALS'],
      ['guinevere@camelot.bt', 'not my password', 'LOGIN_BAD_CREDENTIALS'],
      ['morgana@camelot.bt', PASSWORD, 'LOGIN_BAD_CREDENTIALS'],
    ] as const) {
      const res = await cookieLogin(s, username, password);
      expect(sb(res)).toEqual({ status: 400, body: { detail: code } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const missing = await s.app.inject({ method: 'POST', url: '/auth/cookie/login', payload: { username: 'guinevere' } });
    expect(sb(missing)).toEqual({ status: 422, body: { detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] } });
  });

  it('logout clears the cookie and ends the session', async () => {
    const res = await cookieLogin(s, 'guinevere');
    const cookie = cookiePair(res.headers['set-cookie']);
    const token = cookie.slice('tessera_auth='.length);
    const out = await s.app.inject({ method: 'POST', url: '/auth/cookie/logout', headers: { cookie } });
    expect([200, 204]).toContain(out.statusCode);
    expect(out.headers['set-cookie']).toBe('tessera_auth=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax');
    // The old cookie value is dead even if a client keeps sending it, and so is the same token as a Bearer.
    expect(sb(await s.app.inject({ url: '/users/me', headers: { cookie } }))).toEqual(UNAUTHORIZED);
    expect(sb(await s.app.inject({ url: '/users/me', headers: auth(token) }))).toEqual(UNAUTHORIZED);
  });

  it('logout without a live cookie is 401', async () => {
    const none = await s.app.inject({ method: 'POST', url: '/auth/cookie/logout' });
    expect(sb(none)).toEqual(UNAUTHORIZED);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(sb(await s.app.inject({ method: 'POST', url: '/auth/cookie/logout', headers: { cookie: 'tessera_auth=garbage' } }))).toEqual(UNAUTHORIZED);
  });
});

describe.each(DIALECTS)('cookie backend with TESSERA_COOKIE_SECURE=false (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_COOKIE_SECURE: 'false' });
    await coreUser(s, 'elaine@camelot.bt');
  });
  afterAll(async () => { await s.close(); });

  it('omits Secure on login and on logout', async () => {
    const res = await cookieLogin(s, 'elaine@camelot.bt');
    expect(res.statusCode).toBe(204);
    expect(res.headers['set-cookie']).toMatch(new RegExp(`^tessera_auth=${JWT}; Max-Age=900; Path=/; HttpOnly; SameSite=Lax$`));
    const out = await s.app.inject({ method: 'POST', url: '/auth/cookie/logout', headers: { cookie: cookiePair(res.headers['set-cookie']) } });
    expect(out.headers['set-cookie']).toBe('tessera_auth=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
  });
});
