import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { adminToken, bearer, register } from '../../support/users-client.js';
import { claimsOf } from '../../support/faces-client.js';
import { headerOf, introspect, passwordGrant, postForm, refreshGrant } from './oauth-client.js';

const INACTIVE = { active: false };

describe.each(DIALECTS)('oauth2 introspection (%s)', (dialect) => {
  let s: TestServer;
  let caller: string;
  let percival: { id: string };
  beforeAll(async () => {
    s = await startServer(dialect);
    await register(s.app, 'caller@camelot.bt');
    caller = (await passwordGrant(s.app, 'caller@camelot.bt')).access_token;
    percival = await register(s.app, 'percival@camelot.bt', 'correct horse battery', { username: 'percival' });
    await s.container.repos.users.update(percival.id, { scopes: ['grail'] });
  });
  afterAll(async () => { await s.close(); });

  for (const url of ['/oauth/introspect', '/oauth/check_token']) {
    it(`${url}: an access token is active with exactly the RFC 7662 members`, async () => {
      const t = await passwordGrant(s.app, 'percival');
      const res = await introspect(s.app, caller, t.access_token, {}, url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const c = claimsOf(t.access_token);
      expect(res.json()).toEqual({
        active: true, sub: percival.id, username: 'percival', scope: 'me grail', exp: c.exp, iat: c.iat,
        token_type: 'access_token', aud: 'tessera', iss: 'http://tessera.test', jti: c.jti,
      });
    });
  }

  it('a refresh token is active, described by its session, as token_type refresh_token', async () => {
    const t = await passwordGrant(s.app, 'percival');
    const res = await introspect(s.app, caller, t.refresh_token);
    const body = res.json();
    expect(body).toEqual({
      active: true, sub: percival.id, username: 'percival', scope: 'me grail', exp: expect.any(Number), iat: expect.any(Number),
      token_type: 'refresh_token', aud: 'tessera', iss: 'http://tessera.test', jti: expect.any(String),
    });
    const now = Date.now() / 1000;
    expect(body.iat).toBeGreaterThan(now - 60);
    expect(body.exp - body.iat).toBeGreaterThanOrEqual(30 * 86_400 - 1);
    // Introspecting does not spend it.
    expect((await refreshGrant(s.app, t.refresh_token)).statusCode).toBe(200);
    expect((await introspect(s.app, caller, t.refresh_token)).json()).toEqual(INACTIVE);
  });

  it('a user without a username is named by email', async () => {
    const t = await passwordGrant(s.app, 'caller@camelot.bt');
    expect((await introspect(s.app, caller, t.access_token)).json().username).toBe('caller@camelot.bt');
  });

  it('the scope parameter: active only when the token holds every asked scope', async () => {
    const t = await passwordGrant(s.app, 'percival', undefined, { scope: 'grail' });
    expect((await introspect(s.app, caller, t.access_token, { scope: 'grail' })).json().active).toBe(true);
    expect((await introspect(s.app, caller, t.access_token, { scope: 'me' })).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.access_token, { scope: 'grail me' })).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.refresh_token, { scope: 'grail' })).json().active).toBe(true);
    expect((await introspect(s.app, caller, t.refresh_token, { scope: 'admin' })).json()).toEqual(INACTIVE);
  });

  it('token_type_hint only orders the lookup: a wrong hint still finds the token', async () => {
    const t = await passwordGrant(s.app, 'percival');
    expect((await introspect(s.app, caller, t.access_token, { token_type_hint: 'refresh_token' })).json().active).toBe(true);
    expect((await introspect(s.app, caller, t.refresh_token, { token_type_hint: 'access_token' })).json().active).toBe(true);
    expect((await introspect(s.app, caller, t.refresh_token, { token_type_hint: 'nonsense' })).json().active).toBe(true);
  });

  it('ended sessions: both tokens of a logged-out session are inactive', async () => {
    const t = await passwordGrant(s.app, 'percival');
    await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(t.access_token) });
    expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.refresh_token)).json()).toEqual(INACTIVE);
  });

  it('forged, tampered, alg:none, foreign-key and unknown tokens are inactive', async () => {
    const t = await passwordGrant(s.app, 'percival');
    const [h, p, sig] = t.access_token.split('.') as [string, string, string];
    const payload = { ...claimsOf(t.access_token), scope: 'me grail admin' };
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: headerOf(t.access_token).kid })).toString('base64url')}.${p}.`;
    const foreign = await new SignJWT(claimsOf(t.access_token)).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'x' })
      .sign(new TextEncoder().encode('a secret that tessera has never heard of'));
    for (const token of [tampered, none, foreign, `${h}.${p}.${sig.slice(0, -4)}AAAA`, 'not a token', 'a.b.c', 'y'.repeat(43), 'x'.repeat(5000)]) {
      // RFC 7662 §2.2: nothing but `active`, byte for byte.
      expect((await introspect(s.app, caller, token)).body).toBe('{"active":false}');
    }
  });

  it('an inactive user’s tokens are inactive even while the session lives', async () => {
    const u = await register(s.app, 'ywain@camelot.bt');
    const t = await passwordGrant(s.app, 'ywain@camelot.bt');
    await s.container.repos.users.update(u.id, { isActive: false });
    expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.refresh_token)).json()).toEqual(INACTIVE);
    await s.container.repos.users.update(u.id, { isActive: true });
    expect((await introspect(s.app, caller, t.access_token)).json().active).toBe(true);
  });

  it('a deleted user’s tokens are inactive', async () => {
    const admin = await adminToken(s.app, s.container.users, 'introspection-admin@camelot.bt');
    const u = await register(s.app, 'dinadan@camelot.bt');
    const t = await passwordGrant(s.app, 'dinadan@camelot.bt');
    expect((await s.app.inject({ method: 'DELETE', url: `/users/${u.id}`, headers: bearer(admin) })).statusCode).toBe(204);
    expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.refresh_token)).json()).toEqual(INACTIVE);
  });

  it('a session another instance ended is inactive at once, without waiting for the revocation poll', async () => {
    const other = await startServer(dialect, {}, { db: { ...s.db, drop: async () => {} } });
    try {
      const t = await passwordGrant(s.app, 'percival');
      await other.container.sessions.endSession(claimsOf(t.access_token).sid as string);
      expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    } finally {
      await other.close();
    }
  });

  it('JSON bodies work too', async () => {
    const t = await passwordGrant(s.app, 'percival');
    const res = await s.app.inject({ method: 'POST', url: '/oauth/introspect', headers: bearer(caller), payload: { token: t.access_token } });
    expect(res.json().active).toBe(true);
  });

  it('the caller must present a live Bearer token: 401 with WWW-Authenticate: Bearer', async () => {
    const t = await passwordGrant(s.app, 'percival');
    const noAuth = await postForm(s.app, '/oauth/introspect', { token: t.access_token });
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.headers['www-authenticate']).toBe('Bearer');
    expect(noAuth.json()).toEqual({ error: 'invalid_token', error_description: expect.any(String) });

    const dead = await passwordGrant(s.app, 'percival');
    await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(dead.access_token) });
    for (const headers of [bearer('garbage'), bearer(dead.access_token), { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }]) {
      const res = await postForm(s.app, '/oauth/check_token', { token: t.access_token }, headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json().error).toBe('invalid_token');
    }
    // Authentication is checked before the body: no hint about the token either way.
    expect((await postForm(s.app, '/oauth/introspect', 'token=a&token=b')).statusCode).toBe(401);
  });

  it('a missing or repeated token parameter is invalid_request', async () => {
    for (const body of ['', 'token=', 'scope=me', 'token=a&token=b']) {
      const res = await postForm(s.app, '/oauth/introspect', body, bearer(caller));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });
});

describe.each(DIALECTS)('oauth2 introspection of expired tokens (%s)', (dialect) => {
  let s: TestServer;
  let clock = Date.now();
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_ACCESS_TOKEN_TTL: '60' }, { now: () => clock }); });
  afterAll(async () => { await s.close(); });

  it('is inactive past exp, with no leeway, while the session lives on', async () => {
    await register(s.app, 'bedivere@camelot.bt');
    const t = await passwordGrant(s.app, 'bedivere@camelot.bt');
    clock += 61_000;
    const caller = (await refreshGrant(s.app, t.refresh_token)).json().access_token;
    expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, caller)).json().active).toBe(true);
  });
});

describe.each(DIALECTS)('oauth2 introspection with TESSERA_REQUIRE_VERIFIED (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true' }); });
  afterAll(async () => { await s.close(); });

  it('an unverified user’s tokens are inactive, as every face refuses them', async () => {
    const verified = async (email: string) => {
      const u = await register(s.app, email);
      await s.container.repos.users.update(u.id, { isVerified: true });
      return u;
    };
    await verified('caller@camelot.bt');
    const caller = (await passwordGrant(s.app, 'caller@camelot.bt')).access_token;
    const lamorak = await verified('lamorak@camelot.bt');
    const t = await passwordGrant(s.app, 'lamorak@camelot.bt');
    expect((await introspect(s.app, caller, t.access_token)).json().active).toBe(true);
    expect((await introspect(s.app, caller, t.refresh_token)).json().active).toBe(true);
    // As after an email change: the session lives, the address is unproven.
    await s.container.repos.users.update(lamorak.id, { isVerified: false });
    expect((await introspect(s.app, caller, t.access_token)).json()).toEqual(INACTIVE);
    expect((await introspect(s.app, caller, t.refresh_token)).json()).toEqual(INACTIVE);
  });
});
