import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startServer, type TestServer } from '../../support/harness.js';
import { adminToken, bearer, register } from '../../support/users-client.js';
import { meStatus, passwordGrant, postForm, refreshGrant, revoke } from './oauth-client.js';

describe.each(DIALECTS)('oauth2 revocation (%s)', (dialect) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    admin = await adminToken(s.app, s.container.users);
    for (const name of ['gareth', 'gaheris', 'agravain']) await register(s.app, `${name}@camelot.bt`);
  });
  afterAll(async () => { await s.close(); });

  const expectEmpty200 = (res: { statusCode: number; body: string }) => {
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  };

  it('revoking an access token ends its session: access and refresh tokens die, other sessions live', async () => {
    const t = await passwordGrant(s.app, 'gareth@camelot.bt');
    const other = await passwordGrant(s.app, 'gareth@camelot.bt');
    const res = await revoke(s.app, other.access_token, t.access_token);
    expectEmpty200(res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await meStatus(s.app, t.access_token)).toBe(401);
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
    expect(await meStatus(s.app, other.access_token)).toBe(200);
  });

  it('revoking a refresh token ends its session, also with the caller’s own token', async () => {
    const t = await passwordGrant(s.app, 'gareth@camelot.bt');
    expectEmpty200(await revoke(s.app, t.access_token, t.refresh_token, { token_type_hint: 'refresh_token' }));
    expect(await meStatus(s.app, t.access_token)).toBe(401);
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
  });

  it('a wrong or unknown token_type_hint does not matter', async () => {
    const t = await passwordGrant(s.app, 'gareth@camelot.bt');
    const caller = (await passwordGrant(s.app, 'gareth@camelot.bt')).access_token;
    expectEmpty200(await revoke(s.app, caller, t.refresh_token, { token_type_hint: 'access_token' }));
    expect((await refreshGrant(s.app, t.refresh_token)).json().error).toBe('invalid_grant');
    const u = await passwordGrant(s.app, 'gareth@camelot.bt');
    expectEmpty200(await revoke(s.app, caller, u.access_token, { token_type_hint: 'something_else' }));
    expect(await meStatus(s.app, u.access_token)).toBe(401);
  });

  it('unknown, garbage, already revoked and spent tokens: 200 and nothing happens', async () => {
    const caller = (await passwordGrant(s.app, 'gaheris@camelot.bt')).access_token;
    const t = await passwordGrant(s.app, 'gaheris@camelot.bt');
    await refreshGrant(s.app, t.refresh_token);
    for (const token of ['x'.repeat(43), 'a.b.c', 'nonsense', 'z'.repeat(10_000), t.refresh_token]) {
      expectEmpty200(await revoke(s.app, caller, token));
    }
    // Revoking a spent refresh token is not a reuse: the rotated session lives on.
    expect(await meStatus(s.app, t.access_token)).toBe(200);
    expect(await meStatus(s.app, caller)).toBe(200);
  });

  it('another user’s tokens are silently left alone', async () => {
    const victim = await passwordGrant(s.app, 'agravain@camelot.bt');
    const mallory = (await passwordGrant(s.app, 'gaheris@camelot.bt')).access_token;
    expectEmpty200(await revoke(s.app, mallory, victim.access_token));
    expectEmpty200(await revoke(s.app, mallory, victim.refresh_token));
    expect(await meStatus(s.app, victim.access_token)).toBe(200);
    expect((await refreshGrant(s.app, victim.refresh_token)).statusCode).toBe(200);
  });

  it('an admin revokes anyone’s tokens', async () => {
    const a = await passwordGrant(s.app, 'agravain@camelot.bt');
    const b = await passwordGrant(s.app, 'agravain@camelot.bt');
    expectEmpty200(await revoke(s.app, admin, a.access_token));
    expectEmpty200(await revoke(s.app, admin, b.refresh_token));
    expect(await meStatus(s.app, a.access_token)).toBe(401);
    expect(await meStatus(s.app, b.access_token)).toBe(401);
  });

  it('a superuser whose token lacks `admin` is an ordinary user here', async () => {
    const meOnly = (await passwordGrant(s.app, 'admin@camelot.bt', 'admin password 1', { scope: 'me' })).access_token;
    const victim = await passwordGrant(s.app, 'agravain@camelot.bt');
    expectEmpty200(await revoke(s.app, meOnly, victim.access_token));
    expect(await meStatus(s.app, victim.access_token)).toBe(200);
  });

  it('the caller needs the `me` scope: 403 insufficient_scope otherwise', async () => {
    const adminOnly = (await passwordGrant(s.app, 'admin@camelot.bt', 'admin password 1', { scope: 'admin' })).access_token;
    const victim = await passwordGrant(s.app, 'agravain@camelot.bt');
    const res = await revoke(s.app, adminOnly, victim.access_token);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'insufficient_scope', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
    expect(await meStatus(s.app, victim.access_token)).toBe(200);
  });

  it('unauthenticated callers get 401 with WWW-Authenticate: Bearer', async () => {
    const victim = await passwordGrant(s.app, 'agravain@camelot.bt');
    const res = await postForm(s.app, '/oauth/revoke', { token: victim.access_token });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json().error).toBe('invalid_token');
    const bad = await revoke(s.app, 'garbage', victim.access_token);
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(await meStatus(s.app, victim.access_token)).toBe(200);
  });

  it('a missing or repeated token parameter is invalid_request', async () => {
    const caller = (await passwordGrant(s.app, 'gaheris@camelot.bt')).access_token;
    for (const body of ['', 'token=', 'token_type_hint=access_token', 'token=a&token=b']) {
      const res = await postForm(s.app, '/oauth/revoke', body, bearer(caller));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
  });

  it('JSON bodies work too', async () => {
    const t = await passwordGrant(s.app, 'gaheris@camelot.bt');
    const res = await s.app.inject({ method: 'POST', url: '/oauth/revoke', headers: bearer(t.access_token), payload: { token: t.refresh_token } });
    expectEmpty200(res);
    expect(await meStatus(s.app, t.access_token)).toBe(401);
  });
});
