import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { bearer, login, register } from '../../support/users-client.js';
import { claimsOf } from '../../support/faces-client.js';
import { meStatus, passwordGrant, postForm, refreshGrant } from './oauth-client.js';

const PW = 'correct horse battery';

describe.each(DIALECTS)('oauth2 token endpoint (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(dialect);
    await register(s.app, 'arthur@camelot.bt', PW, { username: 'arthur' });
    await s.container.users.create({ email: 'merlin@camelot.bt', password: PW, scopes: ['magic', 'potions'] });
    await s.container.users.create({ email: 'mordred@camelot.bt', password: PW, isActive: false });
  });
  afterAll(async () => { await s.close(); });

  const expectError = (res: { statusCode: number; json(): unknown; headers: Record<string, unknown> }, error: string, status = 400) => {
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
  };

  it('password grant (form): RFC 6749 body, no-store headers, fresh token with the effective scopes', async () => {
    const res = await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur', password: PW });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: 'me' });
    expect(body.refresh_token.length).toBeGreaterThanOrEqual(43);
    expect(claimsOf(body.access_token)).toMatchObject({ fresh: true, scope: 'me', iss: 'http://tessera.test', aud: 'tessera' });
    expect(await meStatus(s.app, body.access_token)).toBe(200);
  });

  it('password grant (JSON) and login by email, case-insensitively', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'Arthur@Camelot.bt', password: PW } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json().token_type).toBe('bearer');
  });

  it('scope narrows the effective scopes; asking for more is invalid_scope', async () => {
    const all = await passwordGrant(s.app, 'merlin@camelot.bt');
    expect(all.scope.split(' ').sort()).toEqual(['magic', 'me', 'potions']);
    const narrow = await passwordGrant(s.app, 'merlin@camelot.bt', PW, { scope: 'magic' });
    expect(narrow.scope).toBe('magic');
    expect(claimsOf(narrow.access_token).scope).toBe('magic');
    // A token without `me` cannot use /users/me.
    expect(await meStatus(s.app, narrow.access_token)).toBe(403);
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'merlin@camelot.bt', password: PW, scope: 'me admin' }), 'invalid_scope');
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur', password: PW, scope: 'magic' }), 'invalid_scope');
  });

  it('refresh grant: same shape, rotated token, not fresh, scope may narrow but never widen', async () => {
    const first = await passwordGrant(s.app, 'merlin@camelot.bt', PW, { scope: 'me magic' });
    const res = await refreshGrant(s.app, first.refresh_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body.scope).toBe('me magic');
    expect(claimsOf(body.access_token)).toMatchObject({ fresh: false, sid: claimsOf(first.access_token).sid });

    // potions was not granted at login: a refresh cannot add it, and the failed ask does not burn the token.
    expectError(await refreshGrant(s.app, body.refresh_token, { scope: 'potions' }), 'invalid_scope');
    const narrowed = await refreshGrant(s.app, body.refresh_token, { scope: 'magic' });
    expect(narrowed.statusCode).toBe(200);
    expect(narrowed.json().scope).toBe('magic');
  });

  it('accepts the refresh token from the users face login (JSON body too)', async () => {
    const { refresh_token } = await login(s.app, 'arthur');
    const res = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token } });
    expect(res.statusCode).toBe(200);
    expect(await meStatus(s.app, res.json().access_token)).toBe(200);
  });

  it('keeps a non-rotating session (aegis style) refresh token and hands it back', async () => {
    const { tokens } = await s.container.auth.login('arthur', PW, { rotating: false });
    const a = await refreshGrant(s.app, tokens.refreshToken!);
    const b = await refreshGrant(s.app, tokens.refreshToken!);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.json().refresh_token).toBe(tokens.refreshToken);
  });

  it('bad credentials, unknown users and inactive users are invalid_grant', async () => {
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur', password: 'wrong password' }), 'invalid_grant');
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'nobody@camelot.bt', password: PW }), 'invalid_grant');
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'mordred@camelot.bt', password: PW }), 'invalid_grant');
  });

  it('unknown, garbage and revoked refresh tokens are invalid_grant', async () => {
    expectError(await refreshGrant(s.app, 'x'.repeat(43)), 'invalid_grant');
    const t = await passwordGrant(s.app, 'arthur');
    expect((await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(t.access_token) })).statusCode).toBe(204);
    expectError(await refreshGrant(s.app, t.refresh_token), 'invalid_grant');
  });

  it('unknown grant types are unsupported_grant_type, even with other parameters missing', async () => {
    for (const grant of ['client_credentials', 'authorization_code', 'PASSWORD', 'urn:ietf:params:oauth:grant-type:device_code']) {
      expectError(await postForm(s.app, '/oauth/token', { grant_type: grant }), 'unsupported_grant_type');
    }
  });

  it('missing or empty parameters are invalid_request', async () => {
    const cases: Record<string, string>[] = [
      {}, { username: 'arthur', password: PW }, { grant_type: '' , username: 'arthur', password: PW },
      { grant_type: 'password', password: PW }, { grant_type: 'password', username: 'arthur' },
      { grant_type: 'password', username: 'arthur', password: '' }, { grant_type: 'refresh_token' }, { grant_type: 'refresh_token', refresh_token: '' },
    ];
    for (const c of cases) expectError(await postForm(s.app, '/oauth/token', c), 'invalid_request');
  });

  it('repeated parameters are invalid_request, naming the parameter', async () => {
    for (const body of [
      `grant_type=password&username=arthur&password=${encodeURIComponent(PW)}&password=other`,
      `grant_type=password&grant_type=password&username=arthur&password=${encodeURIComponent(PW)}`,
      `grant_type=password&username=arthur&password=${encodeURIComponent(PW)}&scope=me&scope=me`,
      'grant_type=refresh_token&refresh_token=a&refresh_token=b',
    ]) {
      const res = await postForm(s.app, '/oauth/token', body);
      expectError(res, 'invalid_request');
      expect(res.json().error_description).toMatch(/more than once/);
    }
  });

  it('wrongly typed JSON, malformed bodies and unsupported content types are invalid_request, never 500', async () => {
    const bad: { payload: string; type?: string }[] = [
      { payload: JSON.stringify({ grant_type: 'password', username: 'arthur', password: 123 }), type: 'application/json' },
      { payload: JSON.stringify({ grant_type: ['password'], username: 'arthur', password: PW }), type: 'application/json' },
      { payload: JSON.stringify(['grant_type', 'password']), type: 'application/json' },
      { payload: '"password"', type: 'application/json' },
      { payload: 'null', type: 'application/json' },
      { payload: '{"grant_type": "password",', type: 'application/json' },
      { payload: '{"__proto__": {"x": 1}, "grant_type": "password"}', type: 'application/json' },
      { payload: '', type: 'application/json' },
      { payload: 'grant_type=password', type: 'text/plain' },
      { payload: '' },
    ];
    for (const b of bad) {
      const res = await s.app.inject({ method: 'POST', url: '/oauth/token', payload: b.payload, headers: b.type ? { 'content-type': b.type } : {} });
      expectError(res, 'invalid_request');
    }
  });

  it('ignores unknown parameters and a public client_id', async () => {
    const res = await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur', password: PW, client_id: 'my-app', foo: 'bar' });
    expect(res.statusCode).toBe(200);
  });

  it('a body over 64 KiB is 413 with an RFC-style body', async () => {
    const res = await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur', password: 'x'.repeat(70 * 1024) });
    expectError(res, 'invalid_request', 413);
  });

  it('a NUL character in a parameter is invalid_request', async () => {
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'arthur\u0000', password: PW }), 'invalid_request');
  });

  it('an over-long parameter is invalid_request', async () => {
    expectError(await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'a'.repeat(400), password: PW }), 'invalid_request');
  });
});

describe.each(DIALECTS)('oauth2 token endpoint with TESSERA_REQUIRE_VERIFIED (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true' }); });
  afterAll(async () => { await s.close(); });

  it('an unverified user is invalid_grant; a verified one gets tokens', async () => {
    await s.container.users.create({ email: 'unverified@camelot.bt', password: PW });
    await s.container.users.create({ email: 'verified@camelot.bt', password: PW, isVerified: true });
    const res = await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'unverified@camelot.bt', password: PW });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect((await postForm(s.app, '/oauth/token', { grant_type: 'password', username: 'verified@camelot.bt', password: PW })).statusCode).toBe(200);
  });
});

describe.each(DIALECTS)('oauth2 token endpoint rate limit (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_RATE_LIMITS: 'on' }); });
  afterAll(async () => { await s.close(); });

  it('excess requests get 429 in RFC 6749 format, with Retry-After and no-store', async () => {
    let res;
    for (let i = 0; i < 500; i++) {
      res = await refreshGrant(s.app, `unknown-refresh-token-${i}`);
      if (res.statusCode !== 400) break;
    }
    expect(res!.statusCode).toBe(429);
    expect(res!.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
    expect(res!.headers['cache-control']).toBe('no-store');
  });
});
