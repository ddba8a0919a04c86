import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { bearer, login, register } from '../../support/users-client.js';
import { createSecretBox } from '../../../src/crypto/secret-box.js';
import { FLOW_COOKIE } from '../../../src/http/faces/users/social-routes.js';
import { PUBLIC_URL, atProvider, authorize, callback, socialLogin } from './browser.js';
import { startIdp, testOidcEnv, type TestIdp } from './idp.js';

const P = 'testoidc';
const REDIRECTS = [`${PUBLIC_URL}/auth/${P}/callback`, `${PUBLIC_URL}/auth/associate/${P}/callback`];

describe.each(DIALECTS)('social login with a real OpenID Connect provider (%s)', (dialect) => {
  let idp: TestIdp;
  let s: TestServer;
  beforeAll(async () => {
    idp = await startIdp(REDIRECTS);
    s = await startServer(dialect, {
      ...testOidcEnv(idp),
    });
  });
  afterAll(async () => {
    await s?.close();
    await idp?.close();
  });

  const me = async (token: string) => (await s.app.inject({ url: '/users/me', headers: bearer(token) })).json() as { id: string; email: string; is_verified: boolean };

  it('authorize answers the provider URL with PKCE S256, state and nonce, and binds the flow to an HttpOnly cookie', async () => {
    const { res, authorizationUrl } = await authorize(s.app, `/auth/${P}/authorize?scopes=openid&scopes=email`);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json())).toEqual(['authorization_url']);
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/${P}/callback`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('scope')).toBe('openid email');
    const cookie = res.cookies.find((c) => c.name === FLOW_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth' });
    // The verifier travels sealed: neither it nor the state is readable from the cookie.
    expect(cookie.value).not.toContain(url.searchParams.get('state'));
  });

  it('a first social login records user.created and social.linked (the provider named), then login.succeeded', async () => {
    const first = await socialLogin(s.app, idp, P, { sub: 'audit-sub', email: 'audited@idp.test', email_verified: true });
    const user = await me(first.res.json().access_token);
    const { items } = await s.container.audit.list({ userId: user.id, limit: 10, offset: 0 });
    expect(items.map((e) => e.type).reverse()).toEqual(['user.created', 'social.linked', 'login.succeeded']);
    expect(items[2]!.detail).toMatchObject({ provider: P });
    expect(items[1]!.detail).toEqual({ provider: P, email_verified: true });
    expect(items[0]!.detail).toMatchObject({ method: `social:${P}` });
    expect(items[0]!.face).toBe('users');
  });

  it('first login creates a verified user with no usable password; the second finds the same user', async () => {
    const who = { sub: 'alice-sub', email: 'alice@idp.test', email_verified: true };
    const first = await socialLogin(s.app, idp, P, who);
    expect(first.res.statusCode).toBe(200);
    const body = first.res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(first.res.headers['cache-control']).toBe('no-store');
    // The flow cookie is spent.
    expect(first.res.cookies.find((c) => c.name === FLOW_COOKIE)?.value).toBe('');
    const user = await me(body.access_token);
    expect(user).toMatchObject({ email: 'alice@idp.test', is_verified: true });
    for (const password of ['', 'anything at all']) {
      const guess = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'alice@idp.test', password } });
      expect(guess.json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });
    }
    const guess = await s.app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username: 'alice@idp.test', password: 'anything at all' } });
    expect(guess.json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });

    const second = await socialLogin(s.app, idp, P, who);
    expect(second.res.statusCode).toBe(200);
    expect((await me(second.res.json().access_token)).id).toBe(user.id);
    const { items } = await s.container.users.list({ limit: 1000, offset: 0, q: 'alice@idp.test' });
    expect(items).toHaveLength(1);
    // A social login is a fresh authentication: its token may set a first password.
    const set = await s.app.inject({ method: 'PATCH', url: '/users/me', headers: bearer(second.res.json().access_token), payload: { password: 'a brand new password' } });
    expect(set.statusCode).toBe(200);
    await login(s.app, 'alice@idp.test', 'a brand new password');
  });

  it('stores the provider tokens encrypted', async () => {
    const who = { sub: 'sealed-sub', email: 'sealed@idp.test', email_verified: true };
    const { res } = await socialLogin(s.app, idp, P, who);
    const user = await me(res.json().access_token);
    const [row] = await s.container.repos.oauthAccounts.listForUser(user.id);
    expect(row).toMatchObject({ provider: P, accountId: 'sealed-sub', accountEmail: 'sealed@idp.test' });
    expect(row!.accessTokenEnc).toMatch(/^v1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    expect(row!.expiresAt).toBeGreaterThan(Date.now());
    // Sealed under the server's key (kept in the database, as TESSERA_OAUTH_TOKEN_KEY is unset): it
    // opens to the provider's real access token, which its UserInfo endpoint accepts; another key opens nothing.
    const stored = await s.container.repos.serverSecrets.getOrCreate('oauth_token_key', () => 'unused', 0);
    const accessToken = createSecretBox(Buffer.from(stored, 'base64url'), 'oauth-tokens').open(row!.accessTokenEnc)!;
    expect(row!.accessTokenEnc).not.toContain(accessToken);
    const info = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await info.json()).toMatchObject({ sub: 'sealed-sub' });
    expect(createSecretBox(Buffer.alloc(32, 7), 'oauth-tokens').open(row!.accessTokenEnc)).toBeUndefined();
    expect(createSecretBox(Buffer.from(stored, 'base64url'), 'oauth-flow').open(row!.accessTokenEnc)).toBeUndefined();
  });

  it('cookie backend: 204 and the session cookie', async () => {
    const { res } = await socialLogin(s.app, idp, P, { sub: 'carol-sub', email: 'carol@idp.test', email_verified: true }, '?authentication_backend=cookie');
    expect(res.statusCode).toBe(204);
    const auth = res.cookies.find((c) => c.name === 'tessera_auth')!;
    expect(auth).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const who = await s.app.inject({ url: '/users/me', headers: { cookie: `tessera_auth=${auth.value}` } });
    expect(who.json()).toMatchObject({ email: 'carol@idp.test' });
  });

  it('a provider that did not verify the email creates an unverified user', async () => {
    const { res } = await socialLogin(s.app, idp, P, { sub: 'dave-sub', email: 'dave@idp.test', email_verified: false });
    expect(res.statusCode).toBe(200);
    expect(await me(res.json().access_token)).toMatchObject({ email: 'dave@idp.test', is_verified: false });
  });

  it('no email from the provider is OAUTH_NOT_AVAILABLE_EMAIL', async () => {
    const { res } = await socialLogin(s.app, idp, P, { sub: 'mute-sub' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'OAUTH_NOT_AVAILABLE_EMAIL' });
  });

  describe('an existing local user with the same email', () => {
    const local = async (email: string, verified: boolean) => {
      const u = await s.container.users.create({ email, password: 'correct horse battery', isVerified: verified });
      return u.id;
    };

    it('is linked when both the provider and the local user say verified', async () => {
      const id = await local('erin@camelot.bt', true);
      const { res } = await socialLogin(s.app, idp, P, { sub: 'erin-sub', email: 'Erin@Camelot.bt', email_verified: true });
      expect(res.statusCode).toBe(200);
      expect((await me(res.json().access_token)).id).toBe(id);
      // The password still works too.
      await login(s.app, 'erin@camelot.bt');
    });

    it.each([
      ['local verified, provider unverified', true, false],
      ['local unverified, provider verified', false, true],
      ['both unverified', false, false],
    ])('is refused when %s', async (_label, localVerified, providerVerified) => {
      const email = `frank-${String(localVerified)}-${String(providerVerified)}@camelot.bt`;
      const id = await local(email, localVerified);
      const { res } = await socialLogin(s.app, idp, P, { sub: `frank-${email}`, email, email_verified: providerVerified });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ detail: 'OAUTH_USER_ALREADY_EXISTS' });
      expect(await s.container.repos.oauthAccounts.listForUser(id)).toEqual([]);
    });
  });

  it('a callback whose state does not match the cookie, or without the cookie, is OAUTH_INVALID_STATE', async () => {
    const who = { sub: 'mallory-sub', email: 'mallory@idp.test', email_verified: true };
    const a = await authorize(s.app, `/auth/${P}/authorize`);
    const b = await authorize(s.app, `/auth/${P}/authorize`);
    const back = await atProvider(idp, a.authorizationUrl, who);

    const noCookie = await callback(s.app, back, undefined);
    expect(noCookie.statusCode).toBe(400);
    expect(noCookie.json()).toEqual({ detail: 'OAUTH_INVALID_STATE' });
    const otherFlow = await callback(s.app, back, b.flowCookie);
    expect(otherFlow.json()).toEqual({ detail: 'OAUTH_INVALID_STATE' });
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'x'.repeat(43));
    expect((await callback(s.app, tampered, a.flowCookie)).json()).toEqual({ detail: 'OAUTH_INVALID_STATE' });
    const forgedCookie = a.flowCookie!.slice(0, -4) + (a.flowCookie!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await callback(s.app, back, forgedCookie)).json()).toEqual({ detail: 'OAUTH_INVALID_STATE' });

    // None of those spent the code: the right browser still logs in with it.
    const ok = await callback(s.app, back, a.flowCookie);
    expect(ok.statusCode).toBe(200);
  });

  it('a replayed code is refused by the provider: 400 OAUTH_PROVIDER_ERROR invalid_grant', async () => {
    const { started, back, res } = await socialLogin(s.app, idp, P, { sub: 'replay-sub', email: 'replay@idp.test', email_verified: true });
    expect(res.statusCode).toBe(200);
    const again = await callback(s.app, back, started.flowCookie);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_grant' } });
  });

  it('the user refusing at the provider (error=access_denied) is 400 OAUTH_PROVIDER_ERROR access_denied', async () => {
    const { back, res } = await socialLogin(s.app, idp, P, 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'access_denied' } });
    // A failed callback spends the flow cookie too.
    expect(res.cookies.find((c) => c.name === FLOW_COOKIE)).toMatchObject({ value: '', path: '/auth' });
  });

  it('an inactive user is LOGIN_BAD_CREDENTIALS', async () => {
    const who = { sub: 'gone-sub', email: 'gone@idp.test', email_verified: true };
    const first = await socialLogin(s.app, idp, P, who);
    const user = await me(first.res.json().access_token);
    await s.container.repos.users.update(user.id, { isActive: false });
    const { res } = await socialLogin(s.app, idp, P, who);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'LOGIN_BAD_CREDENTIALS' });
  });

  it('associate links a provider identity to the signed-in user, who can then log in with it', async () => {
    const u = await register(s.app, 'gawain@camelot.bt');
    const { access_token } = await login(s.app, 'gawain@camelot.bt');
    const unauth = await s.app.inject({ url: `/auth/associate/${P}/authorize` });
    expect(unauth.statusCode).toBe(401);

    const started = await authorize(s.app, `/auth/associate/${P}/authorize`, bearer(access_token));
    expect(started.res.statusCode).toBe(200);
    expect(new URL(started.authorizationUrl).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/associate/${P}/callback`);
    // A different (even unverified) email at the provider is fine: the user proved both sides.
    const back = await atProvider(idp, started.authorizationUrl, { sub: 'gawain-sub', email: 'gawain@elsewhere.test', email_verified: false });
    expect(back.pathname).toBe(`/auth/associate/${P}/callback`);
    expect((await callback(s.app, back, started.flowCookie)).statusCode).toBe(401);
    const linked = await callback(s.app, back, started.flowCookie, bearer(access_token));
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toEqual({ id: u.id, email: 'gawain@camelot.bt', username: null, is_active: true, is_superuser: false, is_verified: false, scopes: [] });

    const { res } = await socialLogin(s.app, idp, P, { sub: 'gawain-sub', email: 'gawain@elsewhere.test', email_verified: false });
    expect((await me(res.json().access_token)).id).toBe(u.id);
  });

  it('associate refuses an identity linked to another user, and a flow started by someone else', async () => {
    await register(s.app, 'percival@camelot.bt');
    const { access_token } = await login(s.app, 'percival@camelot.bt');
    const started = await authorize(s.app, `/auth/associate/${P}/authorize`, bearer(access_token));
    // alice-sub belongs to the user created by the first social login.
    const back = await atProvider(idp, started.authorizationUrl, { sub: 'alice-sub', email: 'alice@idp.test', email_verified: true });
    const res = await callback(s.app, back, started.flowCookie, bearer(access_token));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'OAUTH_USER_ALREADY_EXISTS' });

    await register(s.app, 'bors@camelot.bt');
    const other = await login(s.app, 'bors@camelot.bt');
    const again = await authorize(s.app, `/auth/associate/${P}/authorize`, bearer(access_token));
    const back2 = await atProvider(idp, again.authorizationUrl, { sub: 'percival-sub', email: 'p@idp.test', email_verified: true });
    const stolen = await callback(s.app, back2, again.flowCookie, bearer(other.access_token));
    expect(stolen.json()).toEqual({ detail: 'OAUTH_INVALID_STATE' });
  });

  it('an unknown provider is 404 and bad arguments are 422', async () => {
    for (const url of ['/auth/nope/authorize', '/auth/nope/callback?code=a&state=b', '/auth/associate/nope/authorize']) {
      const res = await s.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'Not Found' });
    }
    const bad = await s.app.inject({ url: `/auth/${P}/authorize?authentication_backend=session` });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['query', 'authentication_backend']);
    const badScope = await s.app.inject({ url: `/auth/${P}/authorize?scopes=${encodeURIComponent('a"b')}` });
    expect(badScope.statusCode).toBe(422);
  });

  it('the OpenAPI document lists the configured provider routes', async () => {
    const doc = (await s.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([`/auth/${P}/authorize`, `/auth/${P}/callback`, `/auth/associate/${P}/authorize`, `/auth/associate/${P}/callback`]));
    expect(Object.keys(doc.paths)).not.toContain('/auth/{provider}/authorize');
  });
});
