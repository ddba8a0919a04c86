import { readFileSync } from 'node:fs';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf, PASS, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe.each(DIALECTS)('simple face: /version, /pubkey, /token, /check, /refresh_token (%s)', (dialect) => {
  let s: TestServer;
  let skewMs = 0;
  beforeAll(async () => {
    // A clock the test can move forward, to let a token expire without waiting.
    s = await startServer(dialect, {}, { now: () => Date.now() + skewMs });
    await simpleSignup(s.app, 'arthur');
    await simpleSignup(s.app, 'guinevere@camelot.bt');
  });
  afterAll(async () => { await s.close(); });

  it('GET /version gives the package version', async () => {
    const res = await s.app.inject({ url: '/version' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: pkg.version });
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('GET /pubkey gives the PEM that verifies issued tokens', async () => {
    const res = await s.app.inject({ url: '/pubkey' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n?$/);
    const token = await simpleToken(s.app, 'arthur');
    const { payload } = await jwtVerify(token, await importSPKI(res.body, 'EdDSA'));
    expect(payload.sub).toBeTypeOf('string');
  });

  it('GET /token with user and pass gives a fresh access token as text', async () => {
    const res = await s.app.inject({ url: `/token?${qs({ user: 'Arthur', pass: PASS })}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.split('.')).toHaveLength(3);
    expect(claimsOf(res.body)).toMatchObject({ fresh: true, scope: 'me' });
    // An email works as the login too.
    expect(claimsOf(await simpleToken(s.app, 'guinevere@camelot.bt')).fresh).toBe(true);
  });

  it('GET /token refuses bad credentials with 401 and missing arguments with 400', async () => {
    for (const [user, pass] of [['arthur', 'wrong password!'], ['nobody', PASS], ['arthur', '']]) {
      const res = await s.app.inject({ url: `/token?${qs({ user: user!, pass: pass! })}` });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: 'Invalid user or password' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    for (const url of ['/token', `/token?${qs({ pass: PASS })}`, '/token?user=']) {
      const res = await s.app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Missing argument: user' });
    }
  });

  it('GET /token with a refresh token as user (no pass) gives a non-fresh token, as often as asked', async () => {
    const { refresh } = await simpleSession(s.app, 'arthur');
    for (let i = 0; i < 3; i++) {
      const res = await s.app.inject({ url: `/token?${qs({ user: refresh })}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(claimsOf(res.body)).toMatchObject({ fresh: false });
      expect((await s.app.inject({ url: '/check', headers: bearer(res.body) })).statusCode).toBe(200);
    }
  });

  it('GET /token with a dead refresh token is 401', async () => {
    const res = await s.app.inject({ url: `/token?${qs({ user: 'not-a-refresh-token' })}` });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ message: 'Invalid refresh token' });
  });

  it('GET /check returns the token payload', async () => {
    const token = await simpleToken(s.app, 'arthur');
    const res = await s.app.inject({ url: `/check?${qs({ access_token: token })}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual(claimsOf(token));
    // The simple profile: ipseity's claims, and no aud.
    expect(Object.keys(body).sort()).toEqual(['authentication_method', 'exp', 'fresh', 'iat', 'iss', 'jti', 'nbf', 'scope', 'sid', 'sub', 'token_type', 'user']);
  });

  it('GET /check is 401 for missing, forged and revoked tokens', async () => {
    const missing = await s.app.inject({ url: '/check' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ message: 'Missing access token' });
    const token = await simpleToken(s.app, 'arthur');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const t of ['garbage', forged]) {
      const res = await s.app.inject({ url: `/check?${qs({ access_token: t })}` });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: 'Invalid token' });
    }
    await s.container.sessions.endSession(claimsOf(token).sid as string);
    const revoked = await s.app.inject({ url: '/check', headers: bearer(token) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toEqual({ message: 'Invalid token' });
  });

  it('GET /check is 401 "Token has expired" once the token is past its expiry', async () => {
    const token = await simpleToken(s.app, 'arthur');
    skewMs = (s.container.config.accessTokenTtl + 60) * 1000;
    try {
      const res = await s.app.inject({ url: '/check', headers: bearer(token) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: 'Token has expired' });
    } finally {
      skewMs = 0;
    }
  });

  it('GET /refresh_token needs a fresh token', async () => {
    const { refresh } = await simpleSession(s.app, 'arthur');
    expect(refresh.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const stale = (await s.app.inject({ url: `/token?${qs({ user: refresh })}` })).body;
    const notFresh = await s.app.inject({ url: '/refresh_token', headers: bearer(stale) });
    expect(notFresh.statusCode).toBe(403);
    expect(notFresh.json()).toEqual({ message: 'Fresh token required' });
    const none = await s.app.inject({ url: '/refresh_token' });
    expect(none.statusCode).toBe(401);
    const bad = await s.app.inject({ url: '/refresh_token', headers: bearer('nope') });
    expect(bad.statusCode).toBe(401);
  });

  it('DELETE /refresh_token with a token ends that token\'s session', async () => {
    const a = await simpleSession(s.app, 'arthur');
    const b = await simpleSession(s.app, 'arthur');
    const res = await s.app.inject({ method: 'DELETE', url: `/refresh_token?${qs({ refresh_token: a.refresh })}`, headers: bearer(b.access) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await s.app.inject({ url: `/token?${qs({ user: a.refresh })}` })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/check', headers: bearer(a.access) })).statusCode).toBe(401);
    // The caller's own session is untouched.
    expect((await s.app.inject({ url: `/token?${qs({ user: b.refresh })}` })).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/check', headers: bearer(b.access) })).statusCode).toBe(200);
  });

  it('DELETE /refresh_token leaves other users\' tokens alone', async () => {
    const mine = await simpleSession(s.app, 'arthur');
    const theirs = await simpleSession(s.app, 'guinevere@camelot.bt');
    const res = await s.app.inject({ method: 'DELETE', url: '/refresh_token', headers: bearer(mine.access), payload: { refresh_token: theirs.refresh } });
    expect(res.statusCode).toBe(204);
    expect((await s.app.inject({ url: `/token?${qs({ user: theirs.refresh })}` })).statusCode).toBe(200);
    expect((await s.app.inject({ url: `/token?${qs({ user: mine.refresh })}` })).statusCode).toBe(200);
  });

  it('DELETE /refresh_token without a token ends all of the caller\'s sessions, and only theirs', async () => {
    const a = await simpleSession(s.app, 'guinevere@camelot.bt');
    const b = await simpleSession(s.app, 'guinevere@camelot.bt');
    const other = await simpleSession(s.app, 'arthur');
    const res = await s.app.inject({ method: 'DELETE', url: '/refresh_token', headers: bearer(a.access) });
    expect(res.statusCode).toBe(204);
    for (const r of [a.refresh, b.refresh]) expect((await s.app.inject({ url: `/token?${qs({ user: r })}` })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/check', headers: bearer(b.access) })).statusCode).toBe(401);
    expect((await s.app.inject({ url: `/token?${qs({ user: other.refresh })}` })).statusCode).toBe(200);
  });

  it('DELETE /refresh_token without a token is 401', async () => {
    const res = await s.app.inject({ method: 'DELETE', url: '/refresh_token' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ message: 'Missing access token' });
  });
});

describe.each(DIALECTS)('simple face under HS256 (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: 'x'.repeat(40) }); });
  afterAll(async () => { await s.close(); });

  it('GET /pubkey is 404: there is no public key to give', async () => {
    const res = await s.app.inject({ url: '/pubkey' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ message: 'No public key: tokens are signed with a shared secret' });
  });
});
