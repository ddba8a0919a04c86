import { readFileSync } from 'node:fs';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { claimsOf, PASS, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';

/** Deactivates a user as ipseity's clients do: DELETE /user with a password token. */
async function deactivate(s: TestServer, login: string) {
  const res = await s.app.inject({ method: 'DELETE', url: '/user', headers: { authorization: `Bearer ${await simpleToken(s.app, login)}` } });
  if (res.statusCode !== 204) throw new Error(`DELETE /user failed: ${res.statusCode} ${res.body}`);
}

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

  it('GET /token: 404 for an unknown user and a wrong password alike, 400 without user', async () => {
    for (const [user, pass] of [['arthur', 'wrong password!'], ['nobody', PASS]]) {
      const res = await s.app.inject({ url: `/token?${qs({ user: user!, pass: pass! })}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ message: 'Invalid user or password' });
    }
    for (const url of ['/token', `/token?${qs({ pass: PASS })}`, '/token?user=']) {
      const res = await s.app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Missing argument: user' });
    }
    // An empty pass is no pass (ipseity): `user` is then read as a refresh token.
    const empty = await s.app.inject({ url: `/token?${qs({ user: 'arthur', pass: '' })}` });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({ message: 'Invalid refresh token' });
  });

  it('GET /token: 403 for a deactivated account, only after a correct password', async () => {
    await simpleSignup(s.app, 'bedivere');
    await deactivate(s, 'bedivere');
    const right = await s.app.inject({ url: `/token?${qs({ user: 'bedivere', pass: PASS })}` });
    expect(right.statusCode).toBe(403);
    expect(right.json()).toEqual({ message: 'User has been deactivated' });
    const wrong = await s.app.inject({ url: `/token?${qs({ user: 'bedivere', pass: 'wrong password!' })}` });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json()).toEqual({ message: 'Invalid user or password' });
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

  it('GET /token: 400 for an unknown, expired or revoked refresh token and for an access token given as user', async () => {
    const revoked = await simpleSession(s.app, 'arthur');
    await s.container.sessions.endSession(claimsOf(revoked.access).sid as string);
    for (const user of ['not-a-refresh-token', await simpleToken(s.app, 'arthur'), revoked.refresh]) {
      const res = await s.app.inject({ url: `/token?${qs({ user })}` });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid refresh token' });
    }
    const { refresh } = await simpleSession(s.app, 'arthur');
    skewMs = (s.container.config.refreshTokenTtl + 60) * 1000;
    try {
      expect((await s.app.inject({ url: `/token?${qs({ user: refresh })}` })).statusCode).toBe(400);
    } finally {
      skewMs = 0;
    }
  });

  it('GET /token: 403 for the refresh token of an account deactivated since', async () => {
    await simpleSignup(s.app, 'lucan');
    const { refresh } = await simpleSession(s.app, 'lucan');
    await deactivate(s, 'lucan');
    const res = await s.app.inject({ url: `/token?${qs({ user: refresh })}` });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: 'User has been deactivated' });
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

  it('GET /check is 400 for missing, forged, revoked and refresh tokens', async () => {
    const missing = await s.app.inject({ url: '/check' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ message: 'Missing argument: access_token' });
    const { access, refresh } = await simpleSession(s.app, 'arthur');
    const forged = access.slice(0, -4) + (access.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const t of ['garbage', forged, refresh]) {
      const res = await s.app.inject({ url: `/check?${qs({ access_token: t })}` });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid token' });
    }
    await s.container.sessions.endSession(claimsOf(access).sid as string);
    const revoked = await s.app.inject({ url: '/check', headers: bearer(access) });
    expect(revoked.statusCode).toBe(400);
    expect(revoked.json()).toEqual({ message: 'Invalid token' });
  });

  it('GET /check is 400 "Token has expired" once the token is past its expiry', async () => {
    const token = await simpleToken(s.app, 'arthur');
    skewMs = (s.container.config.accessTokenTtl + 60) * 1000;
    try {
      const res = await s.app.inject({ url: '/check', headers: bearer(token) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Token has expired' });
    } finally {
      skewMs = 0;
    }
  });

  it('GET /refresh_token needs a token from a password login: 403 otherwise, 401 without a valid one', async () => {
    const { refresh } = await simpleSession(s.app, 'arthur');
    expect(refresh.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const stale = (await s.app.inject({ url: `/token?${qs({ user: refresh })}` })).body;
    const notFresh = await s.app.inject({ url: '/refresh_token', headers: bearer(stale) });
    expect(notFresh.statusCode).toBe(403);
    expect(notFresh.json()).toEqual({ message: 'Password authentication required' });
    const none = await s.app.inject({ url: '/refresh_token' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ message: 'Missing access token' });
    const bad = await s.app.inject({ url: '/refresh_token', headers: bearer('nope') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ message: 'Invalid token' });
  });

  it('DELETE /refresh_token disallows that refresh token only: the session, its access token and other refresh tokens live on', async () => {
    const { access, refresh } = await simpleSession(s.app, 'arthur');
    const sibling = (await s.app.inject({ url: '/refresh_token', headers: bearer(access) })).body;
    const res = await s.app.inject({ method: 'DELETE', url: `/refresh_token?${qs({ refresh_token: refresh })}`, headers: bearer(access) });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const again = await s.app.inject({ url: `/token?${qs({ user: refresh })}` });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ message: 'Invalid refresh token' });
    expect((await s.app.inject({ url: '/check', headers: bearer(access) })).statusCode).toBe(200);
    expect((await s.app.inject({ url: `/token?${qs({ user: sibling })}` })).statusCode).toBe(200);
    // A token refreshed from the sibling may disallow it in turn (any token of the user will do).
    const stale = (await s.app.inject({ url: `/token?${qs({ user: sibling })}` })).body;
    expect((await s.app.inject({ method: 'DELETE', url: '/refresh_token', headers: bearer(stale), payload: { refresh_token: sibling } })).statusCode).toBe(204);
    expect((await s.app.inject({ url: `/token?${qs({ user: sibling })}` })).statusCode).toBe(400);
  });

  it('DELETE /refresh_token: 400 when missing, unknown, already disallowed or another user\'s; 401 without a token', async () => {
    const mine = await simpleSession(s.app, 'arthur');
    const theirs = await simpleSession(s.app, 'guinevere@camelot.bt');
    const del = (refresh_token?: string) => s.app.inject({ method: 'DELETE', url: '/refresh_token', headers: bearer(mine.access), payload: refresh_token === undefined ? {} : { refresh_token } });
    const missing = await del();
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ message: 'Missing argument: refresh_token' });
    for (const token of ['not-a-refresh-token', mine.access, theirs.refresh]) {
      const res = await del(token);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: 'Invalid refresh token' });
    }
    expect((await del(mine.refresh)).statusCode).toBe(204);
    expect((await del(mine.refresh)).statusCode).toBe(400);
    // The other user's token was left alone.
    expect((await s.app.inject({ url: `/token?${qs({ user: theirs.refresh })}` })).statusCode).toBe(200);
    const anon = await s.app.inject({ method: 'DELETE', url: `/refresh_token?${qs({ refresh_token: theirs.refresh })}` });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toEqual({ message: 'Missing access token' });
  });

  it('a token of a user deactivated since it was issued is an invalid token', async () => {
    await simpleSignup(s.app, 'sagramore');
    const { access } = await simpleSession(s.app, 'sagramore');
    // Straight in the store, so the session is still live: only the user's state refuses the token.
    const id = claimsOf(access).sub as string;
    await s.container.repos.users.update(id, { isActive: false });
    expect((await s.app.inject({ url: '/refresh_token', headers: bearer(access) })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'DELETE', url: '/refresh_token', headers: bearer(access), payload: { refresh_token: 'x' } })).statusCode).toBe(401);
    const check = await s.app.inject({ url: '/check', headers: bearer(access) });
    expect(check.statusCode).toBe(400);
    expect(check.json()).toEqual({ message: 'Invalid token' });
    expect((await s.app.inject({ url: '/user', headers: bearer(access) })).statusCode).toBe(204);
    await s.container.repos.users.update(id, { isActive: true });
    expect((await s.app.inject({ url: '/check', headers: bearer(access) })).statusCode).toBe(200);
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
