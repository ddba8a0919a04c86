import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { PASS, qs } from '../../support/faces-client.js';

describe.each(DIALECTS)('TESSERA_REQUIRE_VERIFIED=true on the simple, aegis and oauth2 faces (%s)', (dialect) => {
  let s: TestServer;
  /** A live token of the unverified user, as one issued before verification was required would be. */
  let unverifiedToken: string;
  beforeAll(async () => {
    s = await startServer(dialect, { TESSERA_REQUIRE_VERIFIED: 'true' });
    const user = await s.container.users.create({ email: null, username: 'unverified', password: PASS });
    await s.container.users.create({ email: null, username: 'verified', password: PASS, isVerified: true });
    unverifiedToken = (await s.container.sessions.startSession(user)).accessToken;
  });
  afterAll(async () => { await s.close(); });

  it('simple: an unverified user gets 403, a verified one a token', async () => {
    const no = await s.app.inject({ url: `/token?${qs({ user: 'unverified', pass: PASS })}` });
    expect(no.statusCode).toBe(403);
    expect(no.json()).toEqual({ message: 'User is not verified' });
    expect((await s.app.inject({ url: `/token?${qs({ user: 'verified', pass: PASS })}` })).statusCode).toBe(200);
    // Only after a correct password: a wrong one is the usual login error.
    expect((await s.app.inject({ url: `/token?${qs({ user: 'unverified', pass: 'wrong password!' })}` })).statusCode).toBe(404);
  });

  it('an unverified user\'s live token is an invalid token on simple, aegis and oauth2', async () => {
    const auth = { authorization: `Bearer ${unverifiedToken}` };
    expect((await s.app.inject({ url: '/check', headers: auth })).json()).toEqual({ message: 'Invalid token' });
    expect((await s.app.inject({ url: '/refresh_token', headers: auth })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/user', headers: auth })).statusCode).toBe(204);
    const me = await s.app.inject({ url: '/me', headers: auth });
    expect(me.statusCode).toBe(401);
    expect(me.json().type).toMatch(/#InvalidTokenException$/);
    const introspect = await s.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
    expect(introspect.statusCode).toBe(401);
    expect(introspect.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('aegis: an unverified user gets AuthenticationFailed, a verified one tokens', async () => {
    const no = await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'unverified', password: PASS } });
    expect(no.statusCode).toBe(401);
    expect(no.json()).toMatchObject({ type: 'http://tessera.test/problems#AuthenticationFailedException', status: '401' });
    expect((await s.app.inject({ method: 'POST', url: '/auth', payload: { username: 'verified', password: PASS } })).statusCode).toBe(200);
  });
});
