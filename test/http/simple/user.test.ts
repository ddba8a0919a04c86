import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf, formBody, PASS, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const stale = async (s: TestServer, refresh: string) => (await s.app.inject({ url: `/token?${qs({ user: refresh })}` })).body;

describe.each(DIALECTS)('simple face: /user (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  it('POST /user creates a user from query, JSON or form arguments: 201 with an empty body', async () => {
    for (const req of [
      { method: 'POST' as const, url: `/user?${qs({ user: 'percival', pass: PASS })}` },
      { method: 'POST' as const, url: '/user', payload: { user: 'gawain@camelot.bt', pass: PASS } },
      { method: 'POST' as const, url: '/user', ...formBody({ user: 'bors', pass: PASS }) },
    ]) {
      const res = await s.app.inject(req);
      expect(res.statusCode).toBe(201);
      expect(res.body).toBe('');
    }
    // A name with "@" is the email, anything else the username.
    expect(await s.container.users.findByEmail('gawain@camelot.bt')).toMatchObject({ username: null });
    expect(await s.container.repos.users.findByLogin('bors')).toMatchObject({ username: 'bors', email: null });
    for (const login of ['percival', 'gawain@camelot.bt', 'bors']) expect(claimsOf(await simpleToken(s.app, login)).fresh).toBe(true);
  });

  it('POST /user: the body wins over the query string', async () => {
    const res = await s.app.inject({ method: 'POST', url: `/user?${qs({ user: 'from-query', pass: PASS })}`, payload: { user: 'from-body' } });
    expect(res.statusCode).toBe(201);
    expect((await s.app.inject({ url: `/token?${qs({ user: 'from-body', pass: PASS })}` })).statusCode).toBe(200);
    expect((await s.app.inject({ url: `/token?${qs({ user: 'from-query', pass: PASS })}` })).statusCode).toBe(404);
  });

  it('POST /user is 400 for missing arguments', async () => {
    for (const [payload, name] of [[{ pass: PASS }, 'user'], [{ user: 'kay' }, 'pass'], [{ user: '', pass: PASS }, 'user']] as const) {
      const res = await s.app.inject({ method: 'POST', url: '/user', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: `Missing argument: ${name}` });
    }
    const none = await s.app.inject({ method: 'POST', url: '/user' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({ message: 'Missing argument: user' });
  });

  it('POST /user is 403 when the user exists (case-insensitively)', async () => {
    await simpleSignup(s.app, 'tristan');
    for (const user of ['tristan', 'TRISTAN']) {
      const res = await s.app.inject({ method: 'POST', url: '/user', payload: { user, pass: PASS } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: 'User already exists' });
    }
  });

  it('POST /user is 400 for a weak password, an invalid name or a wrongly typed argument', async () => {
    const short = await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'lamorak', pass: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toEqual({ message: 'Password should be at least 8 characters' });
    const same = await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'lamorak1', pass: 'LAMORAK1' } });
    expect(same.statusCode).toBe(400);
    expect(same.json()).toEqual({ message: 'Password should not be the same as your email or username' });
    for (const user of ['two words', 'x'.repeat(65), 'not@an email', '@camelot.bt']) {
      const res = await s.app.inject({ method: 'POST', url: '/user', payload: { user, pass: PASS } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^Invalid user/);
    }
    const typed = await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'lamorak', pass: 12345678 } });
    expect(typed.statusCode).toBe(400);
    expect(typed.json()).toEqual({ message: 'Invalid argument: pass' });
    const twice = await s.app.inject({ method: 'POST', url: '/user?user=a&user=b&pass=correct+horse' });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({ message: 'Invalid argument: user' });
    const malformed = await s.app.inject({ method: 'POST', url: '/user', headers: { 'content-type': 'application/json' }, payload: '{"user": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ message: 'Malformed request body' });
    const array = await s.app.inject({ method: 'POST', url: '/user', payload: [1, 2] });
    expect(array.statusCode).toBe(400);
    expect(array.json()).toEqual({ message: 'Malformed request body' });
    expect(await s.container.repos.users.findByLogin('lamorak')).toBeUndefined();
  });

  it('GET /user gives the token payload; 204 without a valid token (an invalid one counts as none)', async () => {
    await simpleSignup(s.app, 'dagonet');
    const token = await simpleToken(s.app, 'dagonet');
    const ok = await s.app.inject({ url: '/user', headers: bearer(token) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual(claimsOf(token));
    const anon = await s.app.inject({ url: '/user' });
    expect(anon.statusCode).toBe(204);
    expect(anon.body).toBe('');
    const revoked = await simpleToken(s.app, 'dagonet');
    await s.container.sessions.endSession(claimsOf(revoked).sid as string);
    for (const headers of [{ authorization: 'Bearer garbage' }, { authorization: 'Basic ZGFnb25ldDpwYXNz' }, bearer(revoked)]) {
      const bad = await s.app.inject({ url: '/user', headers });
      expect(bad.statusCode).toBe(204);
      expect(bad.body).toBe('');
    }
    expect((await s.app.inject({ url: `/user?${qs({ access_token: 'x.y.z' })}` })).statusCode).toBe(204);
  });

  it('PATCH /user changes the password with a fresh token and ends the other sessions', async () => {
    await simpleSignup(s.app, 'pellinore');
    const other = await simpleSession(s.app, 'pellinore');
    const mine = await simpleSession(s.app, 'pellinore');
    const res = await s.app.inject({ method: 'PATCH', url: '/user', headers: bearer(mine.access), payload: { pass: 'a brand new secret' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect((await s.app.inject({ url: `/token?${qs({ user: 'pellinore', pass: PASS })}` })).statusCode).toBe(404);
    expect(claimsOf(await simpleToken(s.app, 'pellinore', 'a brand new secret')).fresh).toBe(true);
    expect((await s.app.inject({ url: '/check', headers: bearer(other.access) })).statusCode).toBe(400);
    expect((await s.app.inject({ url: `/token?${qs({ user: other.refresh })}` })).statusCode).toBe(400);
    expect((await s.app.inject({ url: '/check', headers: bearer(mine.access) })).statusCode).toBe(200);
  });

  it('PATCH /user failures: 403 not fresh, 400 weak or missing password, 401 no token', async () => {
    await simpleSignup(s.app, 'ywain');
    const { access, refresh } = await simpleSession(s.app, 'ywain');
    const notFresh = await s.app.inject({ method: 'PATCH', url: '/user', headers: bearer(await stale(s, refresh)), payload: { pass: 'another good one' } });
    expect(notFresh.statusCode).toBe(403);
    expect(notFresh.json()).toEqual({ message: 'Password authentication required' });
    const weak = await s.app.inject({ method: 'PATCH', url: `/user?${qs({ pass: 'short', access_token: access })}` });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toEqual({ message: 'Password should be at least 8 characters' });
    const missing = await s.app.inject({ method: 'PATCH', url: '/user', headers: bearer(access) });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ message: 'Missing argument: pass' });
    const anon = await s.app.inject({ method: 'PATCH', url: '/user', payload: { pass: 'another good one' } });
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer');
    expect(claimsOf(await simpleToken(s.app, 'ywain')).fresh).toBe(true); // password unchanged
  });

  it('DELETE /user with a password token deactivates the account (the record stays) and ends its sessions', async () => {
    await simpleSignup(s.app, 'mordred');
    const other = await simpleSession(s.app, 'mordred');
    const { access } = await simpleSession(s.app, 'mordred');
    const res = await s.app.inject({ method: 'DELETE', url: '/user', headers: bearer(access) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await s.container.repos.users.findByLogin('mordred')).toMatchObject({ username: 'mordred', isActive: false });
    for (const t of [access, other.access]) expect((await s.app.inject({ url: '/check', headers: bearer(t) })).statusCode).toBe(400);
    // A genuine refresh token or the right password learns that the account is deactivated; a wrong password does not.
    expect((await s.app.inject({ url: `/token?${qs({ user: other.refresh })}` })).statusCode).toBe(403);
    const login = await s.app.inject({ url: `/token?${qs({ user: 'mordred', pass: PASS })}` });
    expect(login.statusCode).toBe(403);
    expect(login.json()).toEqual({ message: 'User has been deactivated' });
    expect((await s.app.inject({ url: `/token?${qs({ user: 'mordred', pass: 'not the password' })}` })).statusCode).toBe(404);
    // The name stays taken, as in ipseity.
    expect((await s.app.inject({ method: 'POST', url: '/user', payload: { user: 'mordred', pass: PASS } })).statusCode).toBe(403);
    // Every face refuses the password login.
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'mordred', password: PASS } })).json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'mordred', password: PASS } })).json().type).toMatch(/#AuthenticationFailedException$/);
  });

  it('DELETE /user failures: 403 not from a password login, 401 no or bad token', async () => {
    await simpleSignup(s.app, 'agravain');
    const { refresh } = await simpleSession(s.app, 'agravain');
    const notFresh = await s.app.inject({ method: 'DELETE', url: '/user', headers: bearer(await stale(s, refresh)) });
    expect(notFresh.statusCode).toBe(403);
    expect(notFresh.json()).toEqual({ message: 'Password authentication required' });
    expect((await s.app.inject({ method: 'DELETE', url: '/user' })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'DELETE', url: '/user', headers: bearer('x.y.z') })).statusCode).toBe(401);
    expect(await s.container.repos.users.findByLogin('agravain')).toMatchObject({ isActive: true });
  });
});
