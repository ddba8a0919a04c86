import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, readOutbox, startServer, type TestServer } from '../../support/harness.js';
import { bearer, login, register } from '../../support/users-client.js';

describe.each(DIALECTS)('users face happy path (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer(dialect); });
  afterAll(async () => { await s.close(); });

  it('registers, logs in, reads /users/me, logs out, and the token dies', async () => {
    const user = await register(s.app, 'king.arthur@camelot.bt');
    const { access_token } = await login(s.app, 'King.Arthur@camelot.bt');
    const me = await s.app.inject({ url: '/users/me', headers: bearer(access_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ id: user.id, email: 'king.arthur@camelot.bt', username: null, is_active: true, is_superuser: false, is_verified: false, scopes: [] });
    const out = await s.app.inject({ method: 'POST', url: '/auth/jwt/logout', headers: bearer(access_token) });
    expect(out.statusCode).toBe(204);
    const after = await s.app.inject({ url: '/users/me', headers: bearer(access_token) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: 'Unauthorized' });
    expect(after.headers['www-authenticate']).toBe('Bearer');
  });

  it('mails a verify token to the outbox and verifies with it', async () => {
    await register(s.app, 'lancelot@camelot.bt');
    const req = await s.app.inject({ method: 'POST', url: '/auth/request-verify-token', payload: { email: 'lancelot@camelot.bt' } });
    expect(req.statusCode).toBe(202);
    const [msg] = await readOutbox(s.outbox);
    expect(msg).toMatchObject({ to: 'lancelot@camelot.bt', kind: 'verify' });
    const v = await s.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: msg!.token } });
    expect(v.statusCode).toBe(200);
    expect(v.json().is_verified).toBe(true);
  });
});
