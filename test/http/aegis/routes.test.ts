import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { aegisLogin, claimsOf, PASS, simpleSignup } from '../../support/faces-client.js';

const BASE = 'http://tessera.test/problems';
const problem = (name: string, title: string, detail: string, instance: string, status = '401') =>
  ({ type: `${BASE}#${name}Exception`, title, detail, instance: `http://tessera.test${instance}`, status });
const AUTH_FAILED = ['AuthenticationFailed', 'Authentication Failed', 'The credentials you supplied were not correct.'] as const;
const AUTH_REQUIRED = ['AuthRequired', 'Authentication Required', 'You did not specify the required token information in headers or you provided it incorrectly.'] as const;
const BAD_REFRESH = ['InvalidRefreshToken', 'Invalid Token', 'You have provided an invalid refresh token.'] as const;
const BAD_TOKEN = ['InvalidToken', 'Invalid Token', 'You have provided an invalid token signature.'] as const;
const EXPIRED = ['TokenExpired', 'Invalid Token', 'The access token provided has expired.'] as const;

describe.each(DIALECTS)('aegis face (%s)', (dialect) => {
  let s: TestServer;
  let skewMs = 0;
  beforeAll(async () => {
    // A clock the test can move forward, to let a token expire without waiting.
    s = await startServer(dialect, {}, { now: () => Date.now() + skewMs });
    await simpleSignup(s.app, 'bedivere');
    await s.container.users.create({ email: 'merlin@camelot.bt', password: PASS, isSuperuser: true, scopes: ['magic'] });
  });
  afterAll(async () => { await s.close(); });

  it('POST /auth gives exactly an access and a refresh token', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'Bedivere', password: PASS } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'refresh_token']);
    expect(claimsOf(body.access_token)).toMatchObject({ fresh: true, scope: 'me' });
    expect(body.refresh_token.length).toBeGreaterThanOrEqual(43);
  });

  it('POST /auth with bad credentials is the AuthenticationFailed problem', async () => {
    for (const payload of [{ username: 'bedivere', password: 'not the password' }, { username: 'nobody', password: PASS }]) {
      const res = await s.app.inject({ method: 'POST', url: '/auth', payload });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toBe(JSON.stringify(problem(...AUTH_FAILED, '/auth')));
    }
  });

  it('POST /auth for a deactivated account is AuthenticationFailed, even with the right password', async () => {
    await simpleSignup(s.app, 'lamorak');
    const token = await s.app.inject({ url: `/token?user=lamorak&pass=${encodeURIComponent(PASS)}` });
    expect((await s.app.inject({ method: 'DELETE', url: '/user', headers: { authorization: `Bearer ${token.body}` } })).statusCode).toBe(204);
    const res = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'lamorak', password: PASS } });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe(JSON.stringify(problem(...AUTH_FAILED, '/auth')));
  });

  it('GET /me: a token of a user deactivated or deleted since it was issued is InvalidToken', async () => {
    for (const name of ['pelleas', 'ettard']) {
      await simpleSignup(s.app, name);
      const { access_token } = await aegisLogin(s.app, name);
      const id = claimsOf(access_token).sub as string;
      expect((await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } })).statusCode).toBe(200);
      // Straight in the store, so the session is still live: only the user's state refuses the token.
      if (name === 'pelleas') await s.container.repos.users.update(id, { isActive: false });
      else await s.container.repos.users.delete(id);
      const res = await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe(JSON.stringify(problem(...BAD_TOKEN, '/me')));
    }
  });

  it('POST /auth with a missing field or malformed JSON is a 400 problem, never a 500', async () => {
    const missing = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'bedivere' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toEqual(problem('BadRequest', 'Bad Request', 'The request body must be a JSON object whose fields are strings.', '/auth', '400'));
    const typed = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'bedivere', password: 12345678 } });
    expect(typed.statusCode).toBe(400);
    const malformed = await s.app.inject({ method: 'POST', url: '/auth', headers: { 'content-type': 'application/json' }, payload: '{"username"' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual(problem('BadRequest', 'Bad Request', 'The request body is not valid JSON.', '/auth', '400'));
    const empty = await s.app.inject({ method: 'POST', url: '/auth' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().status).toBe('400');
  });

  it('POST /auth/refresh gives exactly a new access token, and the refresh token keeps working', async () => {
    const { refresh_token } = await aegisLogin(s.app, 'bedivere');
    for (let i = 0; i < 3; i++) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.json())).toEqual(['access_token']);
      expect(claimsOf(res.json().access_token)).toMatchObject({ fresh: false, scope: 'me' });
    }
  });

  it('POST /auth/refresh with an unknown or ended refresh token is the InvalidRefreshToken problem', async () => {
    const { access_token, refresh_token } = await aegisLogin(s.app, 'bedivere');
    await s.container.sessions.endSession(claimsOf(access_token).sid as string);
    for (const token of ['unknown-token', refresh_token]) {
      const res = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: token } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toEqual(problem(...BAD_REFRESH, '/auth/refresh'));
    }
    const missing = await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().type).toBe(`${BASE}#BadRequestException`);
  });

  it('GET /me gives id, permissions (the token\'s scopes) and exp', async () => {
    const { access_token } = await aegisLogin(s.app, 'bedivere');
    const c = claimsOf(access_token);
    const res = await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(JSON.stringify({ id: c.sub, permissions: ['me'], exp: c.exp }));
    const admin = await aegisLogin(s.app, 'merlin@camelot.bt');
    const me = (await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${admin.access_token}` } })).json();
    expect(me.permissions.sort()).toEqual(['admin', 'magic', 'me']);
  });

  it('GET /me answers the aegis token\'s own claims, and takes the bare token as aegis does', async () => {
    const { access_token } = await aegisLogin(s.app, 'bedivere');
    const c = claimsOf(access_token);
    for (const authorization of [`Bearer ${access_token}`, access_token, `bearer ${access_token}`]) {
      const res = await s.app.inject({ url: '/me', headers: { authorization } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: c.id, permissions: c.permissions, exp: c.exp });
    }
  });

  it('GET /me without a usable Authorization header is the AuthRequired problem', async () => {
    for (const headers of [{}, { authorization: 'Basic YmVkaXZlcmU6cA==' }, { authorization: 'Bearer' }, { authorization: 'bearer  ' }]) {
      const res = await s.app.inject({ url: '/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toEqual(problem(...AUTH_REQUIRED, '/me'));
    }
  });

  it('GET /me with a forged or revoked token is the InvalidToken problem', async () => {
    const { access_token } = await aegisLogin(s.app, 'bedivere');
    const forged = access_token.slice(0, -4) + (access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const t of ['garbage', forged]) {
      const res = await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${t}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(problem(...BAD_TOKEN, '/me'));
    }
    await s.container.sessions.endSession(claimsOf(access_token).sid as string);
    const revoked = await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } });
    expect(revoked.json()).toEqual(problem(...BAD_TOKEN, '/me'));
  });

  it('GET /me with an expired token is the TokenExpired problem', async () => {
    const { access_token } = await aegisLogin(s.app, 'bedivere');
    skewMs = (s.container.config.accessTokenTtl + 60) * 1000;
    try {
      const res = await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(problem(...EXPIRED, '/me'));
    } finally {
      skewMs = 0;
    }
    expect((await s.app.inject({ url: '/me', headers: { authorization: `Bearer ${access_token}` } })).statusCode).toBe(200);
  });

  it('builds "instance" from the public URL and the request path, never from the Host header', async () => {
    const res = await s.app.inject({ url: '/me?x=1', headers: { host: 'evil.example' } });
    expect(res.json().instance).toBe('http://tessera.test/me?x=1');
  });
});

describe.each(DIALECTS)('aegis face with TESSERA_PROBLEM_BASE (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_PROBLEM_BASE: 'https://errors.camelot.bt/aegis' }); });
  afterAll(async () => { await s.close(); });

  it('uses the configured base for problem types', async () => {
    const res = await s.app.inject({ url: '/me' });
    expect(res.json()).toMatchObject({ type: 'https://errors.camelot.bt/aegis#AuthRequiredException', instance: 'http://tessera.test/me', status: '401' });
  });
});
