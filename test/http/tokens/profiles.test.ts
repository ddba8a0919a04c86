import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { flaskJwtlibDecode, jwksKey, pyjwtDecode } from '../../support/client-verifiers.js';
import { aegisLogin, claimsOf, PASS, qs, simpleSession, simpleSignup, simpleToken } from '../../support/faces-client.js';
import { bearer, login } from '../../support/users-client.js';
import { FACE_NAMES, faceLogin, faceProtected, refusedStatus, tokenOf, type FaceName } from '../../security/support/faces.js';
import { introspect, passwordGrant, refreshGrant } from '../oauth2/oauth-client.js';

/** Tessera's own claims, in every profile. */
const BASE = ['iss', 'sub', 'iat', 'exp', 'jti', 'sid', 'scope', 'fresh'];

describe.each(DIALECTS)('token profiles: each face issues its imitated system\'s tokens (%s)', (dialect) => {
  let s: TestServer;
  let caller: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    await simpleSignup(s.app, 'arthur');
    // The introspecting caller is someone else: the logout tests end all of arthur's sessions.
    await simpleSignup(s.app, 'merlin');
    caller = (await passwordGrant(s.app, 'merlin')).access_token;
  });
  afterAll(async () => { await s.close(); });

  it('simple: flask_jwtlib verifies it with the /pubkey PEM and no audience; ipseity\'s claims', async () => {
    const { access, refresh } = await simpleSession(s.app, 'arthur');
    expect(decodeProtectedHeader(access).typ).toBe('JWT');
    const payload = await flaskJwtlibDecode(s.app, access);
    expect(payload).not.toHaveProperty('aud');
    expect(payload).toMatchObject({ user: 'arthur', token_type: 'access_token', authentication_method: 'password', fresh: true, scope: 'me' });
    expect(payload.nbf).toBe(payload.iat);
    for (const c of BASE) expect(payload).toHaveProperty(c);
    // A refresh through GET /token: same profile, authentication_method refresh_token.
    const res = await s.app.inject({ url: `/token?${qs({ user: refresh })}` });
    expect(res.statusCode).toBe(200);
    expect(await flaskJwtlibDecode(s.app, res.body)).toMatchObject({ user: 'arthur', authentication_method: 'refresh_token', fresh: false, token_type: 'access_token' });
  });

  it('simple: `user` is the email when the user has no username', async () => {
    await simpleSignup(s.app, 'gawain@camelot.bt');
    expect(claimsOf(await simpleToken(s.app, 'gawain@camelot.bt')).user).toBe('gawain@camelot.bt');
  });

  it('aegis: `id` and `permissions`, no aud, on /auth and /auth/refresh', async () => {
    const t = await aegisLogin(s.app, 'arthur');
    const key = await jwksKey(s.app);
    for (const token of [t.access_token, (await s.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: t.refresh_token } })).json().access_token as string]) {
      expect(decodeProtectedHeader(token).typ).toBe('JWT');
      const payload = await pyjwtDecode(token, key, { algorithms: ['EdDSA'] });
      expect(payload).toMatchObject({ id: payload.sub, permissions: ['me'] });
      expect(payload).not.toHaveProperty('aud');
      for (const c of BASE) expect(payload).toHaveProperty(c);
    }
  });

  it('users: aud ["fastapi-users:auth"], as fastapi-users\' JWTStrategy decodes it (jwt and cookie login)', async () => {
    const key = await jwksKey(s.app);
    const jwt = (await login(s.app, 'arthur', PASS)).access_token;
    const cookieRes = await s.app.inject({ method: 'POST', url: '/auth/cookie/login', payload: { username: 'arthur', password: PASS } });
    const cookie = cookieRes.cookies.find((c) => c.name === 'tessera_auth')!.value;
    for (const token of [jwt, cookie]) {
      expect(decodeProtectedHeader(token).typ).toBe('JWT');
      const payload = await pyjwtDecode(token, key, { algorithms: ['EdDSA'], audience: ['fastapi-users:auth'] });
      expect(payload.aud).toEqual(['fastapi-users:auth']);
      for (const c of BASE) expect(payload).toHaveProperty(c);
      // A client that asks for no audience (PyJWT's default) refuses it, as it would FastAPI Users' own.
      await expect(pyjwtDecode(token, key, { algorithms: ['EdDSA'] })).rejects.toThrow(/audience/);
    }
  });

  it('oauth2: RFC 9068 (typ at+jwt, aud TESSERA_JWT_AUDIENCE) on both grants', async () => {
    const t = await passwordGrant(s.app, 'arthur');
    const key = await jwksKey(s.app);
    const refreshed = (await refreshGrant(s.app, t.refresh_token)).json().access_token as string;
    for (const token of [t.access_token, refreshed]) {
      expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
      const payload = await pyjwtDecode(token, key, { algorithms: ['EdDSA'], audience: ['tessera'] });
      expect(payload.aud).toBe('tessera');
      expect(payload).not.toHaveProperty('user');
      expect(payload).not.toHaveProperty('permissions');
    }
  });

  it('a token of any face is accepted by every face, and dies on every face after logout on any face', async () => {
    // ipseity has no logout (DELETE /refresh_token disallows one refresh token only), aegis neither.
    const logouts: Record<'users' | 'oauth2', (token: string) => Promise<number>> = {
      users: async (t) => (await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(t) })).statusCode,
      oauth2: async (t) => (await s.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { ...bearer(t), 'content-type': 'application/x-www-form-urlencoded' }, payload: qs({ token: t }) })).statusCode,
    };
    for (const issuer of FACE_NAMES) {
      for (const closer of ['users', 'oauth2'] as const) {
        const token = tokenOf(issuer, await faceLogin(s.app, issuer, 'arthur', PASS));
        for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode, `${issuer} token on ${face}`).toBe(200);
        expect(await logouts[closer](token)).toBeLessThan(300);
        for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode, `${issuer} token on ${face} after ${closer} logout`).toBe(refusedStatus(face));
      }
    }
  });

  it('aegis GET /me answers id, permissions, exp for a token of every profile; a bare token works too', async () => {
    const user = (await s.container.repos.users.findByLogin('arthur'))!;
    for (const face of FACE_NAMES) {
      const token = tokenOf(face, await faceLogin(s.app, face, 'arthur', PASS));
      for (const authorization of [`Bearer ${token}`, token]) {
        const res = await s.app.inject({ url: '/me', headers: { authorization } });
        expect(res.statusCode, `${face}: ${authorization.slice(0, 7)}`).toBe(200);
        expect(res.json()).toEqual({ id: user.id, permissions: ['me'], exp: claimsOf(token).exp });
      }
    }
  });

  it('introspection: every profile is active as token_type access_token, with the aud its token carries', async () => {
    const aud: Record<FaceName, unknown> = { users: ['fastapi-users:auth'], oauth2: 'tessera', simple: undefined, aegis: undefined };
    for (const face of FACE_NAMES) {
      const token = tokenOf(face, await faceLogin(s.app, face, 'arthur', PASS));
      const body = (await introspect(s.app, caller, token)).json();
      const c = claimsOf(token);
      expect(body).toEqual({
        active: true, sub: c.sub, username: 'arthur', scope: 'me', exp: c.exp, iat: c.iat, token_type: 'access_token',
        ...(aud[face] === undefined ? {} : { aud: aud[face] }), iss: 'http://tessera.test', jti: c.jti,
      });
    }
  });

  it('introspection reports only the scopes the user still holds; asking for a removed one is inactive', async () => {
    await simpleSignup(s.app, 'percival');
    const id = (await s.app.inject({ url: '/users/me', headers: bearer(await simpleToken(s.app, 'percival')) })).json().id as string;
    await s.container.repos.users.update(id, { scopes: ['grail', 'lance'] });
    const tokens = [await simpleToken(s.app, 'percival'), (await passwordGrant(s.app, 'percival')).access_token, (await aegisLogin(s.app, 'percival')).access_token];
    const refresh = (await passwordGrant(s.app, 'percival')).refresh_token;
    for (const t of [...tokens, refresh]) expect((await introspect(s.app, caller, t)).json().scope).toBe('me grail lance');
    await s.container.repos.users.update(id, { scopes: ['lance'] });
    for (const t of [...tokens, refresh]) {
      expect((await introspect(s.app, caller, t)).json()).toMatchObject({ active: true, scope: 'me lance' });
      expect((await introspect(s.app, caller, t, { scope: 'grail' })).json()).toEqual({ active: false });
      expect((await introspect(s.app, caller, t, { scope: 'lance' })).json().active).toBe(true);
    }
  });
});

describe.each(DIALECTS)('TESSERA_USERS_AUDIENCE (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect, { TESSERA_USERS_AUDIENCE: 'fastapi-users:auth, my-app' }); });
  afterAll(async () => { await s.close(); });

  it('sets the aud list of the users face\'s tokens; a client asking for either accepts it', async () => {
    await simpleSignup(s.app, 'kay');
    const token = (await login(s.app, 'kay', PASS)).access_token;
    expect(claimsOf(token).aud).toEqual(['fastapi-users:auth', 'my-app']);
    const key = await jwksKey(s.app);
    for (const audience of ['fastapi-users:auth', 'my-app']) await pyjwtDecode(token, key, { algorithms: ['EdDSA'], audience: [audience] });
    for (const face of FACE_NAMES) expect((await faceProtected(s.app, face, token)).statusCode).toBe(200);
  });
});
